"""The treatment cascade, as published programmes report it: of the mothers who screened positive
in the period, how many were referred, seen (first contact confirmed), completed treatment, and
were in remission at 3 and at 6 months; with the median days from the positive screen to first
contact, for everyone and by language and age group (the gaps between groups are the point).

Remission is a negative full-length rescreen (EPDS under 10, PHQ-9 under 5) 60-120 days (3 months)
or 150-210 days (6 months) after the positive screen; it is counted among the mothers whose window
has closed by the period's end."""

from collections import defaultdict
from datetime import timedelta
from functools import reduce
from operator import or_
from statistics import median

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from screening import instruments
from screening.models import Screening
from screening.risk import POSITIVE_LEVELS

from ..models import Referral, Status
from .base import AGE_GROUP_SQL, AGE_GROUPS, DEPRESSION, Table, as_date, rate, round_or_none
from .models import JourneyFact

REMISSION = reduce(
    or_, (Q(instrument_code=i.code, total__lt=i.remission_below) for i in instruments.all() if i.remission_below)
)
WINDOWS = {"3": (60, 120), "6": (150, 210)}
STEPS = [
    ("positive", _("Screened positive")),
    ("referred", _("Referred")),
    ("contacted", _("First contact confirmed")),
    ("by_provider", _("of which confirmed by the provider through their link")),
    ("completed", _("Treatment completed")),
]


DEPRESSION_POSITIVE = Q(instrument_code__in=DEPRESSION, risk_level__in=POSITIVE_LEVELS)


def positive_screens(screenings):
    return screenings.filter(DEPRESSION_POSITIVE)


def steps():
    """After a positive screen, each step as "the first date it happened" (null if never): one
    portable form on every database."""
    referrals = Referral.objects.filter(mother=OuterRef("mother"), requested_at__date__gte=OuterRef("taken_on"))
    referrals = referrals.exclude(status__in=[Status.DRAFT, Status.ENTERED_IN_ERROR])
    seen = referrals.filter(first_session_on__isnull=False).order_by("first_session_on")
    annotations = {
        "positive_on": F("taken_on"),
        "preferred_language": F("mother__preferred_language"),
        "age": ExtractYear("taken_on") - ExtractYear("mother__date_of_birth"),
        "referred_at": Subquery(referrals.order_by("requested_at").values("requested_at")[:1]),
        "contact_on": Subquery(seen.values("first_session_on")[:1]),
        "provider_contact_on": Subquery(seen.filter(contact_confirmed_by_provider=True).values("first_session_on")[:1]),
        "completed_at": Subquery(referrals.filter(status=Status.COMPLETED).values("ended_at")[:1]),
    }
    for months, (low, high) in WINDOWS.items():
        window = Screening.objects.filter(
            REMISSION,
            mother=OuterRef("mother"),
            taken_on__gte=as_date(OuterRef("taken_on") + timedelta(days=low)),
            taken_on__lte=as_date(OuterRef("taken_on") + timedelta(days=high)),
        )
        annotations[f"remission_{months}"] = Subquery(window.order_by("taken_on").values("taken_on")[:1])
    return annotations


def mothers(f):
    """Each mother with a positive depression screen in the period, once, as her first such screen
    (no earlier one in the period): every later step is looked up from that screen's date."""
    positive = positive_screens(
        Screening.objects.filter(clinic_id__in=f.clinic_ids, taken_on__gte=f.start, taken_on__lte=f.end)
    )
    earlier = positive.filter(mother=OuterRef("mother")).filter(
        Q(taken_on__lt=OuterRef("taken_on")) | Q(taken_on=OuterRef("taken_on"), pk__lt=OuterRef("pk"))
    )
    return positive.exclude(Exists(earlier)).annotate(**steps())


FIELDS = [
    "preferred_language",
    "age",
    "positive_on",
    "referred_at",
    "contact_on",
    "completed_at",
    "provider_contact_on",
]
REMISSIONS = [f"remission_{m}" for m in WINDOWS]


def _groups(r):
    return [EVERYONE, ("language", r["preferred_language"]), ("age", age_group(r["age"]))]


def tallies(f):
    """The cascade's counts for everyone, per language and per age group, counted once per
    report: in PostgreSQL from the report facts, else from one row per mother read here."""
    if "tallies" not in f.__dict__:
        if f.facts:
            counted = stored_tallies(f)
        else:
            counted = _counts_by(f, mothers(f).values(*FIELDS, *REMISSIONS), _groups)
        counted.setdefault(EVERYONE, dict.fromkeys(COUNTED, 0) | {"days": None})
        f.__dict__["tallies"] = counted
    return f.__dict__["tallies"]


def _counts_by(f, rows, groups):
    """The cascade's counts for every group a row belongs to (`groups(row)`), in one pass."""
    closed = {months: f.end - timedelta(days=high) for months, (_low, high) in WINDOWS.items()}
    counted = {}
    for r in rows:
        for key in groups(r):
            c = counted.get(key)
            if c is None:
                c = counted[key] = dict.fromkeys(COUNTED, 0) | {"days": []}
            c["positive"] += 1
            c["referred"] += r["referred_at"] is not None
            c["contacted"] += r["contact_on"] is not None
            c["by_provider"] += r["provider_contact_on"] is not None
            c["completed"] += r["completed_at"] is not None
            for months, last in closed.items():
                if r["positive_on"] <= last:
                    c[f"followed_{months}"] += 1
                    c[f"remission_{months}"] += r[f"remission_{months}"] is not None
            if r["contact_on"] is not None:
                c["days"].append((r["contact_on"] - r["positive_on"]).days)
    for c in counted.values():
        c["days"] = float(median(c["days"])) if c["days"] else None
    return counted


