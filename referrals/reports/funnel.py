"""The referral funnel: positive screens through decision, referral, acceptance, first session
and completion, for everyone and per pathway, provider, clinic, language and age group."""

from collections import Counter

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.translation import gettext_lazy as _

from screening.models import Clinic

from .. import pathways
from ..models import Decision, DecisionKind, Referral, Status
from . import rollups
from .base import AGE_GROUP_SQL, AGE_GROUPS, Table, by_name, positives, rate, referrals
from .models import JourneyFact, JourneyMonth
from .timeliness import referral_counts

STEPS = ["positive", "decided", "referred", "accepted", "first_session", "completed"]
REFERRAL_STEPS = STEPS[2:]  # the steps a referral made from the screen reaches

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


def referral_steps():
    """For the facts: each funnel step as "a referral made from this screen got there"."""
    made = Referral.objects.filter(screening=OuterRef("pk")).exclude(status=Status.ENTERED_IN_ERROR)
    return dict(
        referred=Exists(made),
        accepted=Exists(made.filter(accepted_at__isnull=False)),
        first_session=Exists(made.filter(first_session_on__isnull=False)),
        completed=Exists(made.filter(status=Status.COMPLETED)),
    )


def _use_facts(f):
    return f.facts and not f.pathway  # the facts hold any pathway's steps, not each one's


STEPS = ["positive", "decided", *REFERRAL_STEPS]


def stored_counts(f, dimension=None):
    """The funnel's counts of positive screens (any pathway), for everyone or per clinic, language
    or age group, in the order the direct computation gives them: all four from one read
    (GROUPING SETS), counted once per report."""
    if "funnel" not in f.__dict__:
        f.__dict__["funnel"] = _funnel_groups(f)
    groups = f.__dict__["funnel"]
    if dimension is None:
        return groups["all"][0] if groups["all"] else dict.fromkeys(STEPS, 0)
    if dimension == "clinic":
        return [{"group": name, **counts} for name, counts in by_name(groups["clinic"], Clinic)]
    return groups[dimension]


# a set of journey facts counted at each of STEPS, as the rollup holds them
COUNTED = f"""count(*), count(reviewed_at), {", ".join(f"count(*) FILTER (WHERE {step})" for step in REFERRAL_STEPS)}"""
RECOUNT_LOCK = 3215  # pg_advisory_xact_lock key: one recount of the rollup at a time


def _funnel_groups(f):
    """The whole months from the rollup, the part-months at the period's edges from the facts."""
    whole, edges = rollups.split(f.start, f.end)
    whole = whole or (f.start, f.start)
    edge = " OR ".join(["taken_on >= %s AND taken_on < %s"] * len(edges)) or "FALSE"
    sums = ", ".join(f"coalesce(sum({step}), 0)::bigint" for step in STEPS)
    sql = f"""
        SELECT GROUPING(clinic_id), GROUPING(preferred_language), GROUPING(age_group),
            clinic_id, preferred_language, age_group, {sums}
        FROM (
            SELECT clinic_id, preferred_language, age_group, {", ".join(STEPS)} FROM {JourneyMonth._meta.db_table}
            WHERE clinic_id = ANY(%s) AND month >= %s AND month < %s
            UNION ALL
            SELECT clinic_id, preferred_language, {AGE_GROUP_SQL}, {COUNTED}
            FROM {JourneyFact._meta.db_table} WHERE clinic_id = ANY(%s) AND ({edge}) GROUP BY 1, 2, 3
        ) counted
        GROUP BY GROUPING SETS ((), (clinic_id), (preferred_language), (age_group))
        ORDER BY preferred_language, age_group"""
    params = [list(f.clinic_ids), *whole, list(f.clinic_ids), *(day for span in edges for day in span)]
    groups = {"all": [], "clinic": {}, "language": [], "age": []}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for no_clinic, no_language, no_age, clinic, language, age_group, *numbers in cursor.fetchall():
            counts = dict(zip(STEPS, numbers, strict=True))
            if not no_clinic:
                groups["clinic"][clinic] = Counter(counts)
            elif not no_language:
                groups["language"].append({"group": language, **counts})
            elif not no_age:
                groups["age"].append({"group": age_group, **counts})
            else:
                groups["all"].append(counts)
    return groups


