"""Report facts on PostgreSQL: the cascade's journey per positive screen, the HEDIS measures per
delivery and CMS82 per child, stored one row per unit so a network-wide report reads rows instead
of re-deriving every unit (seconds at 1,000,000 screenings).

Kept exact, not eventually right: triggers on every table a fact is derived from mark the mother
stale in the same transaction as the change (`TRIGGERS`), and every report first recomputes the
stale mothers, with the very annotations the direct computation uses (`ready`). Celery beat
recomputes them every minute too, so a report rarely has more than a handful to do. A stale mark taken by a
recompute is locked by it; a writer marking her again waits and leaves her stale for the next one.

SQLite (the embedded demo) computes every report directly."""

from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.utils import timezone

from screening.models import Clinic, Infant, Pregnancy, Screening

from ..models import ChildFact, DeliveryFact, JourneyFact, Provider, Referral, ReferralFact, StaleMother, Status
from . import activity, cascade, measures
from .base import AGE_GROUPS, POSITIVE_SCREEN, day_range, span

BATCH = 2000
INLINE_LIMIT = 5000  # stale mothers a report recomputes before reading; beyond, it computes directly
STEPS = ["referred", "accepted", "first_session", "completed"]
FACT_FIELDS = ["depression", *STEPS, *cascade.FIELDS, *cascade.REMISSIONS]


def in_use():
    return connection.vendor == "postgresql" and settings.REPORT_FACTS


# Recompute -------------------------------------------------------------------------------------


def _journeys(mother_ids):
    rows = (
        Screening.objects.filter(POSITIVE_SCREEN, mother_id__in=mother_ids)
        .annotate(
            depression=ExpressionWrapper(cascade.DEPRESSION_POSITIVE, output_field=BooleanField()),
            **cascade.steps(),
            **activity.referral_steps(),
        )
        .values("pk", "mother_id", "clinic_id", "created_at", "reviewed_at", *FACT_FIELDS)
    )
    journeys = [JourneyFact(screening_id=r.pop("pk"), taken_on=r.pop("positive_on"), **r) for r in rows]
    theirs = defaultdict(list)
    for j in sorted(journeys, key=lambda j: (j.taken_on, j.screening_id)):
        if j.depression:
            theirs[j.mother_id].append(j)
    for depression in theirs.values():
        one_clinic = len({j.clinic_id for j in depression}) == 1
        for before, j in zip([None, *depression], depression, strict=False):
            j.earlier_on, j.one_clinic = before and before.taken_on, one_clinic
    return journeys


def _referrals(mother_ids):
    timed = Referral.objects.filter(mother_id__in=mother_ids).annotate(
        days_to_referral=span("requested_at", "screening__created_at"),
        days_to_session=span("first_session_on", "screening__taken_on"),
        ended_from_screen=ExpressionWrapper(
            Q(screening__isnull=False, ended_at__isnull=False), output_field=BooleanField()
        ),
        **activity.score_changes(),
    )
    fields = [f.name for f in ReferralFact._meta.fields if f.name != "referral_id"]
    return [ReferralFact(referral_id=r.pop("pk"), **r) for r in timed.values("pk", *fields)]


def _deliveries(mother_ids):
    rows = list(
        Pregnancy.objects.filter(mother_id__in=mother_ids, delivery_date__isnull=False)
        .annotate(
            died=measures.mother_died(),
            pds=measures.screened(measures.postpartum_window()),
            pnd=measures.screened(measures.prenatal_window()),
            **measures.first_positive(measures.postpartum_window(), "pds_"),
            **measures.first_positive(measures.prenatal_window(), "pnd_"),
        )
        .values()
    )
    followed = {
        kind: measures.followed_up([(r["id"], r["mother_id"], r[f"{kind}_first_positive_on"]) for r in rows])
        for kind in ("pds", "pnd")
    }
    return [
        DeliveryFact(
            pregnancy_id=r["id"],
            mother_id=r["mother_id"],
            clinic_id=r["clinic_id"],
            delivery_date=r["delivery_date"],
            mother_died=r["died"],
            pds_screened=r["pds"],
            pds_first_positive_on=r["pds_first_positive_on"],
            pds_followed_up=r["id"] in followed["pds"],
            pnd_screened=r["pnd"],
            pnd_first_positive_on=r["pnd_first_positive_on"],
            pnd_followed_up=r["id"] in followed["pnd"],
        )
        for r in rows
    ]


