"""Screening, referral and outcome figures for the chosen period: each one database aggregate."""

from datetime import timedelta

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening.models import Screening
from screening.risk import POSITIVE_LEVELS, RiskLevel

from .. import pathways
from ..models import Alert, Decision, DecisionKind, FollowUp, FollowUpStatus, Referral, ReferralSettings, Status
from . import facts, rollups
from .base import AGE_GROUPS, Table, positives, quantiles, rate, referrals, round_or_none, screenings, spreads

SHORT_TERM = timedelta(days=90)


# Coverage ---------------------------------------------------------------------------------------


def coverage(f):
    months = rollups.coverage(f) if rollups.ready(f) else _coverage(f)
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
        if rollups.ready(f):
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
    return facts.ready(f) and not f.pathway  # the facts hold any pathway's steps, not each one's


def funnel(f):
    counts = facts.funnel_counts(f) if _use_facts(f) else _funnel_counts(f, positives(f))
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
    if facts.ready(f):
        ended = facts.referral_counts(f)["status"].items()
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
            facts.referral_counts(f)[dimension]
            if facts.ready(f)
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
        rows = facts.funnel_counts(f, dimension)
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


# Timeliness -------------------------------------------------------------------------------------


def timeliness(f, now=None):
    if facts.ready(f):
        both = spreads(facts.referrals(f), referral="days_to_referral", session="days_to_session")
        to_referral, to_session = both["referral"], both["session"]
    else:
        from_positive = referrals(f).filter(screening__isnull=False)
        to_referral = quantiles(from_positive, "requested_at", "screening__created_at")
        seen = from_positive.filter(first_session_on__isnull=False)
        to_session = quantiles(seen, "first_session_on", "screening__taken_on")
    rows = [
        (
            _("Days from positive screen to referral"),
            to_referral["n"],
            round_or_none(to_referral["median"]),
            round_or_none(to_referral["p90"]),
        ),
        (
            _("Days from positive screen to first session"),
            to_session["n"],
            round_or_none(to_session["median"]),
            round_or_none(to_session["p90"]),
        ),
    ]
    return Table(
        "timeliness",
        _("Time to referral and to first session"),
        [_("Interval"), _("Referrals"), _("Median"), _("90th percentile")],
        rows,
        {"type": "bar", "label": 0, "values": [2, 3]},
    )


def _limits(f):
    """Each clinic's time limits in days, from its settings row or the defaults."""
    saved = {s.clinic_id: s for s in ReferralSettings.objects.filter(clinic_id__in=f.clinic_ids)}
    return {pk: saved.get(pk) or ReferralSettings() for pk in f.clinic_ids}


def _per_clinic(f, condition):
    """One filter holding each row to its own clinic's limit: `condition(settings)` for each clinic,
    OR-ed, so the whole network is still one aggregate (and portable: no interval arithmetic)."""
    same = {}  # clinics sharing the same limits (most keep the defaults) share one condition
    for pk, limits in _limits(f).items():
        days = (limits.accept_within_days, limits.first_session_within_days, limits.follow_up_within_days)
        same.setdefault(days, (limits, []))[1].append(pk)
    combined = Q(pk__in=[])
    for limits, clinics in same.values():
        combined |= Q(clinic_id__in=clinics) & condition(limits)
    return combined


def late_referrals(f, now):
    """The referrals not accepted, and not seen, within their clinic's limits: two conditions."""
    days = lambda n: timedelta(days=n)  # noqa: E731
    late_accept = _per_clinic(
        f,
        lambda s: (
            Q(accepted_at__gt=F("requested_at") + days(s.accept_within_days))
            | Q(
                accepted_at__isnull=True,
                requested_at__lt=now - days(s.accept_within_days),
                status__in=[Status.REQUESTED, Status.ON_HOLD, Status.DRAFT],
            )
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
    return late_accept, late_session


def breaches(f, now=None):
    """One aggregate per table over all the admin's clinics, each row held to its clinic's limits."""
    if facts.ready(f):
        counts = facts.referral_counts(f, now)["breaches"]  # `now` as the page's other referral tables
    now = now or timezone.now()
    days = lambda n: timedelta(days=n)  # noqa: E731
    if not facts.ready(f):
        late_accept, late_session = late_referrals(f, now)
        counts = referrals(f).aggregate(
            late_accept=Count("pk", filter=late_accept), late_session=Count("pk", filter=late_session)
        )
    unfollowed = (
        (facts.positive_screens(f) if facts.ready(f) else positives(f))
        .filter(
            _per_clinic(
                f,
                lambda s: (
                    Q(reviewed_at__isnull=True, created_at__lt=now - days(s.follow_up_within_days))
                    | Q(reviewed_at__gt=F("created_at") + days(s.follow_up_within_days))
                ),
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
        {"type": "bar", "label": 0, "values": [1]},
    )


def alerts(f, now=None):
    rows = Alert.objects.filter(clinic_id__in=f.clinic_ids, created_at__date__gte=f.start, created_at__date__lte=f.end)
    acknowledged = rows.filter(acknowledged_at__isnull=False)
    minutes = quantiles(acknowledged, "acknowledged_at", "created_at", unit=60.0)
    table_rows = [
        (_("Self-harm alerts"), rows.count()),
        (_("Minutes to acknowledgement, median"), round_or_none(minutes["median"])),
        (_("Minutes to acknowledgement, maximum"), round_or_none(minutes["most"])),
        (_("Still open"), rows.filter(acknowledged_at__isnull=True).count()),
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
    if facts.ready(f):
        annotated = facts.referrals(f).filter(status=Status.COMPLETED, ended_from_screen=True)
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
