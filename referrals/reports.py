"""Referral and quality reports for clinic admins. Every figure is a database aggregate over the
admin's clinics and the chosen period; Python only arranges the aggregated rows into tables."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Extract, ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening.models import Infant, Mother, Screening
from screening.risk import POSITIVE_LEVELS, RiskLevel

from . import pathways
from .models import Alert, Decision, DecisionKind, FollowUp, FollowUpStatus, Referral, ReferralSettings, Status
from .schedule import add_months

DEPRESSION_INSTRUMENTS = ["EPDS", "PHQ-9", "PHQ-2"]
# HEDIS counts these as positive whatever a clinic's own cut-offs are (clinical.md section 5).
HEDIS_POSITIVE = (
    Q(instrument_code="EPDS", total__gte=10)
    | Q(instrument_code="PHQ-9", total__gte=10)
    | Q(instrument_code="PHQ-2", total__gte=3)
)
HEDIS_NEGATIVE_FULL = Q(instrument_code__in=["EPDS", "PHQ-9"]) & (
    Q(instrument_code="EPDS", total__lt=10) | Q(instrument_code="PHQ-9", total__lt=10)
)
AGE_GROUPS = [
    (0, 19, "under 20"),
    (20, 24, "20-24"),
    (25, 29, "25-29"),
    (30, 34, "30-34"),
    (35, 39, "35-39"),
    (40, 200, "40 and over"),
]
SHORT_TERM = timedelta(days=90)


@dataclass
class Filters:
    clinic_ids: list
    start: date
    end: date
    pathway: str = ""


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list
    chart: dict = field(default_factory=dict)  # {"type": "bar", "label": col index, "values": [col indexes]}
    note: str = ""


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont, an ordered-set aggregate."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=fraction, **extra)


def _quantiles(queryset, end, start, unit=86400.0):
    """Median, 90th percentile and maximum of (end - start), in days (or in `unit` seconds)."""
    if connection.vendor == "postgresql":
        span = Extract(ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch") / unit
        return queryset.aggregate(
            median=Percentile(span, 0.5), p90=Percentile(span, 0.9), most=Max(span), n=Count("pk")
        )
    # SQLite (the embedded demo) has no percentile_cont: sort its few rows here.
    pairs = queryset.values_list(end, start)
    values = sorted((b - a).total_seconds() / unit for b, a in pairs if a is not None and b is not None)
    if not values:
        return {"median": None, "p90": None, "most": None, "n": 0}
    at = lambda q: values[min(len(values) - 1, round(q * (len(values) - 1)))]  # noqa: E731
    return {"median": at(0.5), "p90": at(0.9), "most": values[-1], "n": len(values)}


def _round(value, places=1):
    return None if value is None else round(value, places)


def _rate(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)


def screenings(f):
    return Screening.objects.filter(clinic_id__in=f.clinic_ids, taken_on__gte=f.start, taken_on__lte=f.end)


def positives(f):
    return screenings(f).filter(Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True))


def referrals(f):
    rows = Referral.objects.filter(
        clinic_id__in=f.clinic_ids, requested_at__date__gte=f.start, requested_at__date__lte=f.end
    ).exclude(status=Status.ENTERED_IN_ERROR)
    return rows.filter(pathway=f.pathway) if f.pathway else rows


# Coverage ---------------------------------------------------------------------------------------


def coverage(f):
    due = (
        FollowUp.objects.filter(clinic_id__in=f.clinic_ids, due_on__gte=f.start, due_on__lte=f.end)
        .exclude(status=FollowUpStatus.CANCELLED)
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(n=Count("mother", distinct=True))
    )
    screened = (
        screenings(f).annotate(month=TruncMonth("taken_on")).values("month").annotate(n=Count("mother", distinct=True))
    )
    months = {}
    for row in due:
        months.setdefault(row["month"], [0, 0])[0] = row["n"]
    for row in screened:
        months.setdefault(row["month"], [0, 0])[1] = row["n"]
    rows = [(m.strftime("%Y-%m"), d, s) for m, (d, s) in sorted(months.items())]
    return Table(
        "coverage",
        _("Screening coverage by month"),
        [_("Month"), _("Mothers due"), _("Mothers screened")],
        rows,
        {"type": "bar", "label": 0, "values": [1, 2]},
    )


def positive_rate(f):
    rows = (
        screenings(f)
        .values("instrument_code")
        .annotate(n=Count("pk"), positive=Count("pk", filter=Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True)))
        .order_by("instrument_code")
    )
    return Table(
        "positive-rate",
        _("Positive rate by instrument"),
        [_("Instrument"), _("Screenings"), _("Positive"), _("Positive (%)")],
        [(r["instrument_code"], r["n"], r["positive"], _rate(r["positive"], r["n"])) for r in rows],
        {"type": "bar", "label": 0, "values": [3]},
    )


def risk_levels(f):
    counts = dict(screenings(f).values_list("risk_level").annotate(n=Count("pk")))
    rows = [(RiskLevel(level).label, counts.get(level, 0)) for level in RiskLevel.values]
    return Table(
        "risk-levels",
        _("Distribution of risk levels"),
        [_("Risk level"), _("Screenings")],
        rows,
        {"type": "doughnut", "label": 0, "values": [1]},
    )


# Funnel -----------------------------------------------------------------------------------------


STEPS = ["positive", "decided", "referred", "accepted", "first_session", "completed"]
STEP_LABELS = [_("Positive screens"), _("Decided"), _("Referred"), _("Accepted"), _("First session"), _("Completed")]


def _funnel_counts(f, queryset, group=None):
    """Screens at each step, in one pass: the screens joined to their referrals, counted distinct."""
    ref = Q(referrals__isnull=False) & ~Q(referrals__status=Status.ENTERED_IN_ERROR)
    if f.pathway:
        ref &= Q(referrals__pathway=f.pathway)
    counts = dict(
        positive=Count("pk", distinct=True),
        decided=Count("pk", distinct=True, filter=Q(reviewed_at__isnull=False)),
        referred=Count("pk", distinct=True, filter=ref),
        accepted=Count("pk", distinct=True, filter=ref & Q(referrals__accepted_at__isnull=False)),
        first_session=Count("pk", distinct=True, filter=ref & Q(referrals__first_session_on__isnull=False)),
        completed=Count("pk", distinct=True, filter=ref & Q(referrals__status=Status.COMPLETED)),
    )
    if group is None:
        return queryset.aggregate(**counts)
    return queryset.values(group).annotate(**counts).order_by(group)


def funnel(f):
    counts = _funnel_counts(f, positives(f))
    rows, previous = [], None
    for step, label in zip(STEPS, STEP_LABELS, strict=True):
        n = counts[step]
        rows.append((label, n, None if previous is None else previous - n, _rate(n, counts["positive"])))
        previous = n
    return Table(
        "funnel",
        _("Referral funnel"),
        [_("Step"), _("Screens"), _("Lost since the step before"), _("Of positive screens (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [1]},
        note=_("Screens count once however many referrals they led to."),
    )


def drop_off_reasons(f):
    decided = (
        Decision.objects.filter(screening__in=positives(f))
        .exclude(kind=DecisionKind.REFERRED)
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    ended = (
        referrals(f)
        .filter(status__in=[Status.REJECTED, Status.CANCELLED, Status.FAILED])
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    rows = [(str(DecisionKind(k).label), n) for k, n in decided] + [(str(Status(s).label), n) for s, n in ended]
    return Table(
        "drop-off", _("Recorded reasons for not going on"), [_("Reason"), _("Count")], sorted(rows, key=lambda r: -r[1])
    )


def _age_group():
    age = ExtractYear("taken_on") - ExtractYear("mother__date_of_birth")
    return Case(
        *[When(Q(age__gte=low) & Q(age__lte=high), then=Value(label)) for low, high, label in AGE_GROUPS],
        default=Value("unknown"),
    ), age


def funnel_by(f, dimension):
    columns = [_("Positive screens"), _("Decided"), _("Referred"), _("Accepted"), _("First session"), _("Completed")]
    if dimension in ("pathway", "provider"):
        field_name = "pathway" if dimension == "pathway" else "provider__name"
        rows = (
            referrals(f)
            .values(field_name)
            .annotate(
                referred=Count("pk"),
                accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
                first_session=Count("pk", filter=Q(first_session_on__isnull=False)),
                completed=Count("pk", filter=Q(status=Status.COMPLETED)),
            )
            .order_by(field_name)
        )
        label = (
            (lambda v: str(pathways.CATALOGUE[v].name) if v in pathways.CATALOGUE else v)
            if dimension == "pathway"
            else (lambda v: v or _("no provider"))
        )
        return Table(
            f"funnel-by-{dimension}",
            _("Referrals by %(d)s") % {"d": _(dimension)},
            [_(dimension.title()), *columns[2:]],
            [(label(r[field_name]), r["referred"], r["accepted"], r["first_session"], r["completed"]) for r in rows],
        )
    queryset = positives(f)
    if dimension == "age":
        group_expr, age = _age_group()
        queryset, group = queryset.annotate(age=age, group=group_expr), "group"
    elif dimension == "language":
        group = "mother__preferred_language"
    else:
        group = "clinic__name"
    rows = _funnel_counts(f, queryset, group)
    return Table(
        f"funnel-by-{dimension}",
        _("Funnel by %(d)s") % {"d": _(dimension)},
        [_(dimension.title()), *columns],
        [(r[group], *(r[s] for s in STEPS)) for r in rows],
    )


# Timeliness -------------------------------------------------------------------------------------


def timeliness(f, now=None):
    now = now or timezone.now()
    from_positive = referrals(f).filter(screening__isnull=False)
    to_referral = _quantiles(from_positive, "requested_at", "screening__created_at")
    seen = from_positive.filter(first_session_on__isnull=False)
    to_session = _quantiles(seen, "first_session_on", "screening__taken_on")
    rows = [
        (
            _("Days from positive screen to referral"),
            to_referral["n"],
            _round(to_referral["median"]),
            _round(to_referral["p90"]),
        ),
        (
            _("Days from positive screen to first session"),
            to_session["n"],
            _round(to_session["median"]),
            _round(to_session["p90"]),
        ),
    ]
    return Table(
        "timeliness",
        _("Time to referral and to first session"),
        [_("Interval"), _("Referrals"), _("Median"), _("90th percentile")],
        rows,
    )


def _limits(f):
    """Each clinic's time limits in days, from its settings row or the defaults."""
    saved = {s.clinic_id: s for s in ReferralSettings.objects.filter(clinic_id__in=f.clinic_ids)}
    return {pk: saved.get(pk) or ReferralSettings() for pk in f.clinic_ids}


