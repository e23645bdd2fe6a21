"""Monthly per-clinic rollups on PostgreSQL: each clinic's screenings by instrument, risk level and
anxiety flag, and its mothers due and screened, per calendar month. A report's whole months come
from here (a few hundred rows for a whole network); the part-months at its edges are counted from
the records, as SQLite counts everything.

Exact like the facts: triggers on screenings and follow-ups mark each (clinic, month) a change
touches stale in the change's transaction (a mark added per statement, never an upsert: see
StaleMonth), and a report recomputes the stale months first (beat does every minute, so it is the
current month of the busiest clinics at most). A mother counts once
per month however many clinics saw her: `SharedMonth` lists the few seen at more than one, and the
sum over any set of clinics takes off her extra counts."""

from collections import defaultdict
from datetime import date, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from screening.models import Screening

from ..models import FollowUp, FollowUpStatus
from .base import stored_in_use
from .models import CoverageMonth, ScreeningMonth, SharedMonth, StaleMonth

BATCH = 500
INLINE_LIMIT = 200  # stale months a report recomputes before reading; beyond, it counts directly


def next_month(month):
    return (month + timedelta(days=32)).replace(day=1)


def _screenings(clinic_ids, start, until):
    return Screening.objects.filter(clinic_id__in=clinic_ids, taken_on__gte=start, taken_on__lt=until)


def _due(clinic_ids, start, until):
    rows = FollowUp.objects.filter(clinic_id__in=clinic_ids, due_on__gte=start, due_on__lt=until)
    return rows.exclude(status=FollowUpStatus.CANCELLED)


# Recompute -------------------------------------------------------------------------------------


def _in(pairs, field):
    """Rows of these (clinic, month) pairs, by the date `field`."""
    combined = Q(pk__in=[])
    for clinic, month in pairs:
        combined |= Q(clinic_id=clinic, **{f"{field}__gte": month, f"{field}__lt": next_month(month)})
    return combined


def _in_months(months, field):
    combined = Q(pk__in=[])
    for month in months:
        combined |= Q(**{f"{field}__gte": month, f"{field}__lt": next_month(month)})
    return combined


def _shared(months, screened):
    """Mothers screened (or due) at more than one clinic in one of these months, network-wide."""
    if screened:
        rows = Screening.objects.filter(_in_months(months, "taken_on")).annotate(month=TruncMonth("taken_on"))
    else:
        rows = FollowUp.objects.filter(_in_months(months, "due_on")).exclude(status=FollowUpStatus.CANCELLED)
        rows = rows.annotate(month=TruncMonth("due_on"))
    several = rows.values("month", "mother_id").annotate(
        k=Count("clinic_id", distinct=True), clinics=ArrayAgg("clinic_id", distinct=True, order_by="clinic_id")
    )
    return [
        SharedMonth(month=r["month"], mother_id=r["mother_id"], screened=screened, clinic_ids=r["clinics"])
        for r in several.filter(k__gt=1)
    ]


def recompute(pairs):
    """The rollups of these (clinic, month) pairs from the records, and the shared mothers of their
    months: a fixed number of queries however many pairs."""
    months = {month for _clinic, month in pairs}
    ScreeningMonth.objects.filter(_pairs(pairs)).delete()
    CoverageMonth.objects.filter(_pairs(pairs)).delete()
    SharedMonth.objects.filter(month__in=months).delete()
    screenings = Screening.objects.filter(_in(pairs, "taken_on")).annotate(month=TruncMonth("taken_on"))
    counted = screenings.values_list("clinic_id", "month", "instrument_code", "risk_level", "anxiety_flag")
    ScreeningMonth.objects.bulk_create(
        ScreeningMonth(clinic_id=c, month=m, instrument_code=i, risk_level=r, anxiety_flag=a, screenings=n)
        for c, m, i, r, a, n in counted.annotate(n=Count("*"))
    )
    mothers = Count("mother_id", distinct=True)
    due = FollowUp.objects.filter(_in(pairs, "due_on")).exclude(status=FollowUpStatus.CANCELLED)
    due = {
        (c, m): n
        for c, m, n in due.annotate(month=TruncMonth("due_on")).values_list("clinic_id", "month").annotate(n=mothers)
    }
    seen = {(c, m): n for c, m, n in screenings.values_list("clinic_id", "month").annotate(n=mothers)}
    CoverageMonth.objects.bulk_create(
        CoverageMonth(clinic_id=c, month=m, mothers_due=due.get((c, m), 0), mothers_screened=seen.get((c, m), 0))
        for c, m in set(due) | set(seen)
    )
    SharedMonth.objects.bulk_create(_shared(months, True) + _shared(months, False))