def _children(mother_ids):
    rows = Infant.objects.filter(mother_id__in=mother_ids).annotate(
        clinic_id=F("mother__clinic_id"),
        died_early=ExpressionWrapper(
            Q(died_on__isnull=False) & measures.died_before_six_months(), output_field=BooleanField()
        ),
        screened=measures.screened_in_first_six_months(),
    )
    return [
        ChildFact(
            infant_id=pk,
            mother_id=mother,
            clinic_id=clinic,
            date_of_birth=born,
            died_before_six_months=died,
            mother_screened=screened,
        )
        for pk, mother, clinic, born, died, screened in rows.values_list(
            "pk", "mother_id", "clinic_id", "date_of_birth", "died_early", "screened"
        )
    ]


def recompute(mother_ids):
    """Her facts from scratch, for each of these mothers (in the caller's transaction)."""
    for model in (JourneyFact, ReferralFact, DeliveryFact, ChildFact):
        model.objects.filter(mother_id__in=mother_ids).delete()
    JourneyFact.objects.bulk_create(_journeys(mother_ids))
    ReferralFact.objects.bulk_create(_referrals(mother_ids))
    DeliveryFact.objects.bulk_create(_deliveries(mother_ids))
    ChildFact.objects.bulk_create(_children(mother_ids))


def refresh(limit=None):
    """Recompute the stale mothers, a batch per transaction; returns how many. Marks held by a
    transaction still writing are skipped: its change is not visible yet, and leaves her stale."""
    done = 0
    while limit is None or done < limit:
        with transaction.atomic(), connection.cursor() as cursor:
            table = StaleMother._meta.db_table
            cursor.execute(f"SELECT mother_id FROM {table} LIMIT %s FOR UPDATE SKIP LOCKED", [BATCH])
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"DELETE FROM {table} WHERE mother_id = ANY(%s)", [ids])
            if ids:
                recompute(ids)
        done += len(ids)
        if len(ids) < BATCH:
            return done
    return done


def mark_stale(schema_editor, source="screening_mother", column="id"):
    """Every mother of `source` stale, so the next refresh (beat, or the first report) computes her
    facts: for the migrations that add facts or fact columns. PostgreSQL only."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"INSERT INTO {StaleMother._meta.db_table} (mother_id, marked_at) SELECT DISTINCT {column}, now() "
            f"FROM {source} ON CONFLICT (mother_id) DO NOTHING"
        )


# Read ------------------------------------------------------------------------------------------


def ready(f):
    """Whether this report reads the facts: on PostgreSQL, once the stale mothers are recomputed,
    if there are at most INLINE_LIMIT of them. After a bulk change beat has not caught up with, the
    report computes directly instead (as exact, only slower) rather than wait for thousands."""
    if "facts" not in f.__dict__:
        f.__dict__["facts"] = in_use() and StaleMother.objects.count() <= INLINE_LIMIT
        if f.__dict__["facts"]:
            refresh()
    return f.__dict__["facts"]


def positive_screens(f):
    """The positive screens at these clinics in the period."""
    return JourneyFact.objects.filter(clinic_id__in=f.clinic_ids, taken_on__gte=f.start, taken_on__lte=f.end)


def cascade_tallies(f):
    """`cascade.tallies(f)` in one query: each mother's first positive depression screen in the
    period at these clinics (one with no earlier one since the period began; for the few mothers
    screened positive at more than one clinic, DISTINCT ON), counted for everyone, per language and per age group
    (GROUPING SETS), so sixty thousand mothers never leave the database."""
    closed = [f.end - timedelta(days=high) for _low, high in cascade.WINDOWS.values()]
    age = " ".join(f"WHEN age BETWEEN {low} AND {high} THEN %s" for low, high, _label in AGE_GROUPS)
    remissions = ", ".join(
        f"count(*) FILTER (WHERE taken_on <= %s), count({field}) FILTER (WHERE taken_on <= %s)"
        for field in cascade.REMISSIONS
    )
    table = JourneyFact._meta.db_table
    columns = ", ".join(
        ["preferred_language", f"CASE {age} ELSE 'unknown' END AS age_group", "taken_on"]
        + ["referred_at", "contact_on", "completed_at", "provider_contact_on", *cascade.REMISSIONS]
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
        SELECT GROUPING(preferred_language), GROUPING(age_group), preferred_language, age_group,
            count(*), count(referred_at), count(contact_on), count(completed_at), count(provider_contact_on),
            {remissions},
            percentile_cont(0.5) WITHIN GROUP (ORDER BY contact_on - taken_on)
        FROM first GROUP BY GROUPING SETS ((), (preferred_language), (age_group))"""
    labels = [label for _low, _high, label in AGE_GROUPS]
    params = labels + [list(f.clinic_ids), f.start, f.end, f.start] + labels + [list(f.clinic_ids), f.start, f.end]
    params += [day for day in closed for _twice in (1, 2)]
    counted = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for no_language, no_age, language, age_group, *numbers, days in cursor.fetchall():
            key = (
                cascade.EVERYONE
                if no_language and no_age
                else ("age", age_group)
                if no_language
                else ("language", language)
            )
            counted[key] = dict(zip(cascade.COUNTED, numbers, strict=True)) | {"days": days}
    return counted


