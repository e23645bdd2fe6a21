"""Demo data for `make run`: two clinics, their staff, about 30 mothers each, every risk level."""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import instruments
from .models import Clinic, Infant, Membership, Method, Mother, Role, Screening
from .services import record_screening

PASSWORD = "demo-pass-2026"
CLINICS = [
    ("Riverside Family Clinic", ["admin", "clinician", "frontdesk"]),
    ("Hillview Women's Health", ["admin2", "clinician2", "frontdesk2"]),
]
ROLES = [Role.CLINIC_ADMIN, Role.CLINICIAN, Role.FRONT_DESK]
GIVEN = [
    "Ana",
    "Beth",
    "Carmen",
    "Dana",
    "Elena",
    "Fatima",
    "Grace",
    "Hana",
    "Isabel",
    "Jade",
    "Keisha",
    "Lucia",
    "Maya",
    "Nora",
    "Olivia",
    "Paula",
    "Rosa",
    "Sara",
    "Tara",
    "Valeria",
]
FAMILY = [
    "Garcia",
    "Smith",
    "Nguyen",
    "Johnson",
    "Martinez",
    "Brown",
    "Lopez",
    "Davis",
    "Kim",
    "Wilson",
    "Hernandez",
    "Moore",
    "Perez",
    "Taylor",
    "Rivera",
]

# Answers (positions in printed order) that land on each risk level for the EPDS.
EPDS_EXAMPLES = {
    "low": [0, 0, 3, 0, 3, 3, 3, 3, 3, 3],
    "possible": [1, 1, 1, 1, 2, 2, 2, 1, 3, 3],
    "probable": [1, 1, 1, 2, 1, 1, 2, 2, 2, 3],
    "high": [2, 2, 0, 2, 1, 1, 1, 1, 2, 3],
    "urgent": [1, 1, 1, 2, 2, 2, 2, 2, 2, 2],
}


def users_and_clinics():
    User = get_user_model()
    if not User.objects.filter(username="root").exists():
        User.objects.create_superuser("root", "root@example.org", PASSWORD)
    clinics = []
    for name, usernames in CLINICS:
        clinic, _ = Clinic.objects.get_or_create(name=name)
        for username, role in zip(usernames, ROLES, strict=True):
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username, f"{username}@example.org", PASSWORD, first_name=username.rstrip("2").title()
                )
            Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})
        clinics.append(clinic)
    return clinics


def mothers(clinic, rng, count=30):
    staff = clinic.memberships.get(role=Role.FRONT_DESK).user
    today = clinic.today()
    for n in range(count):
        record = f"{clinic.pk:02d}-{1000 + n}"
        if Mother.objects.filter(clinic=clinic, record_number=record).exists():
            continue
        pregnant = n % 3 == 0
        delivered = today - timedelta(days=rng.randint(5, 300))
        mother = Mother.objects.create(
            clinic=clinic,
            record_number=record,
            created_by=staff,
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=today - timedelta(days=365 * rng.randint(17, 42) + rng.randint(0, 364)),
            preferred_language="es" if n % 4 == 1 else "en",
            email=f"mother{clinic.pk}-{n}@example.org",
            email_consent=n % 5 != 0,
            phone=f"+1555{clinic.pk:03d}{n:04d}",
            sms_consent=n % 2 == 0,
            due_date=today + timedelta(days=rng.randint(10, 200)) if pregnant else delivered,
            delivery_date=None if pregnant else delivered,
        )
        if not pregnant:
            Infant.objects.create(mother=mother, date_of_birth=delivered, given_name=rng.choice(GIVEN))
        screen(mother, n, rng, staff, today)


def screen(mother, n, rng, staff, today):
    """Her screens as a clinic's records would hold them: most mothers screened once in pregnancy
    and once after the birth, some of those positive (and followed up: referrals.demo), and
    everyone's latest screen in the last few days."""
    level = list(EPDS_EXAMPLES)[n % len(EPDS_EXAMPLES)]
    start = mother.delivery_date or today - timedelta(days=60)
    days = max((today - start).days, 1)
    if mother.delivery_date and n % 4 != 3:  # screened in pregnancy, as PND-E asks
        record_screening(
            mother=mother,
            instrument=instruments.EPDS,
            answers=EPDS_EXAMPLES["probable" if n % 5 == 2 else "low"],
            taken_on=mother.delivery_date - timedelta(days=rng.randint(30, 150)),
            method=Method.PAPER,
            entered_by=staff,
        )
    earlier = start + timedelta(days=min(days // 2, 30))
    if earlier < today - timedelta(days=1) and n % 2:
        record_screening(
            mother=mother,
            instrument=instruments.EPDS,
            answers=EPDS_EXAMPLES["probable" if n % 10 in (1, 7) else "low"],
            taken_on=earlier,
            method=Method.PAPER,
            entered_by=staff,
        )
    record_screening(
        mother=mother,
        instrument=instruments.EPDS,
        answers=EPDS_EXAMPLES[level],
        taken_on=today - timedelta(days=rng.randint(0, 3)),
        method=Method.IN_PERSON,
        entered_by=staff,
    )
    if n % 6 == 5:
        record_screening(
            mother=mother,
            instrument=instruments.PHQ9,
            answers=[rng.randint(0, 3) for _ in range(8)] + [0],
            taken_on=today,
            method=Method.IN_PERSON,
            entered_by=staff,
        )
    if n % 7 == 3:
        record_screening(
            mother=mother,
            instrument=instruments.GAD7,
            answers=[rng.randint(1, 3) for _ in range(7)],
            taken_on=today,
            method=Method.PAPER,
            entered_by=staff,
        )


def entered_when_taken(clinic):
    """Paper screens from months ago were entered then, not on the day the demo was loaded."""
    for screening in Screening.objects.filter(clinic=clinic, taken_on__lt=clinic.today()):
        entered = timezone.make_aware(datetime.combine(screening.taken_on, time(10)), clinic.zone())
        Screening.objects.filter(pk=screening.pk).update(created_at=entered, updated_at=entered)


@transaction.atomic
def load():
    rng = random.Random(2026)
    for clinic in users_and_clinics():
        if not Mother.objects.filter(clinic=clinic).exists():
            mothers(clinic, rng)
            entered_when_taken(clinic)
