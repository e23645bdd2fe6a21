"""The stored report tables: facts per unit and monthly rollups, rebuilt from the records (see facts.py
and rollups.py), read by the reports on PostgreSQL."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Report facts -----------------------------------------------------------------------------------
# What the cascade and the quality measures need, one row per unit, recomputed per mother whenever
# her records change (PostgreSQL triggers mark her stale; see referrals/reports/facts.py). On
# PostgreSQL the reports read these instead of re-deriving every unit at network scale; SQLite
# computes directly. Plain ids, not foreign keys: facts are rebuilt, never edited.


class StaleMother(models.Model):
    """A mother whose report facts must be recomputed before the next report reads them."""

    mother_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"StaleMother {self.mother_id}"


class JourneyFact(models.Model):
    """A positive screen: the funnel's steps through the referrals made from it, and for a
    depression screen the cascade's steps after it (each step's first date)."""

    screening_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()
    taken_on = models.DateField()
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True)
    depression = models.BooleanField()  # a positive depression screen: the cascade counts these
    # for the cascade's "first in the period": her previous positive depression screen's date, and
    # whether all of hers are at one clinic (then that date alone decides; else the report sorts)
    earlier_on = models.DateField(null=True)
    one_clinic = models.BooleanField(default=True)
    referred = models.BooleanField()
    accepted = models.BooleanField()
    first_session = models.BooleanField()
    completed = models.BooleanField()
    preferred_language = models.CharField(max_length=10)
    age = models.IntegerField(null=True)
    referred_at = models.DateTimeField(null=True)
    contact_on = models.DateField(null=True)
    provider_contact_on = models.DateField(null=True)  # a first session the provider confirmed by link
    completed_at = models.DateTimeField(null=True)
    remission_3 = models.DateField(null=True)
    remission_6 = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic_id", "taken_on"], name="journeyfact_period"),
            # the cascade's few mothers screened at more than one clinic, found without reading the rest
            models.Index(fields=["clinic_id", "taken_on"], condition=Q(one_clinic=False), name="journeyfact_several"),
        ]

    def __str__(self):
        return f"JourneyFact {self.screening_id}"


class JourneyMonth(models.Model):
    """The funnel's positive screens per clinic, month, language and age group, counted at each
    step: summed from the journey facts in the same transaction that recomputes them
    (`funnel.recount`), so a report reads a few thousand rows for its whole months instead of
    every positive screen."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()  # its first day
    preferred_language = models.CharField(max_length=10)
    age_group = models.CharField(max_length=20)
    positive = models.IntegerField()
    decided = models.IntegerField()
    referred = models.IntegerField()
    accepted = models.IntegerField()
    first_session = models.IntegerField()
    completed = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "month"], name="journeymonth_period")]

    def __str__(self):
        return f"JourneyMonth {self.clinic_id} {self.month}"


class ReferralFact(models.Model):
    """A referral and its timings: from the screen that led to it to the referral and to the first
    session, and the change in score after it ended."""

    referral_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=20)
    pathway = models.CharField(max_length=40)
    provider_id = models.BigIntegerField(null=True)
    accepted_at = models.DateTimeField(null=True)
    first_session_on = models.DateField(null=True)
    days_to_referral = models.FloatField(null=True)  # from the screen's entry
    days_to_session = models.FloatField(null=True)  # from the screen's date
    ended_from_screen = models.BooleanField()  # led to by a screen, and ended: the outcomes count these
    change_short = models.IntegerField(null=True)  # first same-instrument screen within 3 months of the end
    change_later = models.IntegerField(null=True)  # last one 3 months or more after

    class Meta:
        indexes = [
            models.Index(fields=["clinic_id", "requested_at"], name="referralfact_period"),
            # the outcomes table's third of them, found without reading the rest
            models.Index(
                fields=["clinic_id", "requested_at"],
                condition=Q(status="completed", ended_from_screen=True),
                name="referralfact_outcomes",
            ),
        ]

    def __str__(self):
        return f"ReferralFact {self.referral_id}"


class DeliveryFact(models.Model):
    """A delivery and what HEDIS PDS-E and PND-E ask of it."""

    pregnancy_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()
    delivery_date = models.DateField()
    mother_died = models.BooleanField()
    pds_screened = models.BooleanField()
    pds_first_positive_on = models.DateField(null=True)
    pds_followed_up = models.BooleanField()
    pnd_screened = models.BooleanField()
    pnd_first_positive_on = models.DateField(null=True)
    pnd_followed_up = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "delivery_date"], name="deliveryfact_period")]

    def __str__(self):
        return f"DeliveryFact {self.pregnancy_id}"


class ChildFact(models.Model):
    """A child and what CMS82 asks: was the mother screened in the child's first 6 months."""

    infant_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()  # the mother's clinic
    date_of_birth = models.DateField()
    died_before_six_months = models.BooleanField()
    mother_screened = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "date_of_birth"], name="childfact_period")]

    def __str__(self):
        return f"ChildFact {self.infant_id}"


# Monthly rollups: each clinic's screenings and coverage by calendar month, recomputed for the
# (clinic, month) pairs triggers mark stale (referrals/reports/rollups.py).


class StaleMonth(models.Model):
    """A clinic's month whose rollups must be recomputed before the next report reads them. Marks are
    only ever added, one per changing statement, never updated: every write to a clinic's screenings
    or follow-ups marks the same month, and an upsert held that one row locked until each writer
    committed, so a clinic's writers queued behind each other and two of them could deadlock."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()  # its first day
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["month"], name="stalemonth_month")]

    def __str__(self):
        return f"StaleMonth {self.clinic_id} {self.month}"


class ScreeningMonth(models.Model):
    """How many screenings a clinic took in a month, per instrument, risk level and anxiety flag."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()
    instrument_code = models.CharField(max_length=16)
    risk_level = models.CharField(max_length=20)
    anxiety_flag = models.BooleanField()
    screenings = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "month"], name="screeningmonth_period")]

    def __str__(self):
        return f"ScreeningMonth {self.clinic_id} {self.month}"


class CoverageMonth(models.Model):
    """How many mothers a clinic had due and screened in a month (each mother once per clinic)."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()
    mothers_due = models.IntegerField()
    mothers_screened = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic_id", "month"], name="coveragemonth_once")]

    def __str__(self):
        return f"CoverageMonth {self.clinic_id} {self.month}"


class SharedMonth(models.Model):
    """A mother due, or screened, at more than one clinic in the same month: counted once across
    those clinics, so the per-clinic counts above can be summed for any set of clinics exactly."""

    month = models.DateField(db_index=True)
    mother_id = models.BigIntegerField()
    screened = models.BooleanField()  # else due
    clinic_ids = models.JSONField()

    def __str__(self):
        return f"SharedMonth {self.mother_id} {self.month}"
