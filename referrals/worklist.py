"""The clinician's worklist: one row per mother, most urgent first, then longest waiting, with every
reason she is there. Which mothers and why comes from referrals.care, the same statement of
design rule 11 that `manage.py care_gaps` and the tests use."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Case, Count, DateTimeField, IntegerField, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from screening.models import Mother, Screening
from screening.risk import RiskLevel

from . import care
from .models import NEEDS_STAFF, Alert, Concern, FollowUp, Referral, Status, Urgency

SECTIONS = {
    "alert": _("Self-harm alert to acknowledge"),
    "gap": _("At risk with nothing planned"),
    "attention": _("Waiting for a decision"),
    "screen": _("Positive screen awaiting a decision"),
    "referral": _("Referral waiting or past its limits"),
    "overdue": _("Overdue or failed follow-up"),
}
RISK_RANK = [RiskLevel.URGENT, RiskLevel.HIGH, RiskLevel.PROBABLE, RiskLevel.POSSIBLE, RiskLevel.LOW]
NEVER = datetime(9999, 1, 1, tzinfo=UTC)


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


def section_ids(clinic, limits, now):
    paths = care.live_paths(clinic)
    return {
        "alert": paths["alert"],
        "gap": care.care_gaps(clinic).values("pk"),
        "attention": paths["attention"],
        "screen": paths["screen"],
        "referral": waiting_referrals(clinic, limits, now).values("mother_id"),
        "overdue": paths["overdue"],
    }


def _earliest(queryset, column):
    return Subquery(
        queryset.filter(mother=OuterRef("pk")).order_by().values("mother").annotate(m=Min(column)).values("m")
    )


def rows(clinic, limits, now, filters):
    """The worklist's mothers, annotated with `rank` and `waiting_since`, in the order shown, and
    the exact count of mothers in each section under the same filters."""
    ids = section_ids(clinic, limits, now)
    on_list = Q()
    for section_id in ids.values():
        on_list |= Q(pk__in=section_id)
    mothers = Mother.objects.filter(clinic=clinic).filter(on_list)
    latest = Screening.objects.filter(mother=OuterRef("pk")).order_by("-taken_on", "-created_at")
    mothers = mothers.annotate(latest_risk=Subquery(latest.values("risk_level")[:1]))
    if filters.language:
        mothers = mothers.filter(preferred_language=filters.language)
    if filters.risk:
        mothers = mothers.filter(latest_risk=filters.risk)
    counts = mothers.aggregate(
        total=Count("pk"), **{name: Count("pk", filter=Q(pk__in=section_id)) for name, section_id in ids.items()}
    )
    if filters.section:
        mothers = mothers.filter(pk__in=ids[filters.section])
    alerts = Alert.objects.unacknowledged().filter(mother=OuterRef("pk"))
    mothers = mothers.annotate(
        rank=Case(
            When(pk__in=ids["alert"], then=Value(0)),
            When(pk__in=ids["gap"], then=Value(1)),
            *[When(latest_risk=level, then=Value(n + 2)) for n, level in enumerate(RISK_RANK)],
            default=Value(len(RISK_RANK) + 2),
            output_field=IntegerField(),
        ),
        waiting_since=Least(
            *[
                Coalesce(expression, Value(NEVER), output_field=DateTimeField())
                for expression in (
                    Subquery(alerts.order_by("created_at").values("created_at")[:1]),
                    _earliest(Screening.objects.awaiting_review().positive(), "created_at"),
                    _earliest(Concern.objects.open(), "attention_since"),
                    _earliest(waiting_referrals(clinic, limits, now), "requested_at"),
                    _earliest(FollowUp.objects.filter(status__in=NEEDS_STAFF), "closed_at"),
                    Case(
                        When(pk__in=ids["gap"], then=_earliest(Concern.objects.open(), "opened_at")),
                        output_field=DateTimeField(),
                    ),
                )
            ]
        ),
    )
    return mothers.order_by("rank", "waiting_since", "pk"), counts


@dataclass
class Row:
    mother: Mother
    alerts: list = field(default_factory=list)
    screens: list = field(default_factory=list)
    concern: Concern | None = None
    referrals: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    in_gap: bool = False

    @property
    def risk(self):
        return self.mother.latest_risk

    @property
    def risk_label(self):
        return RiskLevel(self.risk).label if self.risk else ""


def details(mothers, clinic, limits, now):
    """The reasons behind each mother on one page, read in a fixed number of queries."""
    ids = [m.pk for m in mothers]
    rows = {m.pk: Row(m) for m in mothers}
    for alert in Alert.objects.unacknowledged().filter(mother_id__in=ids).select_related("screening", "invitation"):
        rows[alert.mother_id].alerts.append(alert)
    screens = Screening.objects.awaiting_review().positive().filter(mother_id__in=ids).order_by("created_at")
    for screening in screens:
        rows[screening.mother_id].screens.append(screening)
    for concern in Concern.objects.open().filter(mother_id__in=ids):
        rows[concern.mother_id].concern = concern
    waiting = waiting_referrals(clinic, limits, now).filter(mother_id__in=ids).select_related("provider")
    for referral in waiting.order_by("requested_at"):
        rows[referral.mother_id].referrals.append((referral, referral.breaches(limits, now)))
    for follow_up in FollowUp.objects.filter(mother_id__in=ids, status__in=NEEDS_STAFF).order_by("due_on"):
        rows[follow_up.mother_id].overdue.append(follow_up)
    for pk in care.care_gaps(clinic).filter(pk__in=ids).values_list("pk", flat=True):
        rows[pk].in_gap = True
    return [rows[pk] for pk in ids]
