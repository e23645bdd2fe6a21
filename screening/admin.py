from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditEntry, Clinic, Infant, Membership, Mother, Screening, ThresholdSet, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [MembershipInline]


@admin.register(Clinic)
class ClinicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "epds_online_permission"]
    inlines = [MembershipInline]


@admin.register(ThresholdSet)
class ThresholdSetAdmin(SimpleHistoryAdmin):
    list_display = ["clinic", "context", "epds_possible", "epds_probable", "epds_high"]


class InfantInline(admin.TabularInline):
    model = Infant
    extra = 0


@admin.register(Mother)
class MotherAdmin(SimpleHistoryAdmin):
    list_display = ["record_number", "given_name", "family_name", "clinic", "due_date", "delivery_date"]
    list_filter = ["clinic"]
    search_fields = ["record_number", "family_name", "given_name"]
    inlines = [InfantInline]


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    """Results are computed from answers: the admin may read them, never edit them."""

    list_display = ["mother", "instrument_code", "taken_on", "total", "risk_level", "self_harm"]
    list_filter = ["clinic", "instrument_code", "risk_level"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["clinic_time", "actor", "clinic", "action", "object_type", "summary"]
    list_filter = ["clinic", "action"]
    list_select_related = ["clinic", "actor"]

    @admin.display(description="When (clinic time)", ordering="at")
    def clinic_time(self, entry):
        """Each entry in its own clinic's time, whatever clinic the reader works in."""
        return timezone.localtime(entry.at, entry.clinic.zone()).strftime("%Y-%m-%d %H:%M %Z")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
