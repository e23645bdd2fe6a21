"""A clinic admin's referral set-up: its providers, its time limits and its own crisis lines."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from screening import audit
from screening.access import ADMINS, SEES_SCORES, staff_view
from screening.models import AuditEntry, CrisisResource

from .forms import (
    CrisisResourceFormSet,
    ProviderForm,
    ReferralSettingsForm,
)
from .models import Provider, ReferralSettings


@require_GET
@staff_view(SEES_SCORES)
def provider_list(request):
    providers = Provider.objects.filter(clinic=request.membership.clinic)
    return render(request, "referrals/provider_list.html", {"providers": providers})


@require_http_methods(["GET", "POST"])
@staff_view(ADMINS)
def provider_edit(request, code=None):
    clinic = request.membership.clinic
    provider = get_object_or_404(Provider, clinic=clinic, code=code) if code else Provider(clinic=clinic)
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(request.user, clinic, AuditEntry.Action.UPDATE, None, f"provider {provider.name}")
        messages.success(request, _("Provider saved."))
        return redirect("provider_list")
    return render(request, "referrals/provider_form.html", {"form": form, "provider": provider})


@require_http_methods(["GET", "POST"])
@staff_view(ADMINS)
def referral_settings(request):
    clinic = request.membership.clinic
    form = ReferralSettingsForm(request.POST or None, instance=ReferralSettings.for_clinic(clinic))
    resources = CrisisResourceFormSet(
        request.POST or None, queryset=CrisisResource.objects.filter(clinic=clinic), prefix="crisis"
    )
    if request.method == "POST" and form.is_valid() and resources.is_valid():
        with transaction.atomic():
            form.save()
            for resource in resources.save(commit=False):
                resource.clinic = clinic
                resource.save()
            for resource in resources.deleted_objects:
                resource.delete()
            audit.record(request.user, clinic, AuditEntry.Action.UPDATE, None, "referral settings")
        messages.success(request, _("Referral settings saved."))
        return redirect("referral_settings")
    return render(request, "referrals/settings.html", {"form": form, "resources": resources})
