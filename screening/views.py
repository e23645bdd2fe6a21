from datetime import timedelta

import segno
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.downloads import csv_download
from common.tasks import enqueue_on_commit

from . import audit, instruments, invitations, outbox
from .access import ADMINS, SEES_SCORES, get_mother, get_screening, staff_view
from .confirm import ask_first
from .crisis import resources_for
from .extensions import render_panels
from .forms import (
    AuditFilterForm,
    ClinicSettingsForm,
    InfantFormSet,
    InviteForm,
    LeftCareForm,
    MotherForm,
    RoleForm,
    ScreeningForm,
    StaffForm,
    ThresholdForm,
)
from .instruments.phq import DIFFICULTY_OPTIONS
from .instruments.translations import text_for
from .models import (
    OPEN_INVITATION,
    RECORD_NUMBER_TAKEN,
    AuditEntry,
    Delivery,
    Invitation,
    InvitationStatus,
    Membership,
    MessageKind,
    Mother,
    Role,
    Screening,
    ThresholdSet,
)
from .risk import Context
from .services import record_screening
from .signals import mother_changed

Action = AuditEntry.Action
SHOW_LINK_KEY = "show_invitation_link"  # the link of the invitation just made: shown once


@require_http_methods(["GET", "POST"])
@login_required
def choose_clinic(request):
    memberships = request.user.memberships_list()
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("home")
    if request.method == "POST":
        chosen = next((m for m in memberships if str(m.clinic.code) == request.POST.get("clinic")), None)
        if chosen:
            request.session["clinic_id"] = chosen.clinic_id
            return redirect(next_url)
        messages.error(request, _("Choose one of your clinics."))
    return render(request, "screening/choose_clinic.html", {"memberships": memberships, "next": next_url})


@require_GET
@staff_view()
def home(request):
    m = request.membership
    screenings = Screening.objects.visible_to(m).select_related("mother").order_by("-created_at")
    context = {
        "recent_mothers": Mother.objects.visible_to(m).order_by("-created_at")[:8],
        "recent_screenings": screenings[:8],
    }
    if m.sees_scores:  # how many wait, not who: the worklist lists them
        waiting = screenings.awaiting_review().positive()  # a self-harm answer grades urgent
        context["waiting"] = waiting.aggregate(
            with_self_harm=Count("pk", filter=Q(self_harm=True)), others=Count("pk", filter=Q(self_harm=False))
        )
        context["panels"] = render_panels("home", request)
    shown = [*context["recent_mothers"], *(s.mother for s in context["recent_screenings"])]
    audit.record_shown(request.user, m.clinic, shown, "the home page")
    return render(request, "screening/home.html", context)


@require_GET
@staff_view()
def mother_list(request):
    term = request.GET.get("q", "").replace("\x00", "")[:100]  # PostgreSQL refuses NUL in text
    mothers = Mother.objects.visible_to(request.membership).search(term).order_by("family_name", "given_name")
    if term:
        audit.record(request.user, request.membership.clinic, Action.SEARCH, summary=f"mothers: {term}")
        by_number = list(mothers.filter(record_number__iexact=term.strip())[:2])
        if len(by_number) == 1:  # the header search with a record number: straight to her page
            return redirect("mother_detail", code=by_number[0].code)
    page = Paginator(mothers, 25).get_page(request.GET.get("page"))
    return render(request, "screening/mother_list.html", {"page": page, "q": term})


def _save_mother(request, mother, template):
    clinic = request.membership.clinic
    form = MotherForm(request.POST or None, instance=mother, clinic=clinic)
    infants = InfantFormSet(request.POST or None, instance=mother, prefix="infants")
    if request.method == "POST" and form.is_valid() and infants.is_valid():
        created = mother.pk is None
        try:
            with transaction.atomic():
                if created:
                    form.instance.created_by = request.user
                saved = form.save()
                infants.instance = saved
                infants.save()
                audit.record(
                    request.user, clinic, Action.CREATE if created else Action.UPDATE, saved, saved.record_number
                )
                mother_changed.send(
                    sender=Mother, mother=saved, another_birth=form.cleaned_data.get("another_birth", False)
                )
        except IntegrityError:  # a colleague registered the same record number a moment ago
            if created:
                form.instance.pk = None
            form.add_error("record_number", RECORD_NUMBER_TAKEN)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.full_name})
            return redirect("mother_detail", code=saved.code)
    return render(request, template, {"form": form, "infants": infants, "mother": mother})


