"""Urgent alert delivery and escalation (design rule 5).

Each send locks its alert row (select_for_update, skip_locked), re-checks that the send is still
due, sends, and records it in the same transaction: two workers or two sweeps cannot both send.
Delivery is at-least-once only in one window: a worker killed after the mail server accepted the
message and before the commit; the sweep then sends it again. A failed send is recorded on the
row (attempts, last error) and retried by the next sweep."""

import logging
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.tasks import enqueue_on_commit
from screening.emails import send
from screening.models import Invitation, InvitationStatus, Mother, Role

from . import concerns
from .deadlines import Why
from .models import Alert, ConcernOpened, ReferralSettings

log = logging.getLogger(__name__)


def _locked(alert_id, **conditions):
    return (
        Alert.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("clinic")
        .filter(pk=alert_id, **conditions)
        .first()
    )


def _emails(clinic, roles):
    return sorted(
        {m.user.email for m in clinic.memberships.select_related("user").filter(role__in=roles) if m.user.email}
    )


def recipients(alert):
    return clinic_recipients(alert.clinic)


def clinic_recipients(clinic, on_call=None):
    on_call = ReferralSettings.for_clinic(clinic).on_call_email if on_call is None else on_call
    return [on_call] if on_call else _emails(clinic, [Role.CLINICIAN, Role.CLINIC_ADMIN])


NO_RECIPIENT = "No one to send it to: set an on-call address or give a clinician an email address."


class NoRecipient(Exception):
    pass


def _send(alert, to, **context):
    if not to:
        raise NoRecipient(NO_RECIPIENT)
    send("alert", to, {"clinic": alert.clinic, "path": reverse("alert_detail", args=[alert.code]), **context})


def raise_alert(mother, *, screening=None, invitation=None, raised_by=None):
    """The urgent alert, in the caller's transaction (with the answer or the clinician's concern that
    raised it); delivery is queued after commit, and the sweep delivers it if the broker loses it."""
    from .tasks import deliver_alert  # tasks import this module

    alert = Alert.objects.create(
        mother=mother, clinic_id=mother.clinic_id, screening=screening, invitation=invitation, raised_by=raised_by
    )
    enqueue_on_commit(deliver_alert, alert.pk)
    because = ConcernOpened.CLINICIAN if raised_by else ConcernOpened.SELF_HARM
    since = screening.taken_on if screening else mother.clinic.today()
    concerns.open_for(mother, because, why=Why.SAFETY, since=since, screening=screening, actor=raised_by)
    return alert


def raise_for_drafts():
    """Forms in progress with a self-harm answer and no alert (saved before alerts were raised on
    save, or by any path that missed it) get their alert now."""
    raised = 0
    waiting = Invitation.objects.filter(status=InvitationStatus.IN_PROGRESS, alert__isnull=True)
    for pk in waiting.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            invitation = Invitation.objects.select_related("mother").get(pk=pk)
            Mother.objects.lock(invitation.mother_id)
            if invitation.self_harm_answered() and not Alert.objects.filter(invitation=invitation).exists():
                raise_alert(invitation.mother, invitation=invitation)
                raised += 1
    return raised


def deliver(alert_id, now=None):
    """Sends one alert to the clinic's on-call address; returns whether it sent."""
    with transaction.atomic():
        alert = _locked(alert_id, delivered_at__isnull=True)
        if alert is None:
            return False
        alert.delivery_attempts += 1
        try:
            _send(alert, recipients(alert), escalation=False)
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried by the sweep
            alert.last_error = str(error)[:300]
            alert.save(update_fields=["delivery_attempts", "last_error"])
            log.warning("alert %s not delivered: %s", alert.pk, error)
            return False
        alert.delivered_at = now or timezone.now()
        alert.last_error = ""
        alert.save(update_fields=["delivery_attempts", "delivered_at", "last_error"])
        return True


def escalation_due_at(alert, minutes):
    return alert.created_at + timedelta(minutes=minutes * (alert.escalations + 1))


def escalate(alert_id, now=None):
    """Escalates an unacknowledged alert to the clinic admins once per interval."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = _locked(alert_id, acknowledged_at__isnull=True)
        if alert is None:
            return False
        minutes = ReferralSettings.for_clinic(alert.clinic).escalate_after_minutes
        if now < escalation_due_at(alert, minutes):
            return False
        admins = _emails(alert.clinic, [Role.CLINIC_ADMIN])
        try:
            _send(alert, admins, escalation=True, minutes=minutes * (alert.escalations + 1))
        except Exception as error:  # noqa: BLE001 - recorded on the alert; the next sweep tries again
            alert.last_error = f"escalation: {error}"[:300]
            alert.save(update_fields=["last_error"])
            log.warning("alert %s not escalated: %s", alert.pk, error)
            return False
        alert.escalations += 1
        alert.last_escalated_at = now
        alert.save(update_fields=["escalations", "last_escalated_at"])
        return True


def sweep(now=None):
    """Delivers what was not delivered (a broker outage) and escalates what is overdue."""
    now = now or timezone.now()
    raise_for_drafts()
    undelivered = Alert.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True)
    delivered = sum(deliver(pk, now) for pk in list(undelivered[:500]))
    open_ids = Alert.objects.unacknowledged().values_list("pk", flat=True)
    escalated = sum(escalate(pk, now) for pk in list(open_ids[:500]))
    return delivered, escalated
