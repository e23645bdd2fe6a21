"""The outbox: every message the app sends, written in its event's transaction, sent after commit."""

import functools
import operator

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels

from ..tenancy import ClinicScopedQuerySet, clinic_manager
from .clinics import Clinic
from .invitations import OPEN_INVITATION, Invitation
from .mothers import Mother


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not needed")


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Her link")
    ALERT = "alert", _("Self-harm alert")
    ESCALATION = "escalation", _("Alert escalation")
    STALLED = "stalled", _("Stalled referral")
    PROVIDER_LINK = "provider", _("Provider's link")
    PASSWORD_RESET = "password", _("Password link")


# each kind of message names what it is about, and only that
SUBJECT = {
    MessageKind.INVITATION: "invitation",
    MessageKind.ALERT: "alert",
    MessageKind.ESCALATION: "alert",
    MessageKind.STALLED: "referral",
    MessageKind.PROVIDER_LINK: "provider_link",
    MessageKind.PASSWORD_RESET: "user",
}


class DeliveryQuerySet(ClinicScopedQuerySet):
    def due(self, now):
        """Pending sends that may go now: new ones, and failed tries whose back-off has passed."""
        return self.filter(status=DeliveryStatus.PENDING).filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))

    def problems(self):
        """Messages staff should know about: failed for good, or failing and being retried."""
        waiting = [DeliveryStatus.PENDING, DeliveryStatus.FAILED]
        return self.filter(status__in=waiting).exclude(last_error="").select_related("invitation", "handled_by")

    def call_her(self):
        """Messages to or about a mother that failed for good and that no one has dealt with: she is
        on the worklist until someone calls her (or what the message was for has ended)."""
        live = Q(invitation__isnull=True) | Q(invitation__status__in=OPEN_INVITATION)
        return self.filter(live, status=DeliveryStatus.FAILED, mother__isnull=False, handled_at__isnull=True)


class Delivery(ChoiceLabels, models.Model):
    """One outbound message (design rule 16's outbox): written in the transaction of the event that
    causes it, sent after commit by screening.outbox, retried alone with back-off, and marked sent
    only once the server took it. For her link: the first message (reminder 0) or reminder N, by
    email or by text; for an alert: the first message (0) or escalation N."""

    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.INVITATION)
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="deliveries")
    mother = models.ForeignKey(Mother, models.CASCADE, null=True, blank=True, related_name="deliveries")
    invitation = models.ForeignKey(Invitation, models.CASCADE, null=True, blank=True, related_name="deliveries")
    alert = models.ForeignKey("referrals.Alert", models.CASCADE, null=True, blank=True, related_name="deliveries")
    referral = models.ForeignKey("referrals.Referral", models.CASCADE, null=True, blank=True, related_name="deliveries")
    provider_link = models.ForeignKey(
        "referrals.ProviderLink", models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=8, default="email")
    reminder = models.PositiveSmallIntegerField(default=0)  # 0 is the first message; N is reminder or escalation N
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=300, blank=True)  # staff and providers only; never her address
    handled_at = models.DateTimeField(null=True, blank=True)  # a failed message someone dealt with
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    objects = clinic_manager(DeliveryQuerySet)

    class Meta:
        ordering = ["reminder", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "reminder", "channel"], name="delivery_once_per_message"),
            models.UniqueConstraint(
                fields=["alert", "kind", "reminder"], condition=Q(alert__isnull=False), name="delivery_once_per_alert"
            ),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(
                condition=functools.reduce(
                    operator.or_,
                    (Q(kind=kind, **{f"{field}__isnull": False}) for kind, field in SUBJECT.items()),
                ),
                name="delivery_names_its_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["next_try_at"], condition=Q(status="pending"), name="delivery_pending"),
            models.Index(
                fields=["clinic"], condition=Q(status="failed", handled_at__isnull=True), name="delivery_failed"
            ),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.get_channel_display()} {self.describe()}"

    def get_channel_display(self):
        return {"email": _("Email"), "sms": _("Text message")}.get(self.channel, self.channel)

    def describe(self):
        if self.kind == MessageKind.ESCALATION:
            return _("escalation %(number)s") % {"number": self.reminder}
        if self.kind != MessageKind.INVITATION:
            return self.get_kind_display().lower()
        if self.reminder:
            return _("reminder %(number)s") % {"number": self.reminder}
        return _("invitation")