FUNNEL = ["positive", "decided", *STEPS]


def funnel_counts(f, dimension=None):
    """The funnel's counts of positive screens (any pathway), for everyone or per clinic, language
    or age group, in the order the direct computation gives them: all four from one read
    (GROUPING SETS), counted once per report."""
    if "funnel" not in f.__dict__:
        f.__dict__["funnel"] = _funnel_groups(f)
    groups = f.__dict__["funnel"]
    if dimension is None:
        return groups["all"][0] if groups["all"] else dict.fromkeys(FUNNEL, 0)
    if dimension == "clinic":
        return [{"group": name, **counts} for name, counts in _by_name(groups["clinic"], Clinic)]
    return groups[dimension]


def _funnel_groups(f):
    age = " ".join(f"WHEN age BETWEEN {low} AND {high} THEN %s" for low, high, _label in AGE_GROUPS)
    steps = ", ".join(f"count(*) FILTER (WHERE {step})" for step in STEPS)
    sql = f"""
        SELECT GROUPING(clinic_id), GROUPING(preferred_language), GROUPING(age_group),
            clinic_id, preferred_language, age_group,
            count(*), count(reviewed_at), {steps}
        FROM (
            SELECT *, CASE {age} ELSE 'unknown' END AS age_group FROM {JourneyFact._meta.db_table}
            WHERE clinic_id = ANY(%s) AND taken_on BETWEEN %s AND %s
        ) positive
        GROUP BY GROUPING SETS ((), (clinic_id), (preferred_language), (age_group))
        ORDER BY preferred_language, age_group"""
    params = [label for _low, _high, label in AGE_GROUPS] + [list(f.clinic_ids), f.start, f.end]
    groups = {"all": [], "clinic": {}, "language": [], "age": []}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for no_clinic, no_language, no_age, clinic, language, age_group, *numbers in cursor.fetchall():
            counts = dict(zip(FUNNEL, numbers, strict=True))
            if not no_clinic:
                groups["clinic"][clinic] = Counter(counts)
            elif not no_language:
                groups["language"].append({"group": language, **counts})
            elif not no_age:
                groups["age"].append({"group": age_group, **counts})
            else:
                groups["all"].append(counts)
    return groups


def _by_name(counts, model):
    """{pk: Counter} summed per name (two rows of one name are one group), in the database's
    order of names, with no row (pk None) last: the order of the direct query's ORDER BY name."""
    named = {}
    for pk, name in model.objects.filter(pk__in=[pk for pk in counts if pk]).order_by("name").values_list("pk", "name"):
        named.setdefault(name, Counter()).update(counts[pk])
    if None in counts:
        named.setdefault(None, Counter()).update(counts[None])
    return named.items()