def _per_clinic(f, condition):
    """One filter holding each row to its own clinic's limit: `condition(settings)` for each clinic,
    OR-ed, so the whole network is still one aggregate (and portable: no interval arithmetic)."""
    combined = Q(pk__in=[])
    for pk, limits in _limits(f).items():
        combined |= Q(clinic_id=pk) & condition(limits)
    return combined


def breaches(f, now=None):
    """One aggregate per table over all the admin's clinics, each row held to its clinic's limits."""
    now = now or timezone.now()
    days = lambda n: timedelta(days=n)  # noqa: E731
    late_accept = _per_clinic(
        f,
        lambda s: Q(accepted_at__gt=F("requested_at") + days(s.accept_within_days))
        | Q(
            accepted_at__isnull=True,
            requested_at__lt=now - days(s.accept_within_days),
            status__in=[Status.REQUESTED, Status.ON_HOLD, Status.DRAFT],
        ),
    )
    late_session = _per_clinic(
        f,
        lambda s: Q(
            first_session_on__isnull=True,
            requested_at__lt=now - days(s.first_session_within_days),
            status__in=[Status.REQUESTED, Status.ACCEPTED, Status.ON_HOLD],
        ),
    )
    counts = referrals(f).aggregate(
        late_accept=Count("pk", filter=late_accept), late_session=Count("pk", filter=late_session)
    )
    unfollowed = (
        positives(f)
        .filter(
            _per_clinic(
                f,
                lambda s: Q(reviewed_at__isnull=True, created_at__lt=now - days(s.follow_up_within_days))
                | Q(reviewed_at__gt=F("created_at") + days(s.follow_up_within_days)),
            )
        )
        .count()
    )
    totals = [counts["late_accept"], counts["late_session"], unfollowed]
    return Table(
        "breaches",
        _("Time-limit breaches"),
        [_("Limit"), _("Breaches")],
        [
            (_("Not accepted within the clinic's limit"), totals[0]),
            (_("No first session within the clinic's limit"), totals[1]),
            (_("Positive screen not followed up within the clinic's limit"), totals[2]),
        ],
    )


