"""The clinic admin's page for FHIR API clients: authorise a system (its token shown once),
see when each was last used, revoke."""

import json

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

from . import auth, smart
from .models import ApiClient


class ClientForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the system"), max_length=200)
    public_jwks = forms.CharField(
        label=gettext_lazy("Its public keys (JWKS), for SMART Backend Services"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "Optional. Paste the JSON Web Key Set the system signs its requests with (public keys only): it then "
            "asks /auth/token for five-minute tokens instead of using the token shown below."
        ),
    )

    def clean_public_jwks(self):
        text = self.cleaned_data["public_jwks"].strip()
        if not text:
            return None
        try:
            smart.public_keys(text)
        except ValueError as error:
            message = _("These are not public keys we can check: %(error)s.") % {"error": error}
            raise forms.ValidationError(message) from error
        return json.loads(text)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_view(ADMINS)
def clients(request):
    clinic = request.membership.clinic
    form = ClientForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _client, token = auth.create(
            clinic, form.cleaned_data["name"], request.user, public_jwks=form.cleaned_data["public_jwks"]
        )
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