def _pairs(pairs):
    combined = Q(pk__in=[])
    for clinic, month in pairs:
        combined |= Q(clinic_id=clinic, month=month)
    return combined


def refresh(limit=None, months=(date.min, date.max)):
    """Recompute the stale (clinic, month) pairs (those of `months`, a [first, after) range), a
    batch per transaction; returns how many."""
    done = 0
    table = StaleMonth._meta.db_table
    while limit is None or done < limit:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, clinic_id, month FROM {table} WHERE month >= %s AND month < %s "
                "LIMIT %s FOR UPDATE SKIP LOCKED",
                [*months, BATCH],
            )
            taken = cursor.fetchall()
            pairs = {(clinic, month) for _pk, clinic, month in taken}
            if pairs:  # with every other mark of these months no other refresh holds: marks repeat
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE (clinic_id, month) IN %s "
                    "FOR UPDATE SKIP LOCKED)",
                    [tuple(pairs)],
                )
                recompute(pairs)
        done += len(taken)
        if len(taken) < BATCH:
            return done
    return done


# Read ------------------------------------------------------------------------------------------


def fresh(f):
    """Whether this report may read the rollups (see facts.fresh): on PostgreSQL, once the stale
    months it reads are recomputed, if there are few. The current month is stale most of the time
    but is read from the records (a part-month) unless the period ends on its last day."""
    whole, _edges = split(f.start, f.end)
    stale = StaleMonth.objects.filter(month__gte=whole[0], month__lt=whole[1]) if whole else None
    if stale is not None:
        stale = stale.values("clinic_id", "month").distinct()
    if not stored_in_use() or (stale is not None and stale.count() > INLINE_LIMIT):
        return False
    if whole:
        refresh(months=whole)
    return True


def split(start, end):
    """The period as its whole calendar months (first, last, or None) and the part-months at its
    edges, as [start, until) ranges."""
    first = start if start.day == 1 else next_month(start)
    after = end + timedelta(days=1)
    last = after.replace(day=1)  # the month after the last whole one
    if first >= last:
        return None, [(start, after)]
    edges = [(start, first)] if start < first else []
    if last < after:
        edges.append((last, after))
    return (first, last), edges


def screening_counts(f):
    """Screenings in the period per (instrument, risk level, anxiety flag), as
    `values_list(...).annotate(n=Count)` would give them."""
    whole, edges = split(f.start, f.end)
    totals = defaultdict(int)
    if whole:
        rolled = ScreeningMonth.objects.filter(clinic_id__in=f.clinic_ids, month__gte=whole[0], month__lt=whole[1])
        for *key, n in rolled.values_list("instrument_code", "risk_level", "anxiety_flag").annotate(
            n=Sum("screenings")
        ):
            totals[tuple(key)] += n
    for start, until in edges:
        counted = _screenings(f.clinic_ids, start, until).values_list("instrument_code", "risk_level", "anxiety_flag")
        for *key, n in counted.annotate(n=Count("*")):  # "*": the covering index alone answers
            totals[tuple(key)] += n
    return [(*key, n) for key, n in totals.items()]


def coverage(f):
    """{month: [mothers due, mothers screened]} for the months with any."""
    whole, edges = split(f.start, f.end)
    months = defaultdict(lambda: [0, 0])
    if whole:
        span = dict(month__gte=whole[0], month__lt=whole[1])
        rolled = CoverageMonth.objects.filter(clinic_id__in=f.clinic_ids, **span).values_list("month")
        for month, due, screened in rolled.annotate(due=Sum("mothers_due"), screened=Sum("mothers_screened")):
            months[month] = [due, screened]
        chosen = set(f.clinic_ids)
        for month, screened, clinics in SharedMonth.objects.filter(**span).values_list(
            "month", "screened", "clinic_ids"
        ):
            extra = len(chosen.intersection(clinics)) - 1
            if extra > 0:
                months[month][1 if screened else 0] -= extra
    mothers = Count("mother_id", distinct=True)
    for start, until in edges:
        month = start.replace(day=1)
        due = _due(f.clinic_ids, start, until).aggregate(n=mothers)["n"]
        screened = _screenings(f.clinic_ids, start, until).aggregate(n=mothers)["n"]
        if due or screened:
            months[month] = [due, screened]
    return {m: counts for m, counts in months.items() if any(counts)}