def alerts(f, now=None):
    rows = Alert.objects.filter(clinic_id__in=f.clinic_ids, created_at__date__gte=f.start, created_at__date__lte=f.end)
    acknowledged = rows.filter(acknowledged_at__isnull=False)
    minutes = _quantiles(acknowledged, "acknowledged_at", "created_at", unit=60.0)
    table_rows = [
        (_("Self-harm alerts"), rows.count()),
        (_("Minutes to acknowledgement, median"), _round(minutes["median"])),
        (_("Minutes to acknowledgement, maximum"), _round(minutes["most"])),
        (_("Still open"), rows.filter(acknowledged_at__isnull=True).count()),
    ]
    return Table("alerts", _("Self-harm alerts"), [_("Figure"), _("Value")], table_rows)


# Outcomes ---------------------------------------------------------------------------------------


def _later_total(short):
    rows = Screening.objects.filter(mother=OuterRef("mother"), instrument_code=OuterRef("screening__instrument_code"))
    since = OuterRef("ended_at")
    if short:
        rows = rows.filter(
            created_at__gt=since, created_at__lt=ExpressionWrapper(since + SHORT_TERM, output_field=DateTimeField())
        )
        return Subquery(rows.order_by("created_at").values("total")[:1])
    rows = rows.filter(created_at__gte=ExpressionWrapper(since + SHORT_TERM, output_field=DateTimeField()))
    return Subquery(rows.order_by("-created_at").values("total")[:1])


