"""Mothers: finding, registering and editing them, their page, history and leaving care."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import audit
from .access import get_mother, staff_view
from .extensions import render_panels
from .forms import (
    InfantFormSet,
    LeftCareForm,
    MotherForm,
)
from .models import (
    RECORD_NUMBER_TAKEN,
    AuditEntry,
    Delivery,
    Mother,
    Screening,
)
from .signals import mother_changed

Action = AuditEntry.Action


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
    prefetch_related_objects([mother], "infants")  # her header and her infants' list, one query
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
