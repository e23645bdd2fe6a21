"""Report facts on PostgreSQL: the cascade's journey per positive screen, the HEDIS measures per
delivery and CMS82 per child, stored one row per unit so a network-wide report reads rows instead
of re-deriving every unit (seconds at 1,000,000 screenings).

Kept exact, not eventually right: triggers on every table a fact is derived from mark the mother
stale in the same transaction as the change (`triggers.FACTS`), and every report first recomputes
the stale mothers, with the very annotations the direct computation uses (`fresh`). Celery beat
recomputes them every minute too, so a report rarely has more than a handful to do. A stale mark taken by a
recompute is locked by it; a writer marking her again waits and leaves her stale for the next one.

SQLite (the embedded demo) computes every report directly."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q

from screening.models import Infant, Pregnancy, Screening

from ..models import Referral
from . import activity, cascade, funnel, measures
from .base import POSITIVE_SCREEN, span, stored_in_use
from .models import ChildFact, DeliveryFact, JourneyFact, ReferralFact, StaleMother

BATCH = 2000
INLINE_LIMIT = 5000  # stale mothers a report recomputes before reading; beyond, it computes directly
FACT_FIELDS = ["depression", *funnel.REFERRAL_STEPS, *cascade.FIELDS, *cascade.REMISSIONS]


# Recompute -------------------------------------------------------------------------------------


def _journeys(mother_ids):
    rows = (
        Screening.objects.filter(POSITIVE_SCREEN, mother_id__in=mother_ids)
        .annotate(
            depression=ExpressionWrapper(cascade.DEPRESSION_POSITIVE, output_field=BooleanField()),
            **cascade.steps(),
            **funnel.referral_steps(),
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
    """Her facts from scratch, for each of these mothers, and the funnel's months they count in (in
    the caller's transaction)."""
    months = funnel.months_of(mother_ids)
    for model in (JourneyFact, ReferralFact, DeliveryFact, ChildFact):
        model.objects.filter(mother_id__in=mother_ids).delete()
    journeys = JourneyFact.objects.bulk_create(_journeys(mother_ids))
    ReferralFact.objects.bulk_create(_referrals(mother_ids))
    DeliveryFact.objects.bulk_create(_deliveries(mother_ids))
    ChildFact.objects.bulk_create(_children(mother_ids))
    funnel.recount(months | {(j.clinic_id, j.taken_on.replace(day=1)) for j in journeys})


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


def fresh():
    """Whether a report may read the facts: on PostgreSQL, once the stale mothers are recomputed,
    if there are at most INLINE_LIMIT of them. After a bulk change beat has not caught up with, the
    report computes directly instead (as exact, only slower) rather than wait for thousands."""
    if not stored_in_use() or StaleMother.objects.count() > INLINE_LIMIT:
        return False
    refresh()
    return True