def referrals(f):
    """The referrals `base.referrals(f)` selects (in the period, not entered in error, of the
    pathway if one is chosen), as facts."""
    since, until = day_range(f.start, f.end)
    rows = ReferralFact.objects.filter(clinic_id__in=f.clinic_ids, requested_at__gte=since, requested_at__lt=until)
    rows = rows.exclude(status=Status.ENTERED_IN_ERROR)
    return rows.filter(pathway=f.pathway) if f.pathway else rows


def referral_counts(f, now=None):
    """The referral tables' counts from one read of the period's referral facts, grouped by
    pathway, provider and status: {"pathway": rows, "provider": rows, "status": {status: n},
    "breaches": {...}}, the rows as the direct queries give them. Once per report (and `now`)."""
    cached = f.__dict__.get("referral_counts")
    if cached and (now is None or cached[0] == now):
        return cached[1]
    now = now or timezone.now()
    late_accept, late_session = activity.late_referrals(f, now)
    steps = ["referred", "accepted", "first_session", "completed"]
    rows = list(
        referrals(f)
        .values("pathway", "provider_id", "status")
        .annotate(
            referred=Count("pk"),
            accepted=Count("accepted_at"),
            first_session=Count("first_session_on"),
            completed=Count("pk", filter=Q(status=Status.COMPLETED)),
            late_accept=Count("pk", filter=late_accept),
            late_session=Count("pk", filter=late_session),
        )
        .order_by()
    )
    by_pathway, by_provider, by_status = defaultdict(Counter), defaultdict(Counter), Counter()
    for r in rows:
        by_pathway[r["pathway"]].update({step: r[step] for step in steps})
        by_provider[r["provider_id"]].update({step: r[step] for step in steps})
        by_status[r["status"]] += r["referred"]
    result = {
        "pathway": [{"pathway": p, **{s: by_pathway[p][s] for s in steps}} for p in sorted(by_pathway)],
        "provider": [
            {"provider__name": name, **{s: counts[s] for s in steps}}
            for name, counts in _by_name(by_provider, Provider)
        ],
        "status": dict(by_status),
        "breaches": {key: sum(r[key] for r in rows) for key in ("late_accept", "late_session")},
    }
    f.__dict__["referral_counts"] = (now, result)
    return result


def _measures(f):
    """Each measure's facts, its denominator and its numerator's extra condition, as
    `measures.all_measures(f)` defines them."""
    closed_84 = measures._closed_by(f, measures.POSTPARTUM[1].days)
    closed_30 = measures._closed_by(f, measures.FOLLOW_UP.days)
    deliveries = DeliveryFact.objects.filter(
        clinic_id__in=f.clinic_ids, delivery_date__gte=f.start, delivery_date__lte=f.end, mother_died=False
    )
    children = ChildFact.objects.filter(
        clinic_id__in=f.clinic_ids,
        date_of_birth__gte=f.start - measures.SIX_CALENDAR_MONTHS,
        date_of_birth__lte=f.end - measures.SIX_CALENDAR_MONTHS,
        died_before_six_months=False,
    )
    postpartum = Q(delivery_date__lte=closed_84)
    everyone = Q(pk__isnull=False)
    return {
        "pds-e-screening": (deliveries, postpartum, Q(pds_screened=True)),
        "pds-e-follow-up": (deliveries, postpartum & Q(pds_first_positive_on__lte=closed_30), Q(pds_followed_up=True)),
        "pnd-e-screening": (deliveries, everyone, Q(pnd_screened=True)),
        "pnd-e-follow-up": (deliveries, Q(pnd_first_positive_on__lte=closed_30), Q(pnd_followed_up=True)),
        "cms82": (children, everyone, Q(mother_screened=True)),
    }


