"""The clinic admin's page for FHIR API clients: authorise a system (its token shown once),
see when each was last used, revoke."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from screening import audit
from screening.access import ADMINS, staff_view
from screening.models import AuditEntry

from . import auth
from .models import ApiClient


class ClientForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the system"), max_length=200)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_view(ADMINS)
def clients(request):
    clinic = request.membership.clinic
    form = ClientForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _client, token = auth.create(clinic, form.cleaned_data["name"], request.user)
        form = ClientForm()
    return render(
        request,
        "fhir/clients.html",
        {"form": form, "token": token, "clients": ApiClient.objects.filter(clinic=clinic).order_by("-created_at")},
    )


@require_POST
@staff_view(ADMINS)
def revoke(request, code):
    client = get_object_or_404(ApiClient, code=code, clinic=request.membership.clinic)
    ApiClient.objects.filter(pk=client.pk, revoked_at=None).update(revoked_at=timezone.now())
    audit.record(request.user, client.clinic, AuditEntry.Action.UPDATE, None, f"FHIR API client {client.name} revoked")
    messages.success(request, _("%(name)s can no longer read the clinic's records.") % {"name": client.name})
    return redirect("api_clients")
