"""Screening, alert and outcome figures for the chosen period: each one database aggregate, or a
read of the monthly rollups."""

from datetime import timedelta

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from screening.models import Screening
from screening.risk import POSITIVE_LEVELS, RiskLevel

from .. import pathways
from ..models import Alert, FollowUp, FollowUpStatus, Status
from . import rollups
from .base import Table, day_range, quantiles, rate, referrals, round_or_none, screenings, stored_referrals

SHORT_TERM = timedelta(days=90)


# Coverage ---------------------------------------------------------------------------------------


def coverage(f):
    months = rollups.coverage(f) if f.rollups else _coverage(f)
    rows = [(m.strftime("%Y-%m"), d, s) for m, (d, s) in sorted(months.items())]
    return Table(
        "coverage",
        _("Screening coverage by month"),
        [_("Month"), _("Mothers due"), _("Mothers screened")],
        rows,
        {"type": "bar", "label": 0, "values": [1, 2]},
    )


def _screening_counts(f):
    """Screenings per (instrument, risk level, anxiety flag): one read of the period's screenings
    serves both the positive rate and the risk levels (each a scan of half a million rows at
    network scale)."""
    if "screening_counts" not in f.__dict__:
        if f.rollups:
            rows = rollups.screening_counts(f)
        else:
            rows = screenings(f).values_list("instrument_code", "risk_level", "anxiety_flag").annotate(n=Count("*"))
        f.__dict__["screening_counts"] = list(rows)
    return f.__dict__["screening_counts"]


def _coverage(f):
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
    return months


def positive_rate(f):
    by_instrument = {}
    for instrument, level, anxiety, n in _screening_counts(f):
        counts = by_instrument.setdefault(instrument, [0, 0])
        counts[0] += n
        counts[1] += n if level in POSITIVE_LEVELS or anxiety else 0
    return Table(
        "positive-rate",
        _("Positive rate by instrument"),
        [_("Instrument"), _("Screenings"), _("Positive"), _("Positive (%)")],
        [(code, n, positive, rate(positive, n)) for code, (n, positive) in sorted(by_instrument.items())],
        {"type": "bar", "label": 0, "values": [3]},
    )


def risk_levels(f):
    counts = {}
    for _instrument, level, _anxiety, n in _screening_counts(f):
        counts[level] = counts.get(level, 0) + n
    rows = [(RiskLevel(level).label, counts.get(level, 0)) for level in RiskLevel.values]
    return Table(
        "risk-levels",
        _("Distribution of risk levels"),
        [_("Risk level"), _("Screenings")],
        rows,
        {"type": "doughnut", "label": 0, "values": [1]},
    )


def alerts(f, now=None):
    since, until = day_range(f.start, f.end)
    rows = Alert.objects.filter(clinic_id__in=f.clinic_ids, created_at__gte=since, created_at__lt=until)
    counts = rows.aggregate(raised=Count("pk"), still_open=Count("pk", filter=Q(acknowledged_at__isnull=True)))
    minutes = quantiles(rows.filter(acknowledged_at__isnull=False), "acknowledged_at", "created_at", unit=60.0)
    table_rows = [
        (_("Self-harm alerts"), counts["raised"]),
        (_("Minutes to acknowledgement, median"), round_or_none(minutes["median"])),
        (_("Minutes to acknowledgement, maximum"), round_or_none(minutes["most"])),
        (_("Still open"), counts["still_open"]),
    ]
    counts_only = {"type": "bar", "label": 0, "values": [1], "rows": [0, 3]}  # minutes are another unit
    return Table("alerts", _("Self-harm alerts"), [_("Figure"), _("Value")], table_rows, counts_only)


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


def score_changes():
    """For the facts: the change in score after a referral that ended, from the screen behind it."""
    return dict(
        change_short=_later_total(True) - F("screening__total"),
        change_later=_later_total(False) - F("screening__total"),
    )


def outcomes(f):
    if f.facts:
        annotated = stored_referrals(f).filter(status=Status.COMPLETED, ended_from_screen=True)
    else:
        completed = referrals(f).filter(status=Status.COMPLETED, screening__isnull=False, ended_at__isnull=False)
        annotated = completed.annotate(**score_changes())
    rows = (
        annotated.values("pathway")
        .annotate(
            short_change=Avg("change_short"),
            short_n=Count("mother_id", distinct=True, filter=Q(change_short__isnull=False)),
            later_change=Avg("change_later"),
            later_n=Count("mother_id", distinct=True, filter=Q(change_later__isnull=False)),
        )
        .order_by("pathway")
    )
    return Table(
        "outcomes",
        _("Change in score after each pathway"),
        [
            _("Pathway"),
            _("Mean change, under 3 months"),
            _("Mothers, under 3 months"),
            _("Mean change, 3 months or later"),
            _("Mothers, 3 months or later"),
        ],
        [
            (
                str(pathways.CATALOGUE[r["pathway"]].name),
                round_or_none(r["short_change"]),
                r["short_n"],
                round_or_none(r["later_change"]),
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
