"""No mother falls through (design rule 11), stated once.

A mother is at risk while she has an open Concern: opened by a positive depression screen, a
self-harm answer or a clinician, closed only by a clinician with a reason. Until then she must be
on at least one live path: an unacknowledged alert; the worklist (a positive screen awaiting a
decision, a concern waiting for a clinician's decision, an overdue follow-up); an open referral; a
scheduled or invited follow-up. care_gaps() lists the mothers for whom that fails. The worklist,
`manage.py care_gaps` and the stateful test all use it."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from screening.models import Mother, Screening

from .models import NEEDS_STAFF, OPEN_FOLLOW_UP, Alert, Concern, FollowUp, Referral

PATHS = {
    "alert": _("unacknowledged self-harm alert"),
    "screen": _("positive screen awaiting a decision"),
    "attention": _("waiting for a clinician's decision"),
    "referral": _("open referral"),
    "overdue": _("overdue or failed follow-up"),
    "follow_up": _("scheduled or invited follow-up"),
}


def _in_clinic(queryset, clinic):
    return queryset if clinic is None else queryset.filter(clinic=clinic)


def live_paths(clinic=None):
    """Each live path as the rows that put a mother on it."""
    return {
        "alert": _in_clinic(Alert.objects.unacknowledged(), clinic),
        "screen": _in_clinic(Screening.objects.awaiting_review().positive(), clinic),
        "attention": _in_clinic(Concern.objects.open().filter(attention_since__isnull=False), clinic),
        "referral": _in_clinic(Referral.objects.open(), clinic),
        "overdue": _in_clinic(FollowUp.objects.filter(status__in=NEEDS_STAFF), clinic),
        "follow_up": _in_clinic(FollowUp.objects.filter(status__in=OPEN_FOLLOW_UP), clinic),
    }


def at_risk(clinic=None):
    return _in_clinic(Mother.objects.all(), clinic).filter(
        pk__in=_in_clinic(Concern.objects.open(), clinic).values("mother_id")
    )


def gap_condition(clinic=None):
    """True for a mother at risk on no live path. Each path is asked of each mother at risk (NOT
    EXISTS: an index probe each), so the plan stays cheap whatever the planner believes about how
    many mothers are at risk (few) and how many rows are on paths (many), and asking it of one
    mother reads only her rows."""
    condition = Q(pk__in=_in_clinic(Concern.objects.open(), clinic).values("mother_id"))
    for rows in live_paths(clinic).values():
        condition &= ~Exists(rows.filter(mother_id=OuterRef("pk")))
    return condition


def care_gaps(clinic=None):
    return _in_clinic(Mother.objects.all(), clinic).filter(gap_condition(clinic))


def in_gap(mother):
    return care_gaps(mother.clinic).filter(pk=mother.pk).exists()


def describe_gap(mother):
    """Why a mother is in a gap, in a line: what opened her concern and how her last paths ended."""
    concern = mother.concerns.filter(closed_at__isnull=True).first()
    parts = []
    if concern:
        parts.append(f"at risk since {concern.opened_at:%Y-%m-%d} ({concern.get_opened_because_display()})")
    referral = mother.referrals.order_by("-created_at").first()
    parts.append(f"last referral {referral.status}" if referral else "no referral")
    follow_up = mother.follow_ups.order_by("-created_at").first()
    parts.append(f"last follow-up {follow_up.kind} {follow_up.status}" if follow_up else "no follow-up")
    if not mother.in_care:
        parts.append(f"left care ({mother.left_care_reason})")
    return "; ".join(parts)
