"""Referrals, alerts, providers, follow-ups and invitations in the admin site: read-mostly, every
change mirrored in the app's audit log. Mothers show as record number, name and clinic."""

from django.contrib import admin

from screening.admin import AuditedAdmin, ReadOnlyAdmin
from screening.models import Invitation

from .models import Alert, FollowUp, Provider, Referral


class MotherColumns:
    @admin.display(description="mother", ordering="mother__record_number")
    def mother_label(self, obj):
        mother = obj.mother
        return f"{mother.record_number} {mother.full_name} ({mother.clinic.name})"


@admin.register(Referral)
class ReferralAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "pathway", "status", "urgency", "requested_at", "provider"]
    list_filter = ["clinic", "status", "pathway"]
    list_select_related = ["mother__clinic", "provider"]
    search_fields = ["mother__record_number", "mother__family_name"]


@admin.register(Alert)
class AlertAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "created_at", "acknowledged_at", "acknowledged_by", "action"]
    list_filter = ["clinic"]
    list_select_related = ["mother__clinic", "acknowledged_by"]


@admin.register(FollowUp)
class FollowUpAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "instrument_code", "due_on", "status", "attempts", "last_error"]
    list_filter = ["clinic", "status"]
    list_select_related = ["mother__clinic"]


@admin.register(Invitation)
class InvitationAdmin(MotherColumns, ReadOnlyAdmin):
    list_display = ["mother_label", "instrument_code", "status", "created_at", "expires_at"]
    list_filter = ["clinic", "status"]
    list_select_related = ["mother__clinic"]
    exclude = ["nonce", "token_hash"]


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    """The directory is not clinical: an operator may fix it; the change is audited."""

    list_display = ["name", "clinic", "accepting", "referral_email"]
    list_filter = ["clinic", "accepting"]