def outcomes(f):
    completed = referrals(f).filter(status=Status.COMPLETED, screening__isnull=False, ended_at__isnull=False)
    annotated = completed.annotate(short=_later_total(True), later=_later_total(False))
    rows = (
        annotated.values("pathway")
        .annotate(
            short_change=Avg(F("short") - F("screening__total")),
            short_n=Count("mother", distinct=True, filter=Q(short__isnull=False)),
            later_change=Avg(F("later") - F("screening__total")),
            later_n=Count("mother", distinct=True, filter=Q(later__isnull=False)),
        )
        .order_by("pathway")
    )
    return Table(
        "outcomes",
        _("Change in score after each pathway"),
        [
            _("Pathway"),
            _("Mean change, under 3 months"),
            _("Mothers"),
            _("Mean change, 3 months or later"),
            _("Mothers"),
        ],
        [
            (
                str(pathways.CATALOGUE[r["pathway"]].name),
                _round(r["short_change"]),
                r["short_n"],
                _round(r["later_change"]),
                r["later_n"],
            )
            for r in rows
        ],
        {"type": "bar", "label": 0, "values": [1, 3]},
        note=_(
            "The score that led to the referral against the first screen within 3 months after it "
            "ended, and the last screen 3 months or more after. Negative is better."
        ),
    )


# Quality measures -------------------------------------------------------------------------------


def _screened_between(start_offset, end_offset, field_name="delivery_date", **extra):
    return Exists(
        Screening.objects.filter(
            mother=OuterRef("pk"),
            instrument_code__in=DEPRESSION_INSTRUMENTS,
            taken_on__gte=_plus(OuterRef(field_name), start_offset),
            taken_on__lte=_plus(OuterRef(field_name), end_offset),
            **extra,
        )
    )


def _plus(day, offset):
    return ExpressionWrapper(day + offset, output_field=DateField())


