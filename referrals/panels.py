"""What referrals adds to screening's pages (see screening.extensions)."""

from django.template.loader import render_to_string

from screening.extensions import add_panel

from . import care, concerns, services
from .forms import CancelFollowUpForm, CloseConcernForm, DecisionForm, MarkConcernForm, ReferForm, RescheduleForm
from .models import Attention, FollowUpStatus, UnsettledSchedule


def screening_result(request, screening):
    if not request.membership.sees_scores:
        return ""
    recommendations = services.recommendations_for(screening)
    recommended = [r.code for r in recommendations if not r.already_open]
    return render_to_string(
        "referrals/_screening_panel.html",
        {
            "screening": screening,
            "recommendations": recommendations,
            "refer_form": ReferForm(clinic=request.membership.clinic, recommended=recommended, screening=screening),
            "decision_form": DecisionForm(),
            "decisions": screening.decisions.select_related("decided_by"),
            "alert": getattr(screening, "alert", None),
            "referrals": screening.referrals.select_related("provider"),
        },
        request=request,
    )


def concern(request, mother):
    if not request.membership.sees_scores:
        return ""
    return render_to_string(
        "referrals/_concern_panel.html",
        {
            "mother": mother,
            "concern": _open_concern(mother),
            "decisions": mother.decisions.select_related("decided_by", "screening").order_by("-decided_at")[:10],
            "decision_form": DecisionForm(),
            "close_form": CloseConcernForm(),
            "mark_form": MarkConcernForm(),
        },
        request=request,
    )


def follow_ups(request, mother):
    rows = mother.follow_ups.exclude(status=FollowUpStatus.CANCELLED).select_related("invitation").order_by("due_on")
    open_concern = _open_concern(mother)
    return render_to_string(
        "referrals/_follow_up_panel.html",
        {
            "follow_ups": rows,
            "unsettled": UnsettledSchedule.objects.filter(mother=mother).first(),
            "reschedule_form": RescheduleForm(),
            "cancel_form": CancelFollowUpForm(),
            "today": mother.clinic.today(),
            "act_by": open_concern.act_by if open_concern else None,
            "gap": _gap(mother, open_concern),
        },
        request=request,
    )


def _open_concern(mother):
    """Her open concern, read once for the panels of her page."""
    if not hasattr(mother, "_open_concern"):
        mother._open_concern = concerns.current(mother)
    return mother._open_concern


def _gap(mother, concern):
    """Her deadline's trouble and what to do, when nothing else keeps her on a list."""
    late = concern is not None and (concern.attention == Attention.NOT_IN_TIME or care.in_gap(mother))
    return care.explain([mother.pk]).get(mother.pk) if late else None


def mother(request, mother):
    if not request.membership.sees_scores:
        return ""
    referrals = mother.referrals.select_related("provider").prefetch_related("events__actor").order_by("-created_at")
    return render_to_string("referrals/_mother_panel.html", {"referrals": referrals}, request=request)


def home(request, _obj):
    return render_to_string("referrals/_home_panel.html", {}, request=request)


def register():
    add_panel("screening_result", screening_result)
    add_panel("mother", concern)
    add_panel("mother", follow_ups)
    add_panel("mother", mother)
    add_panel("home", home)
