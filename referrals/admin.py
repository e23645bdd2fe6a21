"""Referrals, alerts, providers, follow-ups and invitations in the admin site: read-mostly, every
change mirrored in the app's audit log. Mothers show as record number, name and clinic."""

from django.contrib import admin

from screening.admin import AuditedAdmin, ReadOnlyAdmin, clinic_time
from screening.models import Invitation

from .models import Alert, FollowUp, Provider, Referral


class MotherColumns:
    @admin.display(description="mother", ordering="mother__record_number")
    def mother_label(self, obj):
        mother = obj.mother
        return f"{mother.record_number} {mother.full_name} ({mother.clinic.name})"


@admin.register(Referral)
class ReferralAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "pathway", "status", "urgency", "requested", "provider"]
    list_filter = ["clinic", "status", "pathway"]
    list_select_related = ["mother__clinic", "clinic", "provider"]
    requested = clinic_time("requested_at", "Requested")
    search_fields = ["mother__record_number", "mother__family_name"]


@admin.register(Alert)
class AlertAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "raised", "acknowledged", "acknowledged_by", "action"]
    list_filter = ["clinic"]
    list_select_related = ["mother__clinic", "clinic", "acknowledged_by"]
    raised = clinic_time("created_at", "Raised")
    acknowledged = clinic_time("acknowledged_at", "Acknowledged")


@admin.register(FollowUp)
class FollowUpAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "instrument_code", "due_on", "status", "attempts", "last_error"]
    list_filter = ["clinic", "status"]
    list_select_related = ["mother__clinic"]


@admin.register(Invitation)
class InvitationAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "instrument_code", "status", "created", "expires"]
    list_filter = ["clinic", "status"]
    list_select_related = ["mother__clinic", "clinic"]
    created = clinic_time("created_at", "Created")
    expires = clinic_time("expires_at", "Expires")
    exclude = ["nonce", "token_hash"]


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    """The directory is not clinical: an operator may fix it; the change is audited."""

    list_display = ["name", "clinic", "accepting", "referral_email"]
    list_filter = ["clinic", "accepting"]
