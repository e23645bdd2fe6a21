"""Screenings, the crisis lines shown after one, and installed translation packs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels
from common.links import LinkedByCode

from .. import instruments
from ..risk import POSITIVE_LEVELS, Context, RiskLevel, Thresholds, assess
from ..tenancy import ClinicScopedQuerySet, clinic_manager
from .clinics import Clinic
from .mothers import Language, Mother


class CrisisResource(ChoiceLabels, models.Model):
    """A clinic's own line, per language, shown after the national ones (screening.crisis)."""

    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="crisis_resources")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    name = models.CharField(_("name"), max_length=120)
    contact = models.CharField(_("how to reach it"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    call = models.CharField(_("number to call"), max_length=20, blank=True)
    text = models.CharField(_("number to text"), max_length=20, blank=True)
    always_open = models.BooleanField(_("answers at any hour"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = clinic_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.language})"


class Method(models.TextChoices):
    IN_PERSON = "in_person", _("In person, entered by staff")
    PAPER = "paper", _("Transcribed from paper")
    ONLINE = "online", _("Completed online by the mother")


class TranslationPack(models.Model):
    """A validated translation of a questionnaire, installed by `manage.py install_translation` from
    a file the clinic holds a licence for (screening.instruments.translations). The newest pack of an
    instrument and language is the one mothers see; older ones stay for the screenings taken in them."""

    instrument_code = models.CharField(max_length=16)
    instrument_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    citation = models.TextField()
    licence = models.TextField()
    installed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_code", "instrument_version", "language", "sha256"], name="translation_pack_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["instrument_code", "instrument_version", "language", "-installed_at"],
                name="translation_pack_newest",
            )
        ]

    def __str__(self):
        return f"{self.instrument_code}/{self.instrument_version} {self.language} ({self.sha256[:12]})"


class ScreeningQuerySet(ClinicScopedQuerySet):
    def positive(self):
        return self.filter(Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True))

    def self_harm(self):
        return self.filter(self_harm=True)

    def awaiting_review(self):
        return self.filter(reviewed_at__isnull=True)


class Screening(LinkedByCode, ChoiceLabels, models.Model):
    """One completed questionnaire with its raw answers and the results computed from them."""

    url_name = "screening_detail"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="screenings")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="screenings")
    instrument_code = models.CharField(max_length=16)
    instrument_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8, default="en")  # the language of the questions she answered
    translation = models.ForeignKey(TranslationPack, models.PROTECT, null=True, blank=True, related_name="+")
    answers = models.JSONField()
    functional_difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField()
    subscales = models.JSONField(default=dict, blank=True)
    self_harm = models.BooleanField()
    band = models.CharField(max_length=64)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    anxiety_flag = models.BooleanField(default=False)
    context = models.CharField(max_length=10, choices=Context.choices)
    thresholds = models.JSONField()
    taken_on = models.DateField(_("date taken"))
    method = models.CharField(_("how it was taken"), max_length=10, choices=Method.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())  # FHIR meta.lastUpdated
    reviewed_at = models.DateTimeField(null=True, blank=True)  # a clinician decided what to do
    # The one-time token of the staff form that entered it: a double click or a replayed post finds
    # the screening already stored instead of storing it (and its alert) twice.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = clinic_manager(ScreeningQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(total__lte=30), name="screening_total_in_range"),
            models.CheckConstraint(condition=Q(risk_level__in=RiskLevel.values), name="screening_risk_level_valid"),
            models.CheckConstraint(condition=Q(context__in=Context.values), name="screening_context_valid"),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="screening_method_valid"),
            models.CheckConstraint(
                condition=Q(functional_difficulty__isnull=True) | Q(functional_difficulty__lte=3),
                name="screening_difficulty_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["mother", "taken_on"], name="screening_mother_timeline"),
            # her latest screen's risk, read from the index alone when a screening copies it to her row
            models.Index(
                fields=["mother", "-taken_on", "-created_at"],
                include=["risk_level", "clinic"],
                name="screening_mother_latest",
            ),
            models.Index(fields=["clinic", "-created_at"], name="screening_recent_in_clinic"),
            # used by referrals.reports: the period filter, and the score after a referral
            # (covering on PostgreSQL: the counts by instrument, level and mother read the index alone)
            models.Index(
                fields=["clinic", "taken_on"],
                name="screening_clinic_period",
                include=["mother", "instrument_code", "risk_level", "anxiety_flag"],
            ),
            # used by the worklist and home page: positive screens nobody has decided on yet, newest
            # first; negative screens are never reviewed, so they stay out of the index
            models.Index(
                fields=["clinic", "-created_at"],
                name="screening_awaiting_review",
                condition=Q(reviewed_at__isnull=True) & (Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True)),
            ),
            models.Index(fields=["mother", "instrument_code", "created_at"], name="screening_mother_instrument"),
        ]

    def __str__(self):
        return f"{self.instrument_code} on {self.taken_on}"

    @property
    def language_name(self):
        return dict(Language.choices).get(self.language, self.language)

    @property
    def instrument(self):
        return instruments.get(self.instrument_code, self.instrument_version)

    def rescore(self):
        result = self.instrument.score(self.answers)
        return result, assess(result, Thresholds.from_dict(self.thresholds))

    @property
    def risk(self):
        return self.rescore()[1]

    @property
    def score_level(self):
        """The level the total alone grades. Only a self-harm answer (urgent whatever the total) makes
        it differ from the stored risk level, so only then is the screening graded again."""
        return self.risk.score_level if self.self_harm else self.risk_level

    @property
    def is_positive(self):
        return self.risk_level in POSITIVE_LEVELS or self.anxiety_flag

    def weeks_since_delivery(self):
        return self.mother.weeks_since_delivery(self.taken_on)

    def weeks_pregnant(self):
        return self.mother.weeks_pregnant(self.taken_on)

    def infant_ages(self):
        return [
            (infant, infant.age_on(self.taken_on))
            for infant in self.mother.infants.all()
            if infant.date_of_birth <= self.taken_on
        ]
