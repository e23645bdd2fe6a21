"""The framework's floor on this machine, for `make bench` only (BENCH_ENDPOINTS=true): a view
that does nothing and a view that inserts one row. Never routed otherwise."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from screening.models import AuditEntry, Clinic


@require_GET
def trivial(request):
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def insert_one(request):
    AuditEntry.objects.create(actor=None, clinic_id=_clinic_id(), action=AuditEntry.Action.VIEW, summary="bench")
    return HttpResponse("ok")


_clinic = {}


def _clinic_id():
    if "id" not in _clinic:
        _clinic["id"] = Clinic.objects.values_list("pk", flat=True).first()
    return _clinic["id"]
