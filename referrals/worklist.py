"""The clinician's worklist: one row per mother, most urgent first, then longest waiting, with every
reason she is there. Which mothers and why comes from referrals.care, the same statement of
design rule 11 that `manage.py care_gaps` and the tests use."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils.translation import gettext_lazy as _

from screening.models import Delivery, Mother, Screening
from screening.risk import LEVEL_ORDER, RiskLevel

from . import care
from .models import (
    NEEDS_STAFF,
    Alert,
    Attention,
    Concern,
    ConcernOpened,
    FollowUp,
    Referral,
    Status,
    Urgency,
)

SECTIONS = {
    "alert": _("Self-harm alert to acknowledge"),
    "gap": _("Nothing reaches her before her deadline"),
    "attention": _("Waiting for a decision"),
    "screen": _("Positive screen awaiting a decision"),
    "referral": _("Referral waiting or past its limits"),
    "overdue": _("Overdue or failed follow-up"),
    "message": _("Message failed: call her"),
}
RISK_RANK = [RiskLevel.URGENT, RiskLevel.HIGH, RiskLevel.PROBABLE, RiskLevel.POSSIBLE, RiskLevel.LOW]
# what an open concern says of her risk, beside her latest screen (a concern from a screen: that screen's)
CONCERN_LEVEL = {
    ConcernOpened.SELF_HARM: RiskLevel.URGENT,
    ConcernOpened.SEVERE_ANXIETY: RiskLevel.HIGH,
    ConcernOpened.CLINICIAN: RiskLevel.POSSIBLE,
}


def most_urgent(*levels):
    """The most urgent of the levels given (blank ones ignored); blank if none."""
    known = [level for level in levels if level in LEVEL_ORDER]
    return max(known, key=LEVEL_ORDER.index) if known else ""


def concern_level(opened_because, screening_level):
    return CONCERN_LEVEL.get(opened_because, screening_level or RiskLevel.POSSIBLE)


@dataclass
class Filters:
    risk: str = ""
    section: str = ""
    language: str = ""

    @classmethod
    def from_query(cls, query, languages):
        risk, section, language = query.get("risk", ""), query.get("section", ""), query.get("language", "")
        return cls(
            risk=risk if risk in RiskLevel.values else "",
            section=section if section in SECTIONS else "",
            language=language if language in languages else "",
        )


def waiting_referrals(clinic, limits, now):
    """Open referrals not yet under way, and those under way with no first session past the limit
    for their urgency."""
    late = Q()
    for urgency in Urgency.values:
        days = limits.limits_for(urgency)[1]
        late |= Q(urgency=urgency, requested_at__lt=now - timedelta(days=days))
    return (
        Referral.objects.open()
        .filter(clinic=clinic)
        .filter(~Q(status=Status.IN_PROGRESS) | (Q(first_session_on__isnull=True) & late))
    )


def _first_per_mother(queryset, column):
    """{mother id: the earliest `column`} for the rows of `queryset`: who is on a path, and since when."""
    return dict(queryset.order_by().values("mother_id").annotate(first=Min(column)).values_list("mother_id", "first"))


def sections(clinic, limits, now, among=None):
    """Each section as {mother id: when her wait began}: one grouped query per section (`among`:
    those mothers only)."""

    def hers(rows):
        return rows.filter(clinic=clinic) if among is None else rows.filter(clinic=clinic, mother_id__in=among)

    open_concerns = hers(Concern.objects.open())
    gap = care.gap_concerns(clinic, now)
    gap = list((gap if among is None else gap.filter(mother_id__in=among)).values_list("mother_id", flat=True))
    return {
        "alert": _first_per_mother(hers(Alert.objects.unacknowledged()), "created_at"),
        "gap": _first_per_mother(open_concerns.filter(mother__in=gap), "opened_at") if gap else {},
        "attention": _first_per_mother(open_concerns.filter(attention_since__isnull=False), "attention_since"),
        "screen": _first_per_mother(hers(Screening.objects.awaiting_review().positive()), "created_at"),
        "referral": _first_per_mother(hers(waiting_referrals(clinic, limits, now)), "requested_at"),
        "overdue": _first_per_mother(hers(FollowUp.objects.filter(status__in=NEEDS_STAFF)), "closed_at"),
        "message": _first_per_mother(hers(Delivery.objects.call_her()), "created_at"),
    }


@dataclass(frozen=True)
class Place:
    """Where one mother stands on the worklist: what the stored entry keeps."""

    sections: frozenset
    risk: str
    language: str
    rank: int
    since: datetime | None


def compute(clinic, limits, now, among=None):
    """{mother id: Place} for the clinic's mothers on the worklist (`among`: those mothers only),
    from the rule: alerts first, then anyone at risk with nothing reaching her, then by the risk of
    her latest screen and her open concern; `since` is when her longest wait began."""
    waits = sections(clinic, limits, now, among)
    on_list = set().union(*waits.values())
    found = Mother.objects.filter(clinic=clinic, pk__in=on_list).values_list("pk", "latest_risk", "preferred_language")
    concerned = {
        pk: concern_level(because, level)
        for pk, because, level in Concern.objects.open()
        .filter(clinic=clinic, mother_id__in=on_list)
        .values_list("mother_id", "opened_because", "screening__risk_level")
    }
    places = {}
    for pk, latest, language in found:
        risk = most_urgent(latest, concerned.get(pk), RiskLevel.URGENT if pk in waits["alert"] else "")
        if pk in waits["alert"]:
            rank = 0
        elif pk in waits["gap"]:
            rank = 1
        else:
            rank = RISK_RANK.index(risk) + 2 if risk in RISK_RANK else len(RISK_RANK) + 2
        began = [members[pk] for members in waits.values() if members.get(pk) is not None]
        in_sections = frozenset(name for name, members in waits.items() if pk in members)
        places[pk] = Place(in_sections, risk, language, rank, min(began, default=None))
    return places


@dataclass
class Row:
    mother: Mother
    alerts: list = field(default_factory=list)
    screens: list = field(default_factory=list)
    concern: Concern | None = None
    referrals: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    messages: list = field(default_factory=list)  # to or about her, failing or failed
    in_gap: bool = False
    gap: care.Gap | None = None  # her deadline, and what to do when nothing reaches her before it

    @property
    def risk(self):
        """The most urgent of her open alert, her open concern and her latest screen."""
        concern = self.concern and concern_level(
            self.concern.opened_because, self.concern.screening.risk_level if self.concern.screening_id else ""
        )
        return most_urgent(self.mother.latest_risk, concern, RiskLevel.URGENT if self.alerts else "")

    @property
    def risk_label(self):
        return RiskLevel(self.risk).label if self.risk else ""


def details(mothers, clinic, limits, now, in_gap):
    """The reasons behind each mother on one page, read in a fixed number of queries; `in_gap` is
    the care-gap set `rows` already read."""
    ids = [m.pk for m in mothers]
    rows = {m.pk: Row(m) for m in mothers}
    for alert in Alert.objects.unacknowledged().filter(mother_id__in=ids).select_related("screening", "invitation"):
        rows[alert.mother_id].alerts.append(alert)
    screens = Screening.objects.awaiting_review().positive().filter(mother_id__in=ids).order_by("created_at")
    for screening in screens:
        rows[screening.mother_id].screens.append(screening)
    for concern in Concern.objects.open().filter(mother_id__in=ids).select_related("screening"):
        rows[concern.mother_id].concern = concern
    waiting = waiting_referrals(clinic, limits, now).filter(mother_id__in=ids).select_related("provider")
    for referral in waiting.order_by("requested_at"):
        rows[referral.mother_id].referrals.append((referral, referral.breaches(limits, now)))
    for follow_up in FollowUp.objects.filter(mother_id__in=ids, status__in=NEEDS_STAFF).order_by("due_on"):
        rows[follow_up.mother_id].overdue.append(follow_up)
    for message in Delivery.objects.problems().filter(mother_id__in=ids, handled_at__isnull=True).order_by("pk"):
        rows[message.mother_id].messages.append(message)
    for pk in in_gap.intersection(ids):
        rows[pk].in_gap = True
    late = [
        pk for pk, row in rows.items() if row.in_gap or (row.concern and row.concern.attention == Attention.NOT_IN_TIME)
    ]
    for pk, gap in care.explain(late, now).items() if late else ():
        rows[pk].gap = gap
    return [rows[pk] for pk in ids]
