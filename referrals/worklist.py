"""The clinician's worklist: one row per mother, most urgent first, then longest waiting, with every
reason she is there. Which mothers and why comes from referrals.care, the same statement of
design rule 11 that `manage.py care_gaps` and the tests use."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils.translation import gettext_lazy as _

from common.snapshots import freeze, thaw
from screening.models import Delivery, Mother, Screening
from screening.risk import LEVEL_ORDER, RiskLevel

from . import care, worklist_lines
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
    lines: dict | None = field(default=None, hash=False)  # what is shown beside her (`reasons`)


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


# What each line beside her shows: the fields of the row behind it and of its related rows, stored
# with her entry and rebuilt as an unsaved instance to show (common.snapshots)
SHOWN = {
    "alerts": (
        Alert,
        ["code", "screening_id", "invitation_id", "created_at", "delivered_at", "escalations"],
        {"screening": ["instrument_code", "taken_on"], "invitation": ["instrument_code"]},
    ),
    "screens": (Screening, ["code", "instrument_code", "total", "taken_on", "created_at"], {}),
    "concern": (Concern, ["act_by", "attention", "opened_because"], {}),  # at most one open
    "referrals": (
        Referral,
        ["code", "pathway", "provider_id", "status", "urgency", "requested_at", "accepted_at", "first_session_on"],
        {"provider": ["name"]},
    ),
    "overdue": (FollowUp, ["status", "reason", "due_on", "last_error"], {}),
    "messages": (Delivery, ["status", "kind", "reminder", "last_error"], {}),
}
LISTS = [kind for kind in SHOWN if kind != "concern"]


def _freeze(kind, row):
    _model, names, related = SHOWN[kind]
    return freeze(row, names, related)


def _thaw(kind, data):
    return thaw(SHOWN[kind][0], data)


def reasons(ids, clinic, limits, now, in_gap):
    """{mother id: the lines beside her on the worklist, as stored with her entry}: the rows behind
    her reasons, read in a fixed number of queries whatever the number of mothers (`in_gap`: those
    of `ids` in the care-gap section). What depends on the time alone (a referral's passed limits, a
    screen past the follow-up limit) is worked out when shown."""
    lists = {
        "alerts": Alert.objects.unacknowledged().select_related("screening", "invitation").order_by("created_at", "pk"),
        "screens": Screening.objects.awaiting_review().positive().order_by("created_at", "pk"),
        "referrals": waiting_referrals(clinic, limits, now).select_related("provider").order_by("requested_at", "pk"),
        "overdue": FollowUp.objects.filter(status__in=NEEDS_STAFF).order_by("due_on", "pk"),
        "messages": Delivery.objects.problems().filter(handled_at__isnull=True).order_by("pk"),
    }
    found = {pk: {**{kind: [] for kind in lists}, "concern": None, "gap": None} for pk in ids}
    for kind, rows in lists.items():
        for row in rows.filter(mother_id__in=ids):
            found[row.mother_id][kind].append(_freeze(kind, row))
    late = set(in_gap).intersection(ids)
    for concern in Concern.objects.open().filter(mother_id__in=ids):
        found[concern.mother_id]["concern"] = _freeze("concern", concern)
        if concern.attention == Attention.NOT_IN_TIME:
            late.add(concern.mother_id)
    for pk, gap in care.explain(late, now).items() if late else ():
        found[pk]["gap"] = gap.late
    return found


@dataclass
class Row:
    """One mother's row on the page, rebuilt from her stored entry."""

    mother: Mother
    risk: str = ""  # the most urgent of her open alert, her open concern and her latest screen
    alerts: list = field(default_factory=list)
    screens: list = field(default_factory=list)
    concern: Concern | None = None
    referrals: list = field(default_factory=list)  # (referral, the limits it has passed, in words)
    overdue: list = field(default_factory=list)
    messages: list = field(default_factory=list)  # to or about her, failing or failed
    in_gap: bool = False
    gap: care.Gap | None = None  # her deadline, and what to do when nothing reaches her before it
    items: list = field(default_factory=list)  # the lines beside her, as HTML (worklist_lines)

    @classmethod
    def stored(cls, mother, entry, limits, now):
        lines = entry.lines
        shown = {kind: [_thaw(kind, data) for data in lines.get(kind, ())] for kind in LISTS}
        shown["referrals"] = [(r, r.breaches(limits, now)) for r in shown["referrals"]]
        concern = _thaw("concern", lines["concern"]) if lines.get("concern") else None
        gap = care.Gap(concern.act_by, lines["gap"]) if concern and lines.get("gap") else None
        row = cls(mother, entry.risk, **shown, concern=concern, in_gap=entry.gap, gap=gap)
        row.items = worklist_lines.items(row, limits, now)
        return row

    @property
    def risk_label(self):
        return RiskLevel(self.risk).label if self.risk else ""
