"""Referrals and their events, the provider's link, and the decisions taken on a positive screen."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.choices import ChoiceLabels
from common.links import LinkedByCode
from screening.models import Clinic, Mother, Screening
from screening.risk import RiskLevel
from screening.tenancy import ClinicScopedQuerySet, clinic_manager

from .. import pathways
from ..recommend import evidence_for
from .providers import Provider, Urgency


class Status(models.TextChoices):
    """FHIR Task status, as profiled for closed-loop referrals."""

    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected by provider")
    CANCELLED = "cancelled", _("Cancelled")
    ON_HOLD = "on-hold", _("On hold")
    IN_PROGRESS = "in-progress", _("In progress")
    FAILED = "failed", _("Failed")
    COMPLETED = "completed", _("Completed")
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


OPEN_STATUSES = [Status.DRAFT, Status.REQUESTED, Status.ACCEPTED, Status.ON_HOLD, Status.IN_PROGRESS]


class ReferralQuerySet(ClinicScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Referral(LinkedByCode, ChoiceLabels, models.Model):
    url_name = "referral_detail"
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="referrals")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="referrals")
    screening = models.ForeignKey(Screening, models.PROTECT, null=True, blank=True, related_name="referrals")
    pathway = models.CharField(_("pathway"), max_length=32, choices=pathways.choices())
    provider = models.ForeignKey(Provider, models.PROTECT, null=True, blank=True, related_name="referrals")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    was_recommended = models.BooleanField(default=True)
    override_reason = models.CharField(_("reason for choosing another pathway"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_session_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    closing_note = models.TextField(blank=True)
    appointment_on = models.DateField(_("first appointment"), null=True, blank=True)  # proposed or booked
    contact_confirmed_by_provider = models.BooleanField(default=False)  # the provider marked it attended
    # a stalled referral is escalated to the clinician who made it, once per limit it passes
    escalated_accept_at = models.DateTimeField(null=True, blank=True)
    escalated_session_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())  # FHIR meta.lastUpdated

    objects = clinic_manager(ReferralQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="referral_status_valid"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="referral_urgency_valid"),
            models.CheckConstraint(condition=Q(pathway__in=list(pathways.CATALOGUE)), name="referral_pathway_valid"),
            models.CheckConstraint(
                condition=Q(was_recommended=True) | ~Q(override_reason=""), name="referral_override_has_reason"
            ),
        ]
        indexes = [
            # used by the worklist: open referrals of a clinic
            models.Index(
                fields=["clinic", "status"], name="referral_open_by_clinic", condition=Q(status__in=OPEN_STATUSES)
            ),
            # used by the worklist: the newest open referrals, read in index order
            models.Index(
                fields=["clinic", "-requested_at"], name="referral_open_newest", condition=Q(status__in=OPEN_STATUSES)
            ),
            # used by referrals.reports: the period filter
            models.Index(fields=["clinic", "requested_at"], name="referral_clinic_period"),
        ]

    def __str__(self):
        return f"{self.get_pathway_display()} for {self.mother}"

    @property
    def pathway_info(self):
        return pathways.get(self.pathway)

    @property
    def evidence(self):
        """Prevention evidence for counselling after a possible score, treatment evidence otherwise."""
        prevention = self.screening is not None and self.screening.score_level == RiskLevel.POSSIBLE
        return evidence_for(self.pathway_info, prevention)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def limits_passed(self, limits, now=None):
        """The clinic's limits for its urgency this referral has passed while still waiting:
        [("accept", days)] and/or [("session", days)]."""
        now = now or timezone.now()
        accept_days, first_session_days = limits.limits_for(self.urgency)
        passed = []
        if self.requested_at and self.status in OPEN_STATUSES:
            if not self.accepted_at and now > self.requested_at + timedelta(days=accept_days):
                passed.append(("accept", accept_days))
            if not self.first_session_on and now > self.requested_at + timedelta(days=first_session_days):
                passed.append(("session", first_session_days))
        return passed

    def breaches(self, limits, now=None):
        """Time limits this referral has passed while still waiting, in words."""
        words = {
            "accept": lambda n: ngettext("Not accepted within %(n)s day", "Not accepted within %(n)s days", n),
            "session": lambda n: ngettext("No first session within %(n)s day", "No first session within %(n)s days", n),
        }
        return [words[kind](days) % {"n": days} for kind, days in self.limits_passed(limits, now)]

    def next_screening(self):
        """The mother's first screen taken after the day the referral ended (or was requested), never
        the screen it was made from."""
        since = self.ended_at or self.requested_at
        if since is None:
            return None
        day = timezone.localtime(since, self.clinic.zone()).date()
        later = self.mother.screenings.filter(taken_on__gt=day).exclude(pk=self.screening_id)
        return later.order_by("taken_on", "created_at").first()


class ReferralEvent(ChoiceLabels, models.Model):
    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    by_provider = models.BooleanField(default=False)  # through the provider's private link

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["to_status", "at"], name="referral_event_status_time")]

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status}"


class ProviderLink(models.Model):
    """The receiving provider's private link to one referral: a capability like the mother's (a
    192-bit token derived from the nonce and SECRET_KEY, only its hash stored), expiring and
    revocable. The message that carries it holds no health data."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, models.CASCADE, related_name="provider_links")
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Provider link for referral {self.referral_id}"

    def is_open(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class DecisionKind(models.TextChoices):
    REFERRED = "referred", _("Referred")
    NO_ACTION_NEEDED = "no_action", _("No referral needed, clinical judgement")
    ALREADY_IN_CARE = "in_care", _("Already in care elsewhere")
    DECLINED = "declined", _("Mother declined")
    COULD_NOT_CONTACT = "no_contact", _("Could not contact the mother")
    RESCREEN = "rescreen", _("Rescreen before deciding")
    DEFERRED = "deferred", _("Next check later than her deadline, clinical judgement")


class Decision(ChoiceLabels, models.Model):
    """What a clinician decided about a mother at risk or one of her screens. Decisions are history:
    a new one is added beside the earlier ones, never written over them."""

    mother = models.ForeignKey(Mother, models.PROTECT, related_name="decisions")
    screening = models.ForeignKey(Screening, models.PROTECT, null=True, blank=True, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=12, choices=DecisionKind.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    objects = clinic_manager(clinic="mother__clinic")

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=DecisionKind.values), name="decision_kind_valid")]
        indexes = [models.Index(fields=["mother", "decided_at"], name="decision_mother_history")]

    def __str__(self):
        return self.get_kind_display()
