"""A clinic admin's pages: settings and cut-offs, colleagues and their roles, the audit log."""

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.downloads import csv_download

from . import audit, outbox
from .access import ADMINS, staff_view
from .admin_forms import AuditFilterForm, ClinicSettingsForm, RoleForm, StaffForm, ThresholdForm
from .confirm import ask_first
from .models import (
    AuditEntry,
    Delivery,
    Membership,
    MessageKind,
    Role,
    ThresholdSet,
)
from .risk import Context

Action = AuditEntry.Action


@require_http_methods(["GET", "POST"])
@staff_view(ADMINS)
def clinic_settings(request):
    clinic = request.membership.clinic
    forms = {}
    for context in Context:
        row = ThresholdSet.objects.filter(clinic=clinic, context=context).first() or ThresholdSet(
            clinic=clinic, context=context
        )
        forms[context] = ThresholdForm(request.POST or None, instance=row, prefix=context.value)
    clinic_form = ClinicSettingsForm(request.POST or None, instance=clinic, prefix="clinic")
    if request.method == "POST" and clinic_form.is_valid() and all(f.is_valid() for f in forms.values()):
        with transaction.atomic():
            clinic_form.save()
            for form in forms.values():
                if form.has_changed() or form.instance.pk is None:
                    form.save()
            raised = [
                f"{context}: {', '.join(form.above_published())} ({form.cleaned_data['reason']})"
                for context, form in forms.items()
                if form.above_published()
            ]
            summary = "settings and thresholds" + (f"; above published: {'; '.join(raised)}" if raised else "")
            audit.record(request.user, clinic, Action.UPDATE, clinic, summary)
        messages.success(request, _("Clinic settings saved."))
        return redirect("clinic_settings")
    return render(
        request,
        "screening/clinic_settings.html",
        {
            "clinic_form": clinic_form,
            "threshold_forms": forms,
        },
    )


@require_GET
@staff_view(ADMINS)
def staff_list(request):
    members = list(
        Membership.all_objects.filter(clinic=request.membership.clinic)
        .select_related("user")
        .order_by("-active", "user__username")
    )
    locked = set(
        AccessAttempt.objects.filter(
            username__in=[m.user.username for m in members], failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )
    links = Delivery.objects.filter(kind=MessageKind.PASSWORD_RESET, clinic=request.membership.clinic).order_by("pk")
    last_link = {row.user_id: row for row in links.filter(user__in=[m.user for m in members])}
    for m in members:
        m.locked_out = m.user.username in locked
        m.password_link = last_link.get(m.user_id)
    return render(request, "screening/staff_list.html", {"members": members, "roles": Role.choices})


def _colleague(request, pk):
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, clinic=request.membership.clinic)


@require_POST
@staff_view(ADMINS)
def staff_unlock(request, pk):
    """Lets a colleague who was locked out after too many wrong passwords try again at once."""
    colleague = _colleague(request, pk)
    reset(username=colleague.user.username)
    audit.record(request.user, colleague.clinic, Action.UPDATE, None, f"staff {colleague.user.username}: unlocked")
    messages.success(request, _("%(user)s can sign in again.") % {"user": colleague.user.username})
    return redirect("staff_list")


@require_POST
@staff_view(ADMINS)
def staff_reset(request, pk):
    """Emails a colleague a one-time link to set a new password (Django's reset tokens: they stop
    working once used, or when the password changes, or after PASSWORD_RESET_TIMEOUT)."""

    colleague = _colleague(request, pk)
    user = colleague.user
    if not user.email:
        messages.error(request, _("%(user)s has no email address: add one first.") % {"user": user.username})
        return redirect("staff_list")
    with transaction.atomic():
        outbox.queue(MessageKind.PASSWORD_RESET, clinic=colleague.clinic, user=user)
        audit.record(request.user, colleague.clinic, Action.UPDATE, None, f"staff {user.username}: reset link sent")
    messages.success(request, _("A link to set a new password is on its way to %(user)s.") % {"user": user.username})
    return redirect("staff_list")


@require_http_methods(["GET", "POST"])
@staff_view(ADMINS)
def staff_add(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = form.save(request.membership.clinic)
        audit.record(
            request.user, membership.clinic, Action.CREATE, None, f"staff {membership.user.username}: {membership.role}"
        )
        added = _("Added %(name)s: they sign in as %(user)s, and change the password the first time.")
        messages.success(request, added % {"name": membership.user.get_full_name(), "user": membership.user.username})
        return redirect("staff_list")
    return render(request, "screening/staff_form.html", {"form": form})


@require_POST
@staff_view(ADMINS)
def staff_role(request, pk):
    membership = get_object_or_404(Membership, pk=pk, clinic=request.membership.clinic)
    if membership == request.membership:
        raise PermissionDenied  # an admin cannot demote themselves
    form = RoleForm(request.POST, instance=membership)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("staff_list")
    form.save()
    audit.record(
        request.user,
        request.membership.clinic,
        Action.UPDATE,
        None,
        f"staff {membership.user.username}: {membership.role}",
    )
    messages.success(request, _("Staff updated."))
    return redirect("staff_list")


@require_POST
@staff_view(ADMINS)
def staff_deactivate(request, pk):
    membership = get_object_or_404(Membership, pk=pk, clinic=request.membership.clinic)
    if membership == request.membership:
        raise PermissionDenied  # an admin cannot lock themselves out
    question = _("Deactivate %(user)s? They can no longer sign in to this clinic; what they recorded keeps their name.")
    asked = ask_first(request, question % {"user": membership.user.username}, reverse("staff_list"))
    if asked:
        return asked
    Membership.all_objects.filter(pk=membership.pk).update(active=False)
    audit.record(request.user, membership.clinic, Action.UPDATE, None, f"staff {membership.user.username}: deactivated")
    messages.success(request, _("%(user)s is deactivated.") % {"user": membership.user.username})
    return redirect("staff_list")


@require_POST
@staff_view(ADMINS)
def staff_reactivate(request, pk):
    membership = get_object_or_404(Membership.all_objects, pk=pk, clinic=request.membership.clinic, active=False)
    Membership.all_objects.filter(pk=membership.pk).update(active=True)
    audit.record(request.user, membership.clinic, Action.UPDATE, None, f"staff {membership.user.username}: reactivated")
    messages.success(request, _("%(user)s can sign in again.") % {"user": membership.user.username})
    return redirect("staff_list")


@require_GET
@staff_view(ADMINS)
def audit_log(request):
    clinic = request.membership.clinic
    form = AuditFilterForm(request.GET, clinic=clinic)
    entries = form.entries(AuditEntry.objects.filter(clinic=clinic).select_related("actor"))
    if request.GET.get("format") == "csv":
        audit.record(request.user, clinic, Action.VIEW, summary="audit log CSV")
        columns = (_("When"), _("Who"), _("Action"), _("Record"), _("Record code"), _("Detail"))
        rows = (
            (
                timezone.localtime(e.at).isoformat(),
                str(e.actor or ""),
                e.get_action_display(),
                e.object_type,
                e.object_code or "",
                e.summary,
            )
            for e in entries.iterator()
        )
        return csv_download(f"audit-{timezone.localdate()}.csv", columns, rows)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "screening/audit_log.html", {"page": page, "form": form, "query": query.urlencode()})
