"""A mother's private link to a questionnaire, from sent to completed, expired or cancelled."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels

from .. import instruments
from ..tenancy import ClinicScopedQuerySet, clinic_manager
from .clinics import Clinic
from .mothers import Mother
from .screenings import Screening, TranslationPack


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Answers received")  # accepted; a worker scores them (screening.submissions)
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_INVITATION = [InvitationStatus.SENT, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS]


class InvitationQuerySet(ClinicScopedQuerySet):
    def usable(self, now):
        return self.filter(status__in=OPEN_INVITATION, expires_at__gt=now)


class Invitation(ChoiceLabels, models.Model):
    """A mother's private link to one questionnaire (design rule 6). The token is never stored:
    only its hash, and the nonce from which the server re-derives it with its secret key."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="invitations")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="invitations")
    instrument_code = models.CharField(max_length=16)
    instrument_version = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=32)
    status = models.CharField(max_length=12, choices=InvitationStatus.choices, default=InvitationStatus.SENT)
    channels = models.JSONField(default=list)
    tablet = models.BooleanField(default=False)
    draft = models.JSONField(default=dict)  # item number (as text) -> option position
    draft_history = models.JSONField(default=list)  # every change to a saved answer: item, from, to, at
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    # a link-only invitation reaches her only once staff have handed it over (shown it to copy or scan)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # What she sent with her answers, kept for the worker that scores them (screening.submissions).
    submitted_at = models.DateTimeField(null=True, blank=True)
    answered_language = models.CharField(max_length=8, blank=True)
    answered_translation = models.ForeignKey(TranslationPack, models.PROTECT, null=True, blank=True, related_name="+")
    functional_difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    screening = models.OneToOneField(Screening, models.PROTECT, null=True, blank=True, related_name="invitation")

    objects = clinic_manager(InvitationQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=InvitationStatus.COMPLETED) | Q(screening__isnull=False),
                name="invitation_completed_has_screening",
            ),
            # Tablet hand-overs are short-lived and made in the room, beside any link she was sent.
            models.UniqueConstraint(
                fields=["mother", "instrument_code"],
                condition=Q(status__in=OPEN_INVITATION, tablet=False),
                name="invitation_one_open_per_instrument",
            ),
        ]
        indexes = [
            models.Index(
                fields=["submitted_at"], name="invitation_submitted", condition=Q(status=InvitationStatus.SUBMITTED)
            )
        ]

    def __str__(self):
        return f"{self.instrument_code} invitation for {self.mother}"

    @property
    def instrument(self):
        return instruments.get(self.instrument_code, self.instrument_version)

    def state(self, now=None):
        """The status staff see: an open invitation past its expiry is expired."""
        if self.status in OPEN_INVITATION and self.expires_at <= (now or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus(self.status)

    def answers_so_far(self):
        return {int(k): v for k, v in self.draft.items()}

    def answers_in_order(self):
        """The saved answers as the questionnaire lists its items, None where one is missing."""
        answers = self.answers_so_far()
        return [answers.get(item.number) for item in self.instrument.items]

    @property
    def alert_raised(self):
        """Whether a clinician has been alerted to this form's self-harm answer (the referrals app
        adds the `alert` relation)."""
        return hasattr(self, "alert")

    def self_harm_answered(self):
        """Whether the saved answers so far include a self-harm answer above zero."""
        number = self.instrument.self_harm_item
        position = self.answers_so_far().get(number) if number else None
        return position is not None and self.instrument.items[number - 1].options[position].score > 0
