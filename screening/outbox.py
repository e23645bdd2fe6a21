"""The outbox (design rule 16): every message the app sends (her link and its reminders, a self-harm
alert and its escalations, a stalled referral, a provider's link, a staff password link) is a
Delivery row written in the transaction of the event that causes it. Nothing is sent before that
commits; then the row's id is queued for a worker, and the retry sweep re-queues whatever a broker
outage lost or a failure left waiting.

Sending: rows are claimed (locked, skipped if another worker holds them), re-checked, sent, and
marked sent in one transaction, one row to a transaction, or for the dispatcher's links and
reminders BULK_TOGETHER (a commit each cost three times the sending); a failure is recorded on its
row alone, which is tried again after a back-off, until MAX_ATTEMPTS, when it is failed for staff to
see ("message failed: call her" on the worklist). Two workers and the sweep never send a row twice:
whoever comes second finds it locked or no longer pending. A worker killed after the server accepted
a message and before the commit leaves its rows pending, so the sweep sends them once more: at least
once, and at most once more for each row of the group in flight (one alert or staff message; up to
BULK_TOGETHER of her links) per killed worker.

What each kind of message says, to whom, and when it is no longer needed is its `Message` class,
beside the event that causes it (KINDS); this module knows only how to send and retry."""

import logging
from collections import defaultdict
from datetime import timedelta
from functools import cache

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from common.bulk import write_back
from common.tasks import enqueue_on_commit

from . import audit
from .models import AuditEntry, Delivery, DeliveryStatus, MessageKind

KINDS = {
    MessageKind.INVITATION: "screening.invitations.LinkMessage",
    MessageKind.ALERT: "referrals.alerts.AlertMessage",
    MessageKind.ESCALATION: "referrals.alerts.EscalationMessage",
    MessageKind.STALLED: "referrals.stalled.StalledMessage",
    MessageKind.PROVIDER_LINK: "referrals.provider_links.LinkMessage",
    MessageKind.PASSWORD_RESET: "screening.accounts.PasswordMessage",
}
MAX_ATTEMPTS = 5  # then the message is shown to staff as failed, not retried for ever
UNSENT_AFTER = timedelta(minutes=2)  # a row still waiting this long lost its queued send
CHUNK = 100
SWEEP_LIMIT = 1000
BULK_QUEUE = "send"  # every worker consumes it too (settings.CELERY_TASK_QUEUES)
# Her links and reminders are marked sent this many to a transaction (a commit each cost more than
# sending one); an alert's or a staff member's message, one to a transaction.
BULK_TOGETHER = 20
log = logging.getLogger(__name__)


class Message:
    """How one kind of message is addressed and sent."""

    def ended(self, row, now):
        """Why the message is no longer needed ("" while it is)."""
        return ""

    def send(self, row):
        """Sends it, raising if the server does not take it; returns to whom (staff and providers
        only, never a mother's address)."""
        raise NotImplementedError

    def sent(self, rows, now):
        """What the events record once their messages (rows of this kind) went."""


class NoRecipient(Exception):
    pass


@cache
def _kind(name):
    return import_string(KINDS[name])()


def kind_of(row):
    return _kind(row.kind)


def queue(kind, **fields):
    """Writes one message (its clinic, what it is about, the mother it concerns if any) in the
    caller's transaction; it is sent after commit."""
    row = Delivery.objects.create(kind=kind, **fields)
    send_after_commit([(row.pk, row.clinic_id)])
    return row


def send_after_commit(rows, bulk=False):
    """rows: (id, clinic id) of messages to send after commit, in chunks, each chunk in its clinic's
    scope. The dispatcher's invitations and reminders are `bulk`: they go by a queue of their own
    (BULK_QUEUE), so a hundred thousand of them never hold up an invitation being made, a schedule
    settling, or an alert's message, which stay on the default queue."""
    by_clinic = defaultdict(list)
    for pk, clinic_id in rows:
        by_clinic[clinic_id].append(pk)
    for clinic_id, ids in by_clinic.items():
        for start in range(0, len(ids), CHUNK):
            chunk, together = ids[start : start + CHUNK], BULK_TOGETHER if bulk else 1
            enqueue_on_commit(
                "screening.tasks.send_deliveries", chunk, together, clinic=clinic_id, queue=BULK_QUEUE if bulk else None
            )