@require_http_methods(["GET", "POST"])
@staff_view()
def mother_create(request):
    return _save_mother(request, Mother(), "screening/mother_form.html")


@require_http_methods(["GET", "POST"])
@staff_view()
def mother_edit(request, code):
    return _save_mother(request, get_mother(request, code), "screening/mother_form.html")


@require_GET
@staff_view()
def mother_detail(request, code):
    mother = get_mother(request, code)
    screenings = mother.screenings.order_by("taken_on", "created_at")
    audit.record(request.user, mother.clinic, Action.VIEW, mother, mother.record_number)
    return render(
        request,
        "screening/mother_detail.html",
        {
            "mother": mother,
            "infants": mother.infants.all(),
            "pregnancies": mother.pregnancies.all(),
            "screenings": screenings,
            "invitations": mother.invitations.order_by("-created_at"),
            "problems": Delivery.objects.problems().filter(mother=mother),
            "panels": render_panels("mother", request, mother),
        },
    )


@require_GET
@staff_view()
def mother_history(request, code):
    mother = get_mother(request, code)
    changes = []
    for record in mother.history.select_related("history_user").order_by("-history_date"):
        previous = record.prev_record
        diff = record.diff_against(previous).changes if previous else []
        changes.append({"record": record, "changes": diff})
    audit.record(request.user, mother.clinic, Action.VIEW, mother, "edit history")
    return render(request, "screening/mother_history.html", {"mother": mother, "changes": changes})