def quality_counts(f):
    """{slug: (numerator, denominator)}: one aggregate over the delivery facts, one over the
    children's."""
    found = {}
    for model in (DeliveryFact, ChildFact):
        theirs = {slug: m for slug, m in _measures(f).items() if m[0].model is model}
        rows = next(iter(theirs.values()))[0]
        counts = rows.aggregate(
            **{f"d{i}": Count("pk", filter=den) for i, (_rows, den, _num) in enumerate(theirs.values())},
            **{f"n{i}": Count("pk", filter=den & num) for i, (_rows, den, num) in enumerate(theirs.values())},
        )
        found |= {slug: (counts[f"n{i}"], counts[f"d{i}"]) for i, slug in enumerate(theirs)}
    return {slug: found[slug] for slug in measures.MEASURES}


def measure_units(f, slug):
    """The measure's units (deliveries or children) as querysets: its denominator and numerator."""
    rows, denominator, numerator = _measures(f)[slug]
    model, key = (Pregnancy, "pregnancy_id") if rows.model is DeliveryFact else (Infant, "infant_id")
    counted = rows.filter(denominator)
    return (
        model.objects.filter(pk__in=counted.values(key)),
        model.objects.filter(pk__in=counted.filter(numerator).values(key)),
    )


# Triggers --------------------------------------------------------------------------------------

# table: the column holding the mother's id. Every table a fact above is derived from.
SOURCES = {
    "screening_screening": "mother_id",
    "screening_pregnancy": "mother_id",
    "screening_infant": "mother_id",
    "referrals_referral": "mother_id",
    "referrals_alert": "mother_id",
    "referrals_concern": "mother_id",
}
MOTHER_COLUMNS = ["clinic_id", "preferred_language", "date_of_birth"]  # what facts read from her row

_MARK = (
    "INSERT INTO referrals_stalemother (mother_id, marked_at) SELECT DISTINCT {column}, now() FROM {rows} "
    "ON CONFLICT (mother_id) DO UPDATE SET marked_at = EXCLUDED.marked_at"
)


def statement_triggers(table, mark, tag="stale"):
    """One trigger per event (PostgreSQL allows transition tables on single-event triggers), each
    running `mark` (an upsert of stale marks, formatted with the transition table as `rows`) once
    per statement, so bulk loads stay fast. The upsert locks an existing mark so a recompute in
    flight cannot take it before this transaction commits."""
    sql = []
    for event, rows in (("INSERT", ["new_rows"]), ("UPDATE", ["old_rows", "new_rows"]), ("DELETE", ["old_rows"])):
        name = f"{table}_{tag}_{event.lower()}"
        marks = "; ".join(mark.format(rows=r) for r in rows)
        referencing = " ".join(f"{'OLD' if r == 'old_rows' else 'NEW'} TABLE AS {r}" for r in rows)
        sql.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {marks}; RETURN NULL; END $$;"
            f"DROP TRIGGER IF EXISTS {name} ON {table};"
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
        )
    return sql


def _mother_trigger():
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in MOTHER_COLUMNS)
    return [
        "CREATE OR REPLACE FUNCTION screening_mother_stale() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO referrals_stalemother (mother_id, marked_at) VALUES (NEW.id, now()) "
        "ON CONFLICT (mother_id) DO UPDATE SET marked_at = EXCLUDED.marked_at; RETURN NULL; END $$;"
        "DROP TRIGGER IF EXISTS screening_mother_stale ON screening_mother;"
        "CREATE TRIGGER screening_mother_stale AFTER UPDATE ON screening_mother FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION screening_mother_stale();"
    ]


def drop_statement_triggers(table, tag="stale"):
    return [
        f"DROP TRIGGER IF EXISTS {table}_{tag}_{event} ON {table}; DROP FUNCTION IF EXISTS {table}_{tag}_{event}();"
        for event in ("insert", "update", "delete")
    ]


TRIGGERS = [
    sql for table, column in SOURCES.items() for sql in statement_triggers(table, _MARK.replace("{column}", column))
] + _mother_trigger()
DROP_TRIGGERS = [sql for table in SOURCES for sql in drop_statement_triggers(table)] + [
    "DROP TRIGGER IF EXISTS screening_mother_stale ON screening_mother",
    "DROP FUNCTION IF EXISTS screening_mother_stale()",
]
