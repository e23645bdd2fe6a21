"""Deadlines and the bounds of every interval a clinic may set (design rule 15, docs/clinical.md section 4).

Each figure is stated here once: the settings' defaults, their validators, the database's check
constraints, the schedule and the care-gap rule all read it from this table. No guideline fixes these
days exactly, so a clinic may move them only within the bounds; a deadline is never moved past them
without a clinician's recorded decision."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q


@dataclass(frozen=True)
class Bound:
    default: int
    least: int
    most: int

    def validators(self):
        return [MinValueValidator(self.least), MaxValueValidator(self.most)]

    def condition(self, name):
        return Q(**{f"{name}__gte": self.least, f"{name}__lte": self.most})


BOUNDS = {
    # after a self-harm answer, a clinician's urgent concern or a high score: a safety rescreen
    "safety_follow_up_days": Bound(7, 1, 14),
    # after a positive screen: a rescreen
    "rescreen_after_days": Bound(14, 7, 28),
    # an unanswered invitation is overdue (then on the worklist)
    "overdue_after_days": Bound(14, 3, 21),
    # a routine screen (an infant visit) is missed this long after its date; front desk may move it
    # this far and no further
    "routine_window_days": Bound(14, 7, 30),
    # referral limits, by urgency
    "accept_within_days": Bound(3, 1, 14),
    "first_session_within_days": Bound(14, 1, 42),
    "urgent_accept_within_days": Bound(1, 1, 3),
    "urgent_first_session_within_days": Bound(7, 1, 7),
    "same_day_accept_within_days": Bound(1, 1, 1),
    "same_day_first_session_within_days": Bound(1, 1, 2),
    # HEDIS counts follow-up within 30 days of a positive screen
    "follow_up_within_days": Bound(30, 1, 30),
    "routine_months": Bound(6, 1, 24),
    "escalate_after_minutes": Bound(60, 5, 240),
}


class Why:
    """Why a mother at risk has the deadline she has."""

    SAFETY = "safety"  # a self-harm answer or urgent concern handled, or a high score
    RESCREEN = "rescreen"  # a positive screen, severe anxiety, a clinician's concern
    DECIDED = "decided"  # a clinician recorded a later date and why


def deadline(why, since, limits):
    """The day by which something must reach her: `since` plus the clinic's interval for `why`.
    `limits` is anything with safety_follow_up_days and rescreen_after_days (a clinic's settings)."""
    days = limits.safety_follow_up_days if why == Why.SAFETY else limits.rescreen_after_days
    return since + timedelta(days=days)


def routine_window_end(planned_on, limits):
    """The last day front desk may move a routine screen to."""
    return planned_on + timedelta(days=limits.routine_window_days)


@dataclass(frozen=True)
class PathFact:
    """One of her scheduled or invited follow-ups, as the care-gap rule sees it."""

    status: str
    due_on: date
    invited_at: datetime | None = None
    deliverable: bool = True  # an invited one: sent by email or text, handed over, or opened


class Late:
    """Why nothing reaches her before her deadline; the worklist and care_gaps say what to do."""

    SENDER_STOPPED = "sender_stopped"
    NOT_HANDED_OVER = "not_handed_over"
    UNANSWERED = "unanswered"
    AFTER_DEADLINE = "after_deadline"
    NOTHING = "nothing"


ORDER = [Late.SENDER_STOPPED, Late.NOT_HANDED_OVER, Late.UNANSWERED, Late.AFTER_DEADLINE, Late.NOTHING]
# the dispatcher marks an unanswered invitation overdue when its time comes; a day later it has stopped
SENDER_GRACE = timedelta(days=1)


def sender_stopped_before(now, overdue_after_days):
    """An invitation sent before this and still unanswered should have been marked overdue by now."""
    return now - timedelta(days=overdue_after_days) - SENDER_GRACE


def reaches_her(path, act_by, today, now, overdue_after_days):
    """None if this follow-up acts before her deadline, else why not. A scheduled one must still be
    to come (a past due date still "scheduled" means the dispatcher has not run) and due by her
    deadline; an invited one must have reached her (email, text, handed over or opened), still be
    watched by the dispatcher, and her deadline not passed."""
    if path.status == "scheduled":
        if path.due_on < today:
            return Late.SENDER_STOPPED
        return Late.AFTER_DEADLINE if path.due_on > act_by else None
    if path.invited_at is not None and path.invited_at < sender_stopped_before(now, overdue_after_days):
        return Late.SENDER_STOPPED
    if not path.deliverable:
        return Late.NOT_HANDED_OVER
    return Late.UNANSWERED if today > act_by else None


def late_because(paths, act_by, today, now, overdue_after_days):
    """None if one of her follow-ups reaches her by `act_by`, else the most actionable reason none
    does. referrals.care states the same rule in SQL for many mothers at once."""
    found = [reaches_her(path, act_by, today, now, overdue_after_days) for path in paths]
    if not found:
        return Late.NOTHING
    if None in found:
        return None
    return min(found, key=ORDER.index)
