"""No mother falls through (design rules 11 and 15), stated once.

A mother is at risk while she has an open Concern: opened by a positive depression screen, a
self-harm answer, severe anxiety or a clinician, closed only by a clinician with a reason. The
concern carries her deadline (`act_by`, see referrals.deadlines). Until it is closed she must be on
at least one live path: an unacknowledged alert; the worklist (a positive screen awaiting a
decision, a concern waiting for a clinician's decision, an overdue or failed follow-up); an open
referral; a follow-up that acts before her deadline; or a form she sent that a worker is scoring
(for as long as the sweep that scores it may be silent: screening.submissions). A follow-up does not count because it
exists: a scheduled one past its due date (the dispatcher has not run), one due after her deadline,
an invitation that reached no one (a link nobody handed over) or one still unanswered after her
deadline is not a path. care_gaps() lists the mothers for whom the rule fails; the worklist shows
them with what to do, `manage.py care_gaps` reports them with their deadlines, and the stateful
test checks the rule against an independent reading of her rows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening import submissions
from screening.models import Clinic, Delivery, DeliveryStatus, Mother, Screening

from . import deadlines
from .deadlines import Late, PathFact
from .models import NEEDS_STAFF, Alert, Concern, FollowUp, FollowUpStatus, Referral, ReferralSettings

PATHS = {
    "alert": _("unacknowledged self-harm alert"),
    "screen": _("positive screen awaiting a decision"),
    "attention": _("waiting for a clinician's decision"),
    "referral": _("open referral"),
    "overdue": _("overdue or failed follow-up"),
    "follow_up": _("a follow-up that reaches her before her deadline"),
    "sent": _("a form she sent, being scored"),
}
WHAT_TO_DO = {
    Late.SENDER_STOPPED: _("Follow-up overdue: the sender has not run. Invite her by hand or call her."),
    Late.NOT_HANDED_OVER: _("Her link went to no one: hand her the link or call her."),  # or every message failed
    Late.UNANSWERED: _("Not answered by her deadline: call her."),
    Late.AFTER_DEADLINE: _("Her next screen is due after her deadline: bring it forward or record why it can wait."),
    Late.NOTHING: _("Nothing planned: decide the next step."),
}
# An invitation reaches her when a message carrying it is sent or still being tried (an email or
# text whose every try failed, or a link-only one, does not), or staff handed it over, or she opened it.
# (The messages are read through her invitation, which the outer query scopes.)
REACHED = (
    Exists(
        Delivery.objects.with_scopes_disabled().filter(
            invitation_id=OuterRef("invitation_id"), status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENT]
        )
    )
    | Q(invitation__handed_over_at__isnull=False)
    | Q(invitation__opened_at__isnull=False)
    | Q(invitation__tablet=True)
)


def _in_clinic(queryset, clinic):
    return queryset if clinic is None else queryset.filter(clinic=clinic)


@dataclass(frozen=True)
class ClinicClock:
    """What the rule needs of a clinic: its date now and its overdue interval."""

    today: date
    overdue_after_days: int


def clocks(clinic=None, now=None, among=None):
    """{clinic id: ClinicClock} for one clinic, the clinics `among` (ids), or every clinic."""
    now = now or timezone.now()
    if clinic is not None:
        chosen = [clinic]
    else:
        chosen = list(Clinic.objects.all() if among is None else Clinic.objects.filter(pk__in=among))
    saved = dict(ReferralSettings.objects.filter(clinic__in=chosen).values_list("clinic_id", "overdue_after_days"))
    default = deadlines.BOUNDS["overdue_after_days"].default
    return {c.pk: ClinicClock(c.today(now), saved.get(c.pk, default)) for c in chosen}


def worklist_paths(clinic=None):
    """The paths that are live because someone will see them: each as the rows that put her on it."""
    return {
        "alert": _in_clinic(Alert.objects.unacknowledged(), clinic),
        "screen": _in_clinic(Screening.objects.awaiting_review().positive(), clinic),
        "attention": _in_clinic(Concern.objects.open().filter(attention_since__isnull=False), clinic),
        "referral": _in_clinic(Referral.objects.open(), clinic),
        "overdue": _in_clinic(FollowUp.objects.filter(status__in=NEEDS_STAFF), clinic),
    }


def sent_forms(now):
    """Forms accepted and not yet scored, within the time the scoring sweep may take."""
    return submissions.waiting().filter(submitted_at__gte=now - submissions.PROCESS_WITHIN)


def _timely_follow_up(clocks_by_clinic, now):
    """A condition on an open concern: one of her follow-ups reaches her before its act_by. Clinics
    sharing a date and an overdue interval share one pair of probes."""
    groups = defaultdict(list)
    for pk, clock in clocks_by_clinic.items():
        groups[clock].append(pk)
    condition = Q(pk__in=[])
    for clock, clinic_ids in groups.items():
        hers = FollowUp.objects.filter(mother_id=OuterRef("mother_id"))
        scheduled = hers.filter(
            status=FollowUpStatus.SCHEDULED, due_on__gte=clock.today, due_on__lte=OuterRef("act_by")
        )
        stopped_before = deadlines.sender_stopped_before(now, clock.overdue_after_days)
        # her deadline not passed, asked inside the probe: PostgreSQL then probes her own rows, where
        # with the probe free of her concern it hashed every reachable invitation of the network
        # first (190 ms once a dispatcher run had invited 100,000)
        not_passed = GreaterThanOrEqual(OuterRef("act_by"), clock.today)
        invited = hers.filter(REACHED, not_passed, status=FollowUpStatus.INVITED, invited_at__gte=stopped_before)
        condition |= Q(clinic_id__in=clinic_ids) & (Exists(scheduled) | Exists(invited))
    return condition


def gap_concerns(clinic=None, now=None):
    """Open concerns whose mother is on no live path. Each path is asked of each concern (NOT
    EXISTS, an index probe each), so the plan stays cheap however many rows are on paths, and
    asking it of one mother reads only her rows."""
    now = now or timezone.now()
    concerns = _in_clinic(Concern.objects.open(), clinic)
    for rows in [*worklist_paths(clinic).values(), sent_forms(now)]:
        concerns = concerns.filter(~Exists(rows.filter(mother_id=OuterRef("mother_id"))))
    return concerns.exclude(_timely_follow_up(clocks(clinic, now), now))


def care_gaps(clinic=None, now=None):
    return _in_clinic(Mother.objects.all(), clinic).filter(pk__in=gap_concerns(clinic, now).values("mother_id"))


def in_gap(mother, now=None):
    return gap_concerns(mother.clinic, now).filter(mother_id=mother.pk).exists()


@dataclass(frozen=True)
class Gap:
    act_by: date
    late: str

    @property
    def what_to_do(self):
        return WHAT_TO_DO[self.late]


def explain(mother_ids, now=None):
    """{mother id: Gap} for mothers at risk among `mother_ids` whose follow-ups do not reach them
    by their deadline: her deadline and what to do. Three queries, whatever the number."""
    now = now or timezone.now()
    open_concerns = {c.mother_id: c for c in Concern.objects.open().filter(mother_id__in=mother_ids)}
    if not open_concerns:
        return {}
    by_clinic = clocks(now=now, among={c.clinic_id for c in open_concerns.values()})
    paths = defaultdict(list)
    pending = FollowUp.objects.filter(
        mother_id__in=open_concerns, status__in=[FollowUpStatus.SCHEDULED, FollowUpStatus.INVITED]
    ).annotate(reached=Exists(FollowUp.objects.filter(REACHED, pk=OuterRef("pk"))))
    for row in pending.only("mother_id", "status", "due_on", "invited_at"):
        paths[row.mother_id].append(PathFact(row.status, row.due_on, row.invited_at, row.reached))
    found = {}
    for mother_id, concern in open_concerns.items():
        clock = by_clinic[concern.clinic_id]
        late = deadlines.late_because(paths[mother_id], concern.act_by, clock.today, now, clock.overdue_after_days)
        if late is not None:
            found[mother_id] = Gap(concern.act_by, late)
    return found


def describe_gap(mother, now=None):
    """Why a mother is in a gap, in a line: what opened her concern, her deadline, what to do, and how
    her last paths ended."""
    concern = mother.concerns.filter(closed_at__isnull=True).first()
    parts = []
    if concern:
        parts.append(f"at risk since {concern.opened_at:%Y-%m-%d} ({concern.get_opened_because_display()})")
        parts.append(f"deadline {concern.act_by:%Y-%m-%d}")
        gap = explain([mother.pk], now).get(mother.pk)
        if gap:
            parts.append(str(gap.what_to_do))
    referral = mother.referrals.order_by("-created_at").first()
    parts.append(f"last referral {referral.status}" if referral else "no referral")
    follow_up = mother.follow_ups.order_by("-created_at").first()
    parts.append(f"last follow-up {follow_up.kind} {follow_up.status}" if follow_up else "no follow-up")
    if not mother.in_care:
        parts.append(f"left care ({mother.left_care_reason})")
    return "; ".join(parts)
