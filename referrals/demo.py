"""Demo providers and referrals at several stages, on top of screening's demo data."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from screening.models import Clinic, Mother, Role, Screening

from . import followups, services
from .models import Provider, Referral, ReferralSettings, Status

PROVIDERS = [
    ("Little Steps Dyadic Therapy", ["mip", "cbt"], ["en", "es"], 3),
    ("Harbor Perinatal Psychiatry", ["psychiatric_evaluation", "same_day_assessment"], ["en"], 1),
    ("Mamá Contigo Counselling", ["cbt", "ipt", "psychoeducation"], ["es", "en"], 2),
    ("Calm Beginnings Anxiety Clinic", ["anxiety_assessment", "cbt"], ["en"], 4),
]
# Where each demo referral stops: every stage of the lifecycle appears.
STAGES = [
    [],
    [Status.ACCEPTED],
    [Status.ACCEPTED, Status.IN_PROGRESS],
    [Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED],
    [Status.REJECTED],
]


@transaction.atomic
def load():
    for clinic in Clinic.objects.all():
        # The demo sends at any hour, so that `make run` shows invitations going out whenever it starts.
        ReferralSettings.objects.get_or_create(clinic=clinic, defaults={"send_from_hour": 0, "send_until_hour": 24})
        for name, pathways, languages, wait in PROVIDERS:
            Provider.objects.get_or_create(
                clinic=clinic,
                name=name,
                defaults={
                    "pathways": pathways,
                    "languages": languages,
                    "typical_wait_weeks": wait,
                    "contact": "555-0100",
                },
            )
        if Referral.objects.filter(clinic=clinic).exists():
            continue
        clinician = clinic.memberships.get(role=Role.CLINICIAN).user
        recent = clinic.today() - timedelta(days=7)
        positives = Screening.objects.filter(
            clinic=clinic, risk_level__in=["probable", "high"], taken_on__gte=recent
        ).order_by("pk")
        for screening, stages in zip(positives, STAGES, strict=False):
            refer(screening, clinician, stages)
        follow_up_earlier_positives(clinic, clinician)
        services.settle_unsettled(limit=None)  # as the worker does after each screening commits
        for mother in Mother.objects.filter(clinic=clinic):
            followups.recompute(mother)


def follow_up_earlier_positives(clinic, clinician):
    """Positive screens from a month or more ago were followed up at the time: referred two days
    after, seen twelve days after (what the quality measures and time-to-referral count)."""
    month_ago = clinic.today() - timedelta(days=31)
    earlier = Screening.objects.filter(clinic=clinic, risk_level__in=["probable", "high"], taken_on__lte=month_ago)
    for screening in earlier.filter(referrals__isnull=True).order_by("taken_on"):
        seen_on = screening.taken_on + timedelta(days=12)
        referral = refer(screening, clinician, [Status.ACCEPTED, Status.IN_PROGRESS], first_session_on=seen_on)
        requested = timezone.make_aware(
            datetime.combine(screening.taken_on + timedelta(days=2), time(11)), clinic.zone()
        )
        accepted = requested + timedelta(days=2)
        Referral.objects.filter(pk=referral.pk).update(requested_at=requested, accepted_at=accepted)
        Screening.objects.filter(pk=screening.pk).update(reviewed_at=requested)


def refer(screening, clinician, stages, first_session_on=None):
    recommended = services.recommendations_for(screening)
    pathway = recommended[0].code
    provider = next((p for p in Provider.objects.filter(clinic=screening.clinic) if pathway in p.pathways), None)
    referral = services.create_referral(
        mother=screening.mother, screening=screening, pathway=pathway, provider=provider, actor=clinician
    )
    for status in stages:
        extra = {"sessions_attended": 8, "closing_note": "Finished the course."} if status == Status.COMPLETED else {}
        reason = "Provider has no capacity this month" if status == Status.REJECTED else ""
        services.transition(
            referral, status, actor=clinician, reason=reason, first_session_on=first_session_on, **extra
        )
    return referral
