"""What every report table shares: the filters, the table, rates and quantiles, and the rows a
period covers."""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, Count, DateField, DurationField, ExpressionWrapper, F, FloatField, Max, Q
from django.db.models.functions import Extract
from django.utils import timezone

from screening import instruments
from screening.models import Screening
from screening.risk import POSITIVE_LEVELS

from ..models import Referral, Status
from .models import JourneyFact, ReferralFact

DEPRESSION = [i.code for i in instruments.all() if i.measures == instruments.DEPRESSION]
AGE_GROUPS = [
    (0, 19, "under 20"),
    (20, 24, "20-24"),
    (25, 29, "25-29"),
    (30, 34, "30-34"),
    (35, 39, "35-39"),
    (40, 200, "40 and over"),
]
# a stored fact's age group, in SQL (the labels are the constants above)
AGE_GROUP_SQL = (
    "CASE "
    + " ".join(f"WHEN age BETWEEN {low} AND {high} THEN '{label}'" for low, high, label in AGE_GROUPS)
    + " ELSE 'unknown' END"
)


# A network's report sorts tens of thousands of facts (medians, GROUPING SETS): in PostgreSQL's
# default 4 MB the cascade's sort went to disk (174 -> 103 ms with room for it in memory).
SORT_MEMORY = "32MB"


@contextmanager
def room_to_sort():
    """The report's reads in one transaction with room to sort in memory; its own settings only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        yield


def as_date(expression):
    """A date computed in the query (a date plus or minus a number of days)."""
    return ExpressionWrapper(expression, output_field=DateField())


@dataclass
class Filters:
    clinic_ids: list
    start: date
    end: date
    pathway: str = ""
    # read the stored facts, the monthly rollups: each set by tables.prepare once it is fresh
    facts: bool = False
    rollups: bool = False


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list
    # {"type": "bar", "label": column or [columns], "values": [columns], "rows": [rows] (all if absent)}
    chart: dict = field(default_factory=dict)
    note: str = ""

    def chart_data(self):
        """What the page draws: labels (wrapped by the script) and one series per value column."""
        rows = [self.rows[i] for i in self.chart["rows"]] if "rows" in self.chart else self.rows
        label = self.chart["label"]
        columns = label if isinstance(label, list) else [label]
        return {
            "id": self.slug,
            "type": self.chart["type"],
            "labels": [": ".join(str(r[c]) for c in columns) for r in rows],
            "series": [{"label": str(self.columns[i]), "data": [r[i] for r in rows]} for i in self.chart["values"]],
        }


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont, an ordered-set aggregate."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=fraction, **extra)


def span(end, start, unit=86400.0):
    """(end - start) in days (or `unit` seconds), in the query (PostgreSQL)."""
    return Extract(ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch") / unit


def spreads(queryset, **values):
    """Median, 90th percentile, maximum and count of each of `values` (name: column), in one
    aggregate: {name: {"median": ..., "p90": ..., "most": ..., "n": ...}}."""
    parts = {"median": lambda v: Percentile(v, 0.5), "p90": lambda v: Percentile(v, 0.9), "most": Max, "n": Count}
    found = queryset.aggregate(
        **{f"{name}__{part}": make(column) for name, column in values.items() for part, make in parts.items()}
    )
    return {name: {part: found[f"{name}__{part}"] for part in parts} for name in values}


def spread(queryset, value, n):
    return queryset.aggregate(median=Percentile(value, 0.5), p90=Percentile(value, 0.9), most=Max(value), n=n)


def quantiles(queryset, end, start, unit=86400.0):
    """Median, 90th percentile and maximum of (end - start), in days (or in `unit` seconds)."""
    if connection.vendor == "postgresql":
        return spread(queryset, span(end, start, unit), Count("pk"))
    # SQLite (the embedded demo) has no percentile_cont: sort its few rows here.
    pairs = queryset.values_list(end, start)
    values = sorted((b - a).total_seconds() / unit for b, a in pairs if a is not None and b is not None)
    if not values:
        return {"median": None, "p90": None, "most": None, "n": 0}
    at = lambda q: values[min(len(values) - 1, round(q * (len(values) - 1)))]  # noqa: E731
    return {"median": at(0.5), "p90": at(0.9), "most": values[-1], "n": len(values)}


def round_or_none(value, places=1):
    return None if value is None else round(value, places)


def rate(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)


def screenings(f):
    return Screening.objects.filter(clinic_id__in=f.clinic_ids, taken_on__gte=f.start, taken_on__lte=f.end)


POSITIVE_SCREEN = Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True)


def positives(f):
    return screenings(f).filter(POSITIVE_SCREEN)


def day_range(start, end):
    """The moments from the start of `start` to the end of `end` in the current time zone: the
    same rows as filtering on the date, but an index on the moment can serve it."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _requested_in(rows, f):
    """Referrals (or their facts) requested in the period at these clinics, not entered in error,
    of the pathway if one is chosen."""
    since, until = day_range(f.start, f.end)
    rows = rows.filter(clinic_id__in=f.clinic_ids, requested_at__gte=since, requested_at__lt=until)
    rows = rows.exclude(status=Status.ENTERED_IN_ERROR)
    return rows.filter(pathway=f.pathway) if f.pathway else rows


def referrals(f):
    return _requested_in(Referral.objects.all(), f)


# The stored facts (PostgreSQL) -------------------------------------------------------------------


def stored_in_use():
    return connection.vendor == "postgresql" and settings.REPORT_FACTS


def stored_positives(f):
    """The positive screens at these clinics in the period."""
    return JourneyFact.objects.filter(clinic_id__in=f.clinic_ids, taken_on__gte=f.start, taken_on__lte=f.end)


def stored_referrals(f):
    """The referrals `referrals(f)` selects, as facts."""
    return _requested_in(ReferralFact.objects.all(), f)


def by_name(counts, model):
    """{pk: Counter} summed per name (two rows of one name are one group), in the database's
    order of names, with no row (pk None) last: the order of the direct query's ORDER BY name."""
    named = {}
    for pk, name in model.objects.filter(pk__in=[pk for pk in counts if pk]).order_by("name").values_list("pk", "name"):
        named.setdefault(name, Counter()).update(counts[pk])
    if None in counts:
        named.setdefault(None, Counter()).update(counts[None])
    return named.items()