def months_of(mother_ids):
    """The (clinic, month) pairs these mothers' stored journey facts count in (facts about to be
    written count in (clinic_id, taken_on's first day))."""
    rows = JourneyFact.objects.filter(mother_id__in=mother_ids).annotate(month=TruncMonth("taken_on"))
    return set(rows.values_list("clinic_id", "month").distinct())


def recount(pairs):
    """The rollup of these (clinic, month) pairs summed again from the facts, in the caller's
    transaction once its facts are written. One recount at a time (until commit): two at once could
    each miss the other's new facts, or both insert a month's rows."""
    if not pairs:
        return
    clinics, months = (list(column) for column in zip(*sorted(pairs), strict=True))
    rollup = JourneyMonth._meta.db_table
    pairs_sql = "unnest(%s::bigint[], %s::date[]) AS pair (clinic_id, month)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOUNT_LOCK])
        cursor.execute(
            f"DELETE FROM {rollup} m USING {pairs_sql} WHERE m.clinic_id = pair.clinic_id AND m.month = pair.month",
            [clinics, months],
        )
        cursor.execute(
            f"""INSERT INTO {rollup} (clinic_id, month, preferred_language, age_group, {", ".join(STEPS)})
            SELECT fact.clinic_id, pair.month, preferred_language, {AGE_GROUP_SQL}, {COUNTED}
            FROM {pairs_sql} JOIN {JourneyFact._meta.db_table} fact ON fact.clinic_id = pair.clinic_id
                AND fact.taken_on >= pair.month AND fact.taken_on < pair.month + interval '1 month'
            GROUP BY 1, 2, 3, 4""",
            [clinics, months],
        )


def funnel(f):
    counts = stored_counts(f) if _use_facts(f) else _funnel_counts(f, positives(f))
    rows, previous = [], None
    for step, label in zip(STEPS, STEP_LABELS, strict=True):
        n = counts[step]
        rows.append((label, n, None if previous is None else previous - n, rate(n, counts["positive"])))
        previous = n
    return Table(
        "funnel",
        _("Referral funnel"),
        [_("Step"), _("Screens"), _("Lost since the step before"), _("Of positive screens (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [1]},
        note=_("Screens count once however many referrals they led to."),
    )


ENDED = [Status.REJECTED, Status.CANCELLED, Status.FAILED]


def drop_off_reasons(f):
    decided = (
        Decision.objects.filter(screening__in=positives(f))
        .exclude(kind=DecisionKind.REFERRED)
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    if f.facts:
        ended = referral_counts(f)["status"].items()
        ended = [(status, n) for status, n in ended if status in ENDED]
    else:
        ended = referrals(f).filter(status__in=ENDED).values_list("status").annotate(n=Count("pk"))
    rows = [(str(DecisionKind(k).label), n) for k, n in decided] + [(str(Status(s).label), n) for s, n in ended]
    return Table(
        "drop-off",
        _("Recorded reasons for not going on"),
        [_("Reason"), _("Count")],
        sorted(rows, key=lambda r: -r[1]),
        {"type": "bar", "label": 0, "values": [1]},
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
            referral_counts(f)[dimension]
            if f.facts
            else (
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
            {"type": "bar", "label": 0, "values": [1, 2, 3, 4]},
        )
    if _use_facts(f):
        rows = stored_counts(f, dimension)
    else:
        queryset = positives(f)
        if dimension == "age":
            group_expr, age = _age_group()
            queryset = queryset.annotate(age=age, group=group_expr)
        elif dimension == "language":
            queryset = queryset.annotate(group=F("mother__preferred_language"))
        else:
            queryset = queryset.annotate(group=F("clinic__name"))
        rows = _funnel_counts(f, queryset, "group")
    rows, name = list(rows), (lambda group: group)
    if dimension == "age":  # youngest first, "unknown" last: not the labels' alphabetical order
        order = [label for _low, _high, label in AGE_GROUPS] + ["unknown"]
        rows.sort(key=lambda r: order.index(r["group"]) if r["group"] in order else len(order))
    elif dimension == "language":
        languages = dict(settings.LANGUAGES)
        name = lambda code: str(languages.get(code, code))  # noqa: E731
    return Table(
        f"funnel-by-{dimension}",
        _("Funnel by %(d)s") % {"d": _(dimension)},
        [_(dimension.title()), *columns],
        [(name(r["group"]), *(r[s] for s in STEPS)) for r in rows],
        {"type": "bar", "label": 0, "values": [1, 3, 5, 6]},  # positive, referred, first session, completed
    )
