"""Fills PostgreSQL with a network of clinics at realistic scale, fast (COPY), with a progress bar.

    DATABASE_URL=postgres://ppd@127.0.0.1:5432/ppd_bench python -m bench.generate --mothers 100000 --screenings 1000000

Distributions: about 1 in 8 EPDS totals at 10 or more, about 3% of screenings with a self-harm
answer; referrals through every lifecycle stage; follow-ups in every state; an open concern for
every mother whose latest screen is positive and who has no open referral, a decision for some. Answers are real
answer vectors scored by the app's own instruments and risk grading, so results are consistent.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
django.setup()

from django.db import transaction  # noqa: E402

from screening.models import Clinic, Mother  # noqa: E402

from . import concerns, dyads, followups, referrals, screenings, staff  # noqa: E402
from .copying import reset_sequences  # noqa: E402


@transaction.atomic
def generate(clinics, mothers, screening_count, referral_count):
    """The whole network in one transaction, part by part; returns when it started (None if the
    bench data is already there)."""
    if Clinic.objects.filter(name__startswith="Bench clinic").exists():
        print("bench data already loaded")
        return None
    started = time.monotonic()
    clinic_ids, staff_of = staff.clinics_and_staff(clinics)
    dyad_rows = dyads.mothers_and_infants(clinic_ids, mothers, staff_of)
    positive_ids, self_harm_ids = screenings.screenings(dyad_rows, screening_count, staff_of)
    referrals.referrals(positive_ids, referral_count, staff_of)
    screenings.alerts(self_harm_ids, staff_of)
    followups.follow_ups(dyad_rows)
    Mother.objects.refresh_latest_risk()  # what record_screening keeps for each screening it stores
    reset_sequences()
    concerns.concerns(staff_of)  # through the app's code, so after the sequences
    return started
