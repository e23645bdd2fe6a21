"""Screenings staff enter or read: choosing a questionnaire, entering it, the result and the crisis card."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import audit, instruments
from .access import SEES_SCORES, get_mother, get_screening, staff_view
from .crisis import resources_for
from .extensions import render_panels
from .forms import (
    ScreeningForm,
)
from .instruments.phq import DIFFICULTY_OPTIONS
from .models import (
    AuditEntry,
    Screening,
    ThresholdSet,
)
from .services import record_screening

Action = AuditEntry.Action


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