def send(ids, now=None, together=1):
    """Sends a chunk of messages: what each needs is read in one query; then `together` at a time
    are claimed, sent and marked sent in one transaction. Returns how many went."""
    rows = list(
        Delivery.objects.select_related(
            "clinic",
            "mother",
            "invitation__mother",
            "invitation__clinic",
            "alert__clinic",
            "referral__created_by",
            "referral__clinic",
            "provider_link__referral__provider",
            "provider_link__referral__clinic",
            "user",
        )
        .defer("invitation__draft", "invitation__draft_history")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )
    return sum(send_together(rows[start : start + together], now) for start in range(0, len(rows), together))


def send_together(rows, now=None):
    """Claims these rows (any that another worker holds, or that went, ended or back off, are left),
    sends each, and marks those the server took as sent, in one transaction: a worker killed
    before its commit leaves them pending, so the sweep sends them once more (at least once; at
    most once more for each row of the group in flight when the worker died)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Delivery.objects.select_for_update(skip_locked=True).due(now).filter(pk__in=[r.pk for r in rows])
        attempts = dict(claimed.values_list("pk", "attempts"))
        went = defaultdict(list)
        for row in rows:
            if row.pk not in attempts:
                continue  # sent, ended, backing off, or being sent by another worker now
            row.attempts = attempts[row.pk] + 1
            message = kind_of(row)
            reason = message.ended(row, now)
            if reason:
                Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.CANCELLED, last_error=reason[:300])
                continue
            try:
                row.sent_to = (message.send(row) or "")[:300]
            except Exception as error:  # noqa: BLE001 - a mail server or text provider can fail in many ways
                _record_failure(row, error, now)
                continue
            row.status, row.sent_at, row.next_try_at, row.last_error = DeliveryStatus.SENT, now, None, ""
            went[row.kind].append(row)
        sent = [row for rows_of_kind in went.values() for row in rows_of_kind]
        write_back(sent, ["attempts", "status", "sent_at", "sent_to", "next_try_at", "last_error"])
        for rows_of_kind in went.values():
            kind_of(rows_of_kind[0]).sent(rows_of_kind, now)
        return len(sent)


def _record_failure(row, error, now):
    log.warning("message %s (%s, %s) failed: %s", row.pk, row.kind, row.channel, error)
    row.last_error = f"{type(error).__name__}: {error}"[:300]
    if row.attempts >= MAX_ATTEMPTS:
        row.status, row.next_try_at = DeliveryStatus.FAILED, None
    else:
        row.next_try_at = now + min(timedelta(minutes=2**row.attempts), timedelta(hours=6))
    Delivery.objects.filter(pk=row.pk).update(
        attempts=row.attempts, last_error=row.last_error, status=row.status, next_try_at=row.next_try_at
    )


def waiting(now, sending):
    """Messages whose queued send was lost (still waiting UNSENT_AFTER after they were written) and
    failed tries whose back-off has passed. Her link goes only in clinics whose sending hours
    include now (`sending`); everything else goes at any hour."""
    in_hours = ~Q(kind=MessageKind.INVITATION) | Q(clinic__in=sending)
    return (
        Delivery.objects.due(now)
        .filter(Q(next_try_at__isnull=False) | Q(created_at__lt=now - UNSENT_AFTER))
        .filter(in_hours)
        .order_by("pk")
    )


def sweep(sending, now=None, fan_out=False):
    """The one retry sweep. Beat's runs hand the rows to the workers; otherwise this process sends."""
    now = now or timezone.now()
    rows = list(waiting(now, sending).values_list("pk", "clinic_id")[:SWEEP_LIMIT])
    if fan_out:
        send_after_commit(rows)
        return len(rows)
    return send([pk for pk, _clinic in rows], now)


def dealt_with(row, user):
    """A failed message someone has dealt with (called her, handed her the link): off the worklist."""
    updated = Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.FAILED, handled_at__isnull=True).update(
        handled_at=timezone.now(), handled_by=user
    )
    if updated:
        audit.record(user, row.clinic, AuditEntry.Action.UPDATE, row.mother, f"failed {row.kind} message dealt with")
    return bool(updated)
