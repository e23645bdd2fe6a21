"""How soon referrals follow a positive screen, and the time limits each clinic sets: the referral
figures read once per report."""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import (
    Count,
    F,
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Provider, ReferralSettings, Status
from .base import (
    Table,
    by_name,
    positives,
    quantiles,
    referrals,
    round_or_none,
    spreads,
    stored_positives,
    stored_referrals,
)


def timeliness(f, now=None):
    if f.facts:
        both = spreads(stored_referrals(f), referral="days_to_referral", session="days_to_session")
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


def referral_counts(f, now=None):
    """The referral tables' counts from one read of the period's referral facts, grouped by
    pathway, provider and status: {"pathway": rows, "provider": rows, "status": {status: n},
    "breaches": {...}}, the rows as the direct queries give them. Once per report (and `now`)."""
    cached = f.__dict__.get("referral_counts")
    if cached and (now is None or cached[0] == now):
        return cached[1]
    now = now or timezone.now()
    late_accept, late_session = late_referrals(f, now)
    steps = ["referred", "accepted", "first_session", "completed"]
    rows = list(
        stored_referrals(f)
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
            {"provider__name": name, **{s: counts[s] for s in steps}} for name, counts in by_name(by_provider, Provider)
        ],
        "status": dict(by_status),
        "breaches": {key: sum(r[key] for r in rows) for key in ("late_accept", "late_session")},
    }
    f.__dict__["referral_counts"] = (now, result)
    return result


def breaches(f, now=None):
    """One aggregate per table over all the admin's clinics, each row held to its clinic's limits."""
    if f.facts:
        counts = referral_counts(f, now)["breaches"]  # `now` as the page's other referral tables
    now = now or timezone.now()
    days = lambda n: timedelta(days=n)  # noqa: E731
    if not f.facts:
        late_accept, late_session = late_referrals(f, now)
        counts = referrals(f).aggregate(
            late_accept=Count("pk", filter=late_accept), late_session=Count("pk", filter=late_session)
        )
    unfollowed = (
        (stored_positives(f) if f.facts else positives(f))
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
