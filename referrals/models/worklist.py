"""The clinician's worklist, stored (issue 32): one row per mother who is on it or could come onto it
with time, kept by referrals.worklist_store from the rule in referrals.worklist."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from screening.models import Clinic, Mother
from screening.tenancy import clinic_manager

SECTION_FIELDS = ("alert", "gap", "attention", "screen", "referral", "overdue", "message")


class WorklistEntry(models.Model):
    """Where she stands on her clinic's worklist: the sections she is in, the keys it is ranked by,
    the lines shown beside her, and when time alone may next change it (a deadline, a referral
    limit, a follow-up's window)."""

    mother = models.OneToOneField(Mother, models.CASCADE, primary_key=True, related_name="worklist_entry")
    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="+")
    listed = models.BooleanField()  # in any section
    alert = models.BooleanField(default=False)
    gap = models.BooleanField(default=False)
    attention = models.BooleanField(default=False)
    screen = models.BooleanField(default=False)
    referral = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False)
    message = models.BooleanField(default=False)
    risk = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=8, blank=True)
    rank = models.PositiveSmallIntegerField(default=0)
    waiting_since = models.DateTimeField(null=True)
    recheck_at = models.DateTimeField(null=True)
    lines = models.JSONField(default=dict)  # the rows behind her reasons, as shown (referrals.worklist.reasons)

    objects = clinic_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "rank", "waiting_since", "mother"], name="worklist_order", condition=Q(listed=True)
            ),
            models.Index(fields=["clinic", "recheck_at"], name="worklist_recheck"),
        ]

    def __str__(self):
        return f"WorklistEntry {self.mother_id}"

    @property
    def sections(self):
        return frozenset(name for name in SECTION_FIELDS if getattr(self, name))


class WorklistStale(models.Model):
    """A mother whose entry in a clinic's worklist must be recomputed: marked by database triggers in
    the transaction of any change to a row her entry is derived from (referrals.worklist_triggers).
    A mother who moved is marked in both clinics: one drops her, the other takes her. Marks repeat
    (one per changing statement, never an upsert that would make a writer wait for another)."""

    mother = models.ForeignKey(Mother, models.DO_NOTHING, related_name="+", db_constraint=False)
    clinic = models.ForeignKey(Clinic, models.DO_NOTHING, related_name="+", db_constraint=False)
    marked_at = models.DateTimeField(default=timezone.now)

    objects = clinic_manager()

    def __str__(self):
        return f"WorklistStale {self.mother_id}"
