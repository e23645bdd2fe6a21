"""The framework's floor on this machine, for `make bench` only (bench.settings): a view that does
nothing and a view that inserts one row."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import FloorRow


@require_GET
def trivial(request):
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def insert_one(request):
    FloorRow.objects.create()
    return HttpResponse("ok")