def measure_sets(f, now=None):
    """Each measure as (denominator, numerator) querysets of mothers, so the lists behind each
    number come from the same query as the number."""
    now = now or timezone.now()
    mothers = Mother.objects.filter(clinic_id__in=f.clinic_ids)
    delivered = mothers.filter(delivery_date__gte=f.start, delivery_date__lte=f.end)
    postpartum = delivered.filter(_screened_between(timedelta(days=7), timedelta(days=84)))
    window_positive = Screening.objects.filter(
        HEDIS_POSITIVE,
        mother=OuterRef("pk"),
        taken_on__gte=_plus(OuterRef("delivery_date"), timedelta(days=7)),
        taken_on__lte=_plus(OuterRef("delivery_date"), timedelta(days=84)),
    )
    followed = window_positive.filter(
        Q(
            reviewed_at__lte=F("created_at") + timedelta(days=30),
            decisions__kind__in=[DecisionKind.REFERRED, DecisionKind.ALREADY_IN_CARE, DecisionKind.NO_ACTION_NEEDED],
        )
        | Exists(
            Screening.objects.filter(
                HEDIS_NEGATIVE_FULL,
                mother=OuterRef("mother"),
                taken_on__gt=OuterRef("taken_on"),
                taken_on__lte=_plus(OuterRef("taken_on"), timedelta(days=30)),
            )
        )
    )
    positive_mothers = delivered.filter(Exists(window_positive))
    pregnant = mothers.filter(due_date__gte=f.start, due_date__lte=f.end)
    prenatal = pregnant.filter(
        Exists(
            Screening.objects.filter(
                mother=OuterRef("pk"), context="antenatal", instrument_code__in=DEPRESSION_INSTRUMENTS
            )
        )
    )
    turned_six = Infant.objects.filter(
        mother__clinic_id__in=f.clinic_ids,
        date_of_birth__gte=_months_before(f.start, 6),
        date_of_birth__lte=_months_before(f.end, 6),
    )
    cms_denominator = mothers.filter(Exists(turned_six.filter(mother=OuterRef("pk"))))
    cms_numerator = mothers.filter(
        Exists(
            turned_six.filter(mother=OuterRef("pk")).filter(
                Exists(
                    Screening.objects.filter(
                        mother=OuterRef("mother"),
                        instrument_code__in=DEPRESSION_INSTRUMENTS,
                        taken_on__gte=OuterRef("date_of_birth"),
                        taken_on__lte=_plus(OuterRef("date_of_birth"), timedelta(days=183)),
                    )
                )
            )
        )
    )
    return {
        "pds-screening": (_("Postpartum screening 7-84 days after delivery (PDS-E style)"), delivered, postpartum),
        "pds-follow-up": (
            _("Follow-up within 30 days of a positive postpartum screen (PDS-E style)"),
            positive_mothers,
            positive_mothers.filter(Exists(followed)),
        ),
        "pnd-screening": (_("Screening during pregnancy (PND-E style)"), pregnant, prenatal),
        "cms82": (_("Maternal screening in the infant's first 6 months (CMS82 style)"), cms_denominator, cms_numerator),
    }


def _months_before(day, months):
    return add_months(day, -months)


def quality(f):
    rows = []
    for slug, (title, denominator, numerator) in measure_sets(f).items():
        d, n = denominator.count(), numerator.count()
        rows.append((slug, title, n, d, _rate(n, d)))
    return Table(
        "quality",
        _("Quality measures"),
        [_("Measure"), _("Title"), _("Numerator"), _("Denominator"), _("Rate (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [4]},
        note=_(
            "Modelled on the HEDIS PDS-E and PND-E and CMS82 specifications; check the current NCQA "
            "specification before certifying."
        ),
    )


TABLES = {
    "coverage": coverage,
    "positive-rate": positive_rate,
    "risk-levels": risk_levels,
    "funnel": funnel,
    "drop-off": drop_off_reasons,
    "funnel-by-pathway": lambda f: funnel_by(f, "pathway"),
    "funnel-by-provider": lambda f: funnel_by(f, "provider"),
    "funnel-by-clinic": lambda f: funnel_by(f, "clinic"),
    "funnel-by-language": lambda f: funnel_by(f, "language"),
    "funnel-by-age": lambda f: funnel_by(f, "age"),
    "timeliness": timeliness,
    "breaches": breaches,
    "alerts": alerts,
    "outcomes": outcomes,
    "quality": quality,
}


def all_tables(f):
    return [
        coverage(f),
        positive_rate(f),
        risk_levels(f),
        funnel(f),
        drop_off_reasons(f),
        funnel_by(f, "pathway"),
        funnel_by(f, "provider"),
        funnel_by(f, "clinic"),
        funnel_by(f, "language"),
        funnel_by(f, "age"),
        timeliness(f),
        breaches(f),
        alerts(f),
        outcomes(f),
        quality(f),
    ]
