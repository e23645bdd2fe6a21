"""Urgent alerts and their escalation (design rule 5).

An alert's first message (to the on-call address, or the clinicians) is written to the outbox with
the alert; each escalation (to the clinic admins, once per interval while it is unacknowledged) is
marked on the alert and written to the outbox in one transaction, the alert locked so two sweeps
cannot both escalate. screening.outbox sends, retries and shows them."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from screening import outbox
from screening.emails import send
from screening.models import Invitation, InvitationStatus, MessageKind, Mother, Role

from . import concerns
from .deadlines import Why
from .models import Alert, ConcernOpened, ReferralSettings


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


def _send(alert, to, **context):
    if not to:
        raise outbox.NoRecipient(NO_RECIPIENT)
    send("alert", to, {"clinic": alert.clinic, "path": reverse("alert_detail", args=[alert.code]), **context})
    return ", ".join(to)


class AlertMessage(outbox.Message):
    """The alert to the on-call address (or the clinic's clinicians): names the clinic, links to the
    alert page; no name, no answer."""

    def ended(self, row, now):
        return "not needed: acknowledged before it went" if row.alert.acknowledged_at else ""

    def send(self, row):
        return _send(row.alert, recipients(row.alert), escalation=False)

    def sent(self, rows, now):
        Alert.objects.filter(pk__in=[row.alert_id for row in rows], delivered_at__isnull=True).update(delivered_at=now)


class EscalationMessage(AlertMessage):
    """Escalation N of an unacknowledged alert, to the clinic admins."""

    def send(self, row):
        minutes = ReferralSettings.for_clinic(row.alert.clinic).escalate_after_minutes * row.reminder
        return _send(row.alert, _emails(row.alert.clinic, [Role.CLINIC_ADMIN]), escalation=True, minutes=minutes)

    def sent(self, rows, now):
        pass


def raise_alert(mother, *, screening=None, invitation=None, raised_by=None):
    """The urgent alert, in the caller's transaction (with the answer or the clinician's concern that
    raised it); delivery is queued after commit, and the sweep delivers it if the broker loses it."""
    alert = Alert.objects.create(
        mother=mother, clinic_id=mother.clinic_id, screening=screening, invitation=invitation, raised_by=raised_by
    )
    outbox.queue(MessageKind.ALERT, clinic=mother.clinic, mother=mother, alert=alert)
    because = ConcernOpened.CLINICIAN if raised_by else ConcernOpened.SELF_HARM
    since = screening.taken_on if screening else mother.clinic.today()
    concerns.open_for(mother, because, why=Why.SAFETY, since=since, screening=screening, actor=raised_by)
    return alert


def raise_for_drafts():
    """Forms in progress with a self-harm answer and no alert (saved before alerts were raised on
    save, or by any path that missed it) get their alert now."""
    raised = 0
    waiting = Invitation.objects.filter(
        status__in=[InvitationStatus.IN_PROGRESS, InvitationStatus.SUBMITTED], alert__isnull=True
    )
    for pk in waiting.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            invitation = Invitation.objects.select_related("mother").get(pk=pk)
            Mother.objects.lock(invitation.mother_id)
            if invitation.self_harm_answered() and not Alert.objects.filter(invitation=invitation).exists():
                raise_alert(invitation.mother, invitation=invitation)
                raised += 1
    return raised


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
        alert.escalations += 1
        alert.last_escalated_at = now
        alert.save(update_fields=["escalations", "last_escalated_at"])
        outbox.queue(
            MessageKind.ESCALATION,
            clinic=alert.clinic,
            mother_id=alert.mother_id,
            alert=alert,
            reminder=alert.escalations,
        )
        return True


def sweep(now=None):
    """Raises what a draft's self-harm answer missed and escalates what is overdue; the outbox's own
    sweep delivers what a broker outage left unsent."""
    now = now or timezone.now()
    raised = raise_for_drafts()
    open_ids = Alert.objects.unacknowledged().values_list("pk", flat=True)
    escalated = sum(escalate(pk, now) for pk in list(open_ids[:500]))
    return raised, escalated