@require_GET
@staff_view()
def screening_start(request, code):
    mother = get_mother(request, code)
    return render(
        request,
        "screening/screening_start.html",
        {
            "mother": mother,
            "instruments": instruments.all(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def screening_create(request, code, instrument):
    mother = get_mother(request, code)
    try:
        instrument = instruments.get(instrument)
    except instruments.UnknownInstrument:
        raise Http404 from None
    form = ScreeningForm(
        request.POST or None,
        instrument=instrument,
        mother=mother,
        initial={"method": request.GET.get("method")} | _carried_over(request, mother, instrument),
    )
    if request.method == "POST" and form.is_valid():
        screening, stored = _record_once(request, mother, instrument, form)
        if not stored:
            messages.info(request, _("This form was already saved once; nothing was saved twice."))
        if screening.mother_id != mother.id:
            raise Http404
        if instrument.brief and screening.is_positive:
            full = instruments.get(instrument.follow_with[0])
            if instrument.begins(full):
                ask = _("Now ask the rest of the %(next)s, at this visit: its first %(n)s answers are filled in.")
            else:
                ask = _("Now ask the %(next)s, at this visit.")
            messages.warning(request, ask % {"next": full.code, "n": len(instrument.items)})
            return redirect(f"{reverse('screening_create', args=[mother.code, full.code])}?after={screening.code}")
        if request.membership.sees_scores:
            return redirect("screening_detail", code=screening.code)
        if screening.self_harm:  # front desk: keep her here, fetch a clinician, hand her the card
            return redirect("crisis_card", code=mother.code)
        messages.success(request, _("The %(code)s is saved. A clinician will review it.") % {"code": instrument.code})
        return redirect("mother_detail", code=mother.code)
    return render(
        request,
        "screening/screening_form.html",
        {
            "mother": mother,
            "instrument": instrument,
            "form": form,
        },
    )


def _carried_over(request, mother, full):
    """After a positive brief screen, the full form starts with its date and method, and with her
    answers where the brief one is its first items (the PHQ-2's two in the PHQ-9)."""
    code = request.GET.get("after", "")
    try:
        brief = mother.screenings.filter(code=code).first() if code else None
    except ValidationError:
        return {}
    if brief is None or not brief.instrument.brief:
        return {}
    carried = {"taken_on": brief.taken_on, "method": brief.method}
    if brief.instrument.begins(full):
        carried |= {f"item_{n}": answer for n, answer in enumerate(brief.answers, start=1)}
    return carried


def _record_once(request, mother, instrument, form):
    """Stores the screening unless this form's one-time token already stored one; two posts at the
    same moment meet at the token's unique constraint. Returns (screening, stored now)."""
    token = form.cleaned_data["submission_token"]
    earlier = token and Screening.objects.visible_to(request.membership).filter(submission_token=token).first()
    if earlier is not None:
        return earlier, False
    try:
        screening = record_screening(
            mother=mother,
            instrument=instrument,
            answers=form.answers(),
            taken_on=form.cleaned_data["taken_on"],
            method=form.cleaned_data["method"],
            entered_by=request.user,
            functional_difficulty=form.cleaned_data.get("functional_difficulty"),
            submission_token=token,
        )
    except IntegrityError:
        earlier = Screening.objects.visible_to(request.membership).filter(submission_token=token).first()
        if earlier is None:
            raise
        return earlier, False
    return screening, True


@require_GET
@staff_view()
def crisis_card(request, code):
    """The clinic's crisis lines in her language, to print or photograph: no score, no answers."""
    mother = get_mother(request, code)
    language = mother.preferred_language
    context = {
        "mother": mother,
        "clinic": mother.clinic,
        "language": language,
        "resources": resources_for(mother.clinic, language),
    }
    return render(request, "crisis/card.html", context)


@require_GET
@staff_view(SEES_SCORES)
def screening_detail(request, code):
    screening = get_screening(request, code)
    mother = screening.mother
    result, risk = screening.rescore()
    earlier = mother.screenings.filter(instrument_code=screening.instrument_code).order_by("taken_on", "created_at")
    trend = {
        "label": screening.instrument_code,
        "max": screening.instrument.max_total,
        "points": [{"x": s.taken_on.isoformat(), "y": s.total} for s in earlier],
    }
    audit.record(request.user, mother.clinic, Action.VIEW, screening, mother.record_number)
    items = [
        (item, item.options[answer]) for item, answer in zip(screening.instrument.items, screening.answers, strict=True)
    ]
    return render(
        request,
        "screening/screening_detail.html",
        {
            "screening": screening,
            "mother": mother,
            "risk": risk,
            "items": items,
            "trend": trend,
            "earlier": earlier,
            "cut_offs": _cut_offs_in_words(screening),
            "difficulty": _difficulty(screening),
            "panels": render_panels("screening_result", request, screening),
        },
    )


def _cut_offs_in_words(screening):
    """("EPDS possible depression from", 10), ... for the cut-offs this screening was graded with."""
    fields = {f.name: f.verbose_name for f in ThresholdSet._meta.fields}
    return [(fields[name], value) for name, value in screening.thresholds.items() if name in fields]


def _difficulty(screening):
    answer = screening.functional_difficulty
    return DIFFICULTY_OPTIONS[answer] if answer is not None else ""


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


@require_POST
@staff_view()
def message_dealt_with(request, pk):
    """A failed message someone dealt with another way (called her, handed her the link): it leaves
    the worklist, and the page it was on says who and when."""
    row = get_object_or_404(
        Delivery.objects.select_related("clinic", "mother"), pk=pk, clinic=request.membership.clinic
    )
    if outbox.dealt_with(row, request.user):
        messages.success(request, _("Marked as dealt with."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("mother_detail", args=[row.mother.code]) if row.mother else reverse("worklist")
    return redirect(target)


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


@require_http_methods(["GET", "POST"])
@staff_view()
def invite(request, code):
    mother = get_mother(request, code)
    form = InviteForm(request.POST or None, mother=mother)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("channels", [])
        channels = [*chosen, invitations.Channel.LINK]
        try:
            with transaction.atomic():
                invitation = invitations.create_invitation(
                    mother=mother,
                    instrument=instruments.get(form.cleaned_data["instrument"]),
                    created_by=request.user,
                    channels=channels,
                )
                if chosen:
                    enqueue_on_commit("screening.tasks.send_invitation", invitation.pk, clinic=invitation.clinic_id)
        except invitations.AlreadyOpen as held:
            messages.info(request, _("She already has an open link to this questionnaire: here it is."))
            return redirect("invitation_detail", code=held.invitation.code)
        messages.success(request, _("Invitation created."))
        request.session[SHOW_LINK_KEY] = str(invitation.code)
        return redirect("invitation_detail", code=invitation.code)
    return render(
        request,
        "screening/invite.html",
        {
            "mother": mother,
            "form": form,
            "epds_allowed": mother.clinic.epds_online_permission,
            "untranslated": _untranslated(mother),
        },
    )


def _untranslated(mother):
    """The questionnaires she would answer in English although she prefers another language."""
    language = mother.preferred_language
    if language == "en":
        return []
    return [i.code for i in invitations.online_instruments(mother.clinic) if not text_for(i, language).is_translation]


@require_POST
@staff_view()
def tablet_start(request, code):
    """Hands the device to the mother: staff are logged out and the device shows only her form."""
    mother = get_mother(request, code)
    try:
        instrument = instruments.get(request.POST.get("instrument", ""))
        invitation = invitations.create_invitation(
            mother=mother,
            instrument=instrument,
            created_by=request.user,
            tablet=True,
            lifetime=timedelta(hours=2),
        )
    except (LookupError, ValueError):
        messages.error(request, _("Choose a questionnaire that may be used online."))
        return redirect("invite", code=mother.code)
    token = invitations.token_for(invitation)
    logout(request)
    request.session["online_language"] = mother.preferred_language
    return redirect("online_start", token=token)


@require_GET
@staff_view()
def invitation_detail(request, code):
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.membership).select_related("mother"), code=code
    )
    state = invitation.state()
    is_open = state in (InvitationStatus.SENT, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)
    deliveries = invitation.deliveries.select_related("invitation")
    context = {
        "invitation": invitation,
        "state": state,
        "mother": invitation.mother,
        "open": is_open,
        "deliveries": deliveries,
        "problems": invitation.deliveries.problems(),
        "link_only": [invitations.Channel.LINK],
    }
    audit.record(request.user, invitation.clinic, Action.VIEW, invitation.mother, "invitation page")
    if is_open and request.session.pop(SHOW_LINK_KEY, None) == str(invitation.code):
        link = invitations.link_for(invitation)
        context.update(link=link, qr=segno.make(link, error="m").svg_data_uri(scale=5))
        invitations.hand_over(invitation, request.user)
    return render(request, "screening/invitation_detail.html", context)


@require_POST
@staff_view()
def invitation_hand_over(request, code):
    """A link the dispatcher made for a mother with no email or text consent reaches her only when
    staff hand it over: it is shown once, then, like a link staff make."""
    invitation = get_object_or_404(Invitation.objects.visible_to(request.membership), code=code)
    if invitation.handed_over_at is None and invitation.state() in OPEN_INVITATION:
        request.session[SHOW_LINK_KEY] = str(invitation.code)
    return redirect("invitation_detail", code=invitation.code)


@require_POST
@staff_view()
def invitation_cancel(request, code):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.membership), code=code)
    question = _("Cancel this invitation? Its link stops working at once, in every message that carried it.")
    asked = ask_first(request, question, reverse("invitation_detail", args=[code]))
    if asked:
        return asked
    if invitations.cancel(invitation, request.user):
        messages.success(request, _("Invitation cancelled: the link no longer works."))
    return redirect("invitation_detail", code=invitation.code)


@require_POST
@staff_view()
def mother_left_care(request, code):
    """Opting out or discharge pauses her follow-ups; her return resumes them (the referrals app
    listens). Leaving needs a reason and a ticked confirmation; who recorded it is kept."""
    mother = get_mother(request, code)
    form = LeftCareForm(request.POST, mother=mother)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, error[0])
        return redirect("mother_detail", code=mother.code)
    reason, note = form.cleaned_data["reason"], form.cleaned_data["note"]
    if reason == LeftCareForm.RETURN:
        mother.left_care_on, mother.left_care_reason = None, ""
    else:
        mother.left_care_on, mother.left_care_reason = timezone.localdate(), reason
    mother.left_care_note, mother.left_care_recorded_by = note, request.user
    with transaction.atomic():
        mother.save(update_fields=["left_care_on", "left_care_reason", "left_care_note", "left_care_recorded_by"])
        audit.record(request.user, mother.clinic, Action.UPDATE, mother, f"{reason}: {note}")
        mother_changed.send(sender=Mother, mother=mother)
    messages.success(request, _("Saved."))
    return redirect("mother_detail", code=mother.code)
