from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from . import audit, transfers
from .admin_forms import ThresholdForm
from .models import AuditEntry, Clinic, Infant, Membership, Mother, Screening, ThresholdSet, User
from .signals import mother_changed


def _clinic_of(obj):
    if isinstance(obj, Clinic):
        return obj
    clinic = getattr(obj, "clinic", None)
    if clinic is None and hasattr(obj, "memberships"):
        first = obj.memberships.select_related("clinic").first()
        clinic = first and first.clinic
    return clinic


def clinic_time(field, description):
    """A list column showing a moment in its own row's clinic time, whatever the reader's zone."""

    @admin.display(description=f"{description} (clinic time)", ordering=field)
    def column(self, obj):
        moment = getattr(obj, field)
        clinic = _clinic_of(obj)
        if moment is None or clinic is None:
            return "-"
        return timezone.localtime(moment, clinic.zone()).strftime("%Y-%m-%d %H:%M %Z")

    return column


class AuditedAdmin(admin.ModelAdmin):
    """Every change made in the admin site is written in the app's own audit log too, for the
    clinic it concerns: the admin is not a way around the audit trail. A record's page shows its
    times in its clinic's zone."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id else None
        clinic = _clinic_of(obj) if obj is not None else None
        with timezone.override(clinic.zone() if clinic else timezone.get_current_timezone()):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            return response.render() if hasattr(response, "render") else response  # rendered in her zone

    def _mirror(self, request, obj, action, message):
        clinic = _clinic_of(obj)
        if clinic is not None:
            audit.record(request.user, clinic, action, obj, f"admin site: {type(obj).__name__} {message}"[:300])

    def log_addition(self, request, obj, message):
        self._mirror(request, obj, AuditEntry.Action.CREATE, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._mirror(request, obj, AuditEntry.Action.UPDATE, f"changed {message}")
        return super().log_change(request, obj, message)

    def log_deletion(self, request, obj, object_repr):
        self._mirror(request, obj, AuditEntry.Action.DELETE, f"deleted {object_repr}")
        return super().log_deletion(request, obj, object_repr)


class ReadOnlyAdmin(AuditedAdmin):
    """Clinical records are written by the app's services only: the admin reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(User)
class StaffUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [MembershipInline]


@admin.register(Clinic)
class ClinicAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "epds_online_permission"]
    inlines = [MembershipInline]


@admin.register(ThresholdSet)
class ThresholdSetAdmin(AuditedAdmin, SimpleHistoryAdmin):
    """The same guard as the settings page: ceilings no reason lifts, and a reason for any cut-off
    above every published one, kept in the audit log."""

    form = ThresholdForm
    fields = ["clinic", "context", *ThresholdForm.Meta.fields, "reason"]
    list_display = ["clinic", "context", "epds_possible", "epds_probable", "epds_high"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        above = form.above_published()
        if above:
            names, reason = ", ".join(above), form.cleaned_data["reason"]
            summary = f"admin site: {obj.context} cut-offs above published: {names} ({reason})"
            audit.record(request.user, obj.clinic, AuditEntry.Action.UPDATE, obj.clinic, summary[:300])


class InfantInline(admin.TabularInline):
    model = Infant
    extra = 0


@admin.register(Mother)
class MotherAdmin(AuditedAdmin, SimpleHistoryAdmin):
    """An operator's fixes go through the same services as the staff form: after a change to her
    dates or infants her episode and follow-up schedule are recomputed."""

    list_display = ["record_number", "given_name", "family_name", "clinic", "due_date", "delivery_date"]
    list_filter = ["clinic"]
    search_fields = ["record_number", "family_name", "given_name"]
    inlines = [InfantInline]

    def has_delete_permission(self, request, obj=None):
        return False  # her screenings and referrals keep her; a clinic records that she left care

    def save_model(self, request, obj, form, change):
        """A new clinic is a transfer: her open concern, alerts, follow-ups, referrals and
        invitations move with her, and both clinics' audit logs say so."""
        moving_to = obj.clinic if change and "clinic" in form.changed_data else None
        if moving_to is not None:
            obj.clinic_id = form.initial["clinic"]
        super().save_model(request, obj, form, change)
        if moving_to is not None:
            transfers.transfer(obj, moving_to, actor=request.user, note="admin site")
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        mother_changed.send(sender=Mother, mother=form.instance)


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    """Results are computed from answers, with their alerts: the admin may read them, never add,
    change or delete one (staff enter screenings; an error is marked in the app)."""

    list_display = ["mother", "instrument_code", "taken_on", "total", "risk_level", "self_harm"]
    list_filter = ["clinic", "instrument_code", "risk_level"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["when", "actor", "clinic", "action", "object_type", "summary"]
    list_filter = ["clinic", "action"]
    list_select_related = ["clinic", "actor"]

    when = clinic_time("at", "When")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