EVERYONE = ("all", None)
COUNTED = ["positive", "referred", "contacted", "completed", "by_provider"] + [
    f"{kind}_{months}" for months in WINDOWS for kind in ("followed", "remission")
]


def cascade(f):
    c = tallies(f)[EVERYONE]
    rows = [(label, c[step], rate(c[step], c["positive"])) for step, label in STEPS]
    for months in WINDOWS:
        label = _("In remission at %(n)s months (of %(of)s followed that long)") % {
            "n": months,
            "of": c[f"followed_{months}"],
        }
        rows.append((label, c[f"remission_{months}"], rate(c[f"remission_{months}"], c[f"followed_{months}"])))
    return Table(
        "cascade",
        _("Treatment cascade"),
        [_("Step"), _("Mothers"), _("Of those screened positive (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [1]},
        note=_(
            "Mothers with a positive depression screen in the period, counted once from their first. First "
            "contact is a first session, entered by staff or confirmed by the provider through their private "
            "link; the next line counts those the provider confirmed. Remission is a negative full-length rescreen "
            "(EPDS under 10, PHQ-9 under 5) 60-120 days or 150-210 days after the positive screen."
        ),
    )


def age_group(age):
    return next((label for low, high, label in AGE_GROUPS if age is not None and low <= age <= high), "unknown")


def cascade_by_group(f):
    counted = tallies(f)
    everyone = [(EVERYONE, (str(_("All")), str(_("everyone"))))]
    languages = [(("language", code), (str(_("Language")), str(name))) for code, name in settings.LANGUAGES]
    ages = [(("age", label), (str(_("Age")), label)) for label in [*(g[2] for g in AGE_GROUPS), "unknown"]]
    groups = {label: counted[key] for key, label in everyone + languages + ages if key in counted}
    rows = []
    for (kind, label), c in groups.items():
        rows.append(
            (
                kind,
                label,
                c["positive"],
                rate(c["referred"], c["positive"]),
                rate(c["contacted"], c["positive"]),
                rate(c["completed"], c["positive"]),
                rate(c["remission_3"], c["followed_3"]),
                rate(c["remission_6"], c["followed_6"]),
                round_or_none(c["days"]),
            )
        )
    return Table(
        "cascade-by-group",
        _("Treatment cascade by language and age"),
        [
            _("Group"),
            _("Value"),
            _("Screened positive"),
            _("Referred (%)"),
            _("First contact (%)"),
            _("Completed (%)"),
            _("Remission at 3 months (%)"),
            _("Remission at 6 months (%)"),
            _("Median days to first contact"),
        ],
        rows,
        {"type": "bar", "label": [0, 1], "values": [3, 4, 5]},
    )


def stored_tallies(f):
    """`tallies(f)` in one query: each mother's first positive depression screen in the
    period at these clinics (one with no earlier one since the period began; for the few mothers
    screened positive at more than one clinic, DISTINCT ON), counted for everyone, per language and
    per age group, and by days to first contact in each (hashed GROUPING SETS: no sort of sixty
    thousand mothers), each median taken here from its counts of days."""
    closed = [f.end - timedelta(days=high) for _low, high in WINDOWS.values()]
    remissions = ", ".join(
        f"count(*) FILTER (WHERE taken_on <= %s), count({field}) FILTER (WHERE taken_on <= %s)" for field in REMISSIONS
    )
    table = JourneyFact._meta.db_table
    columns = ", ".join(
        ["preferred_language", f"{AGE_GROUP_SQL} AS age_group", "taken_on"]
        + ["referred_at", "contact_on", "completed_at", "provider_contact_on", *REMISSIONS]
    )
    sql = f"""
        WITH first AS (
            SELECT {columns} FROM {table} WHERE clinic_id = ANY(%s) AND depression
                AND taken_on BETWEEN %s AND %s AND one_clinic AND (earlier_on IS NULL OR earlier_on < %s)
            UNION ALL (
                SELECT DISTINCT ON (mother_id) {columns} FROM {table} WHERE clinic_id = ANY(%s) AND depression
                    AND taken_on BETWEEN %s AND %s AND NOT one_clinic
                ORDER BY mother_id, taken_on, screening_id
            )
        )
        SELECT GROUPING(preferred_language), GROUPING(age_group), GROUPING(days), preferred_language, age_group, days,
            count(*), count(referred_at), count(contact_on), count(completed_at), count(provider_contact_on),
            {remissions}
        FROM (SELECT *, contact_on - taken_on AS days FROM first) waited
        GROUP BY GROUPING SETS (
            (), (preferred_language), (age_group), (days), (preferred_language, days), (age_group, days)
        )"""
    params = [list(f.clinic_ids), f.start, f.end, f.start, list(f.clinic_ids), f.start, f.end]
    params += [day for day in closed for _twice in (1, 2)]
    counted, days = {}, defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for no_language, no_age, no_days, language, age_group, waited, *numbers in cursor.fetchall():
            key = EVERYONE if no_language and no_age else ("age", age_group) if no_language else ("language", language)
            if no_days:
                counted[key] = dict(zip(COUNTED, numbers, strict=True))
            elif waited is not None:
                days[key][waited] = numbers[0]
    for key, c in counted.items():
        c["days"] = median_of_counts(days[key])
    return counted


def median_of_counts(counts):
    """The median of values given as {value: how many times}, the middle two averaged as
    percentile_cont(0.5) does; None for none."""
    n = sum(counts.values())
    if not n:
        return None
    middle, seen = [], 0
    for value in sorted(counts):
        before, seen = seen, seen + counts[value]
        middle += [value for k in ((n - 1) // 2, n // 2) if before <= k < seen]
    return sum(middle) / 2
