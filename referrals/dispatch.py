"""The follow-up dispatcher, run by beat every minute (design rule 4).

Each step claims one row with select_for_update(skip_locked=True), re-checks it inside the
transaction, writes its new state, and queues any message after commit. Two dispatchers never
take the same row; a dispatcher killed mid-batch leaves the rows it had not committed for the
next run. Sends are idempotent (invitation.sent_at, follow_up.reminders_sent): queuing one twice
sends once. Every send happens at most once per claim; a worker killed after the mail server
accepted a message and before its commit would send that one message again (at-least-once)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.celery import enqueue_on_commit
from screening import invitations
from screening import tasks as screening_tasks
from screening.models import OPEN_INVITATION, Clinic, Invitation, InvitationStatus

from .models import Alert, FollowUp, FollowUpStatus, ReferralSettings

BATCH = 200
UNSENT_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 6  # then the row is failed and waits for staff, instead of being retried for ever
log = logging.getLogger(__name__)


def _isolated(pk, now, step, *args):
    """One row's failure never stops the run (design rule 12): it is recorded on the row, logged,
    and the row is tried again later, backing off, until it is marked failed for staff to see."""
    try:
        return step(*args)
    except Exception as error:  # noqa: BLE001 - whatever went wrong is the row's, not the run's
        log.warning("follow-up %s: %s failed: %s", pk, step.__name__, error)
        _record_failure(pk, error, now)
        return False


def _record_failure(pk, error, now):
    with transaction.atomic():
        row = FollowUp.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            return
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:300]
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.closed_at, row.next_try_at = FollowUpStatus.FAILED, now, None
        else:
            row.next_try_at = now + min(timedelta(minutes=2**row.attempts), timedelta(hours=6))
        row.save(update_fields=["attempts", "last_error", "status", "closed_at", "next_try_at"])


def clinics_sending(now):
    """The clinics whose local sending hours include now; their rows alone are read, so rows that
    must wait never fill a batch ahead of rows that can go."""
    saved = {s.clinic_id: s for s in ReferralSettings.objects.select_related("clinic")}
    return [c for c in Clinic.objects.all() if (saved.get(c.pk) or ReferralSettings(clinic=c)).sending_now(now)]


def _ready(rows, now, sending):
    """Rows a run may act on now: in a clinic that is sending, not backing off after a failure, and
    not of a mother whose urgent alert waits for a clinician."""
    waiting = Alert.objects.unacknowledged().values("mother_id")
    return (
        rows.filter(clinic__in=sending)
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .exclude(mother_id__in=waiting)
    )


def _claim(pk, **conditions):
    return (
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("mother__clinic", "invitation")
        .filter(pk=pk, **conditions)
        .first()
    )


def invite_one(pk, now):
    """A scheduled follow-up that has come due gets its invitation; sending is queued after commit."""
    with transaction.atomic():
        row = _claim(pk, status=FollowUpStatus.SCHEDULED)
        if row is None or row.due_on > row.mother.clinic.today(now):
            return False
        mother = row.mother
        if not ReferralSettings.for_clinic(mother.clinic).sending_now(now):
            return False
        if Alert.objects.unacknowledged().filter(mother=mother).exists():
            return False  # a clinician acts first
        instrument = invitations.default_instrument(mother.clinic)
        held = invitations.open_invitation(mother, instrument.code, now)
        if held is not None:
            return _join(row, held, now)
        channels = invitations.allowed_channels(mother)
        invitation = invitations.create_invitation(mother=mother, instrument=instrument, channels=channels)
        _mark_invited(row, invitation, now)
        if set(channels) - {invitations.Channel.LINK}:
            enqueue_on_commit(screening_tasks.send_invitation, invitation.pk)
        return True


def _mark_invited(row, invitation, now):
    row.status, row.invitation, row.invited_at, row.instrument_code = (
        FollowUpStatus.INVITED,
        invitation,
        now,
        invitation.instrument_code,
    )
    row.save(update_fields=["status", "invitation", "invited_at", "instrument_code"])


def _join(row, held, now):
    """She already holds a link to this questionnaire (sent by staff, or for another follow-up):
    one answer serves both, so no second link is made."""
    carrier = FollowUp.objects.filter(invitation=held).first()
    if carrier is None:
        _mark_invited(row, held, now)
    else:
        row.status, row.closed_at = FollowUpStatus.CANCELLED, now
        row.note = f"covered by the open invitation of {carrier.reason}"[:300]
        row.save(update_fields=["status", "closed_at", "note"])
    return True


def _lock_invitation_of(pk):
    """Locks come in one order everywhere: an invitation before its follow-up (a mother's
    submission holds her invitation, then recomputes her follow-ups). A busy row is skipped."""
    invitation_id = FollowUp.objects.filter(pk=pk).values_list("invitation_id", flat=True).first()
    if invitation_id is None:
        return None
    return Invitation.objects.select_for_update(skip_locked=True).filter(pk=invitation_id).first()


def remind_one(pk, number, now):
    """Reminder `number` (1, 2, ...) for an invited follow-up whose form is not completed. With
    the invitation locked, a form completed a moment earlier is seen, and stops the reminder."""
    with transaction.atomic():
        invitation = _lock_invitation_of(pk)
        row = invitation and _claim(pk, status=FollowUpStatus.INVITED, reminders_sent=number - 1)
        if not row or invitation.state(now) not in OPEN_INVITATION:
            return False
        settings = ReferralSettings.for_clinic(row.mother.clinic)
        delays = settings.reminder_delays()
        if number > len(delays) or now < row.invited_at + timedelta(days=delays[number - 1]):
            return False
        if not settings.sending_now(now):
            return False
        invitations.deliver(invitation, reminder=True)
        row.reminders_sent, row.last_reminder_at = number, now
        row.save(update_fields=["reminders_sent", "last_reminder_at"])
        return True


def mark_overdue(pk, now):
    with transaction.atomic():
        invitation = _lock_invitation_of(pk)
        row = invitation and _claim(pk, status=FollowUpStatus.INVITED)
        if not row or invitation.status == InvitationStatus.COMPLETED:
            return False
        days = ReferralSettings.for_clinic(row.mother.clinic).overdue_after_days
        if now < row.invited_at + timedelta(days=days):
            return False
        row.status, row.closed_at = FollowUpStatus.OVERDUE, now
        row.save(update_fields=["status", "closed_at"])
        invitations.cancel(invitation, actor=None)
        return True


def dispatch(now=None):
    """One run: invitations, reminders, overdue marks, and re-queuing sends a broker outage lost."""
    now = now or timezone.now()
    sending = clinics_sending(now)
    scheduled = FollowUp.objects.filter(_due_by_clinic_date(now, sending), status=FollowUpStatus.SCHEDULED)
    due = _ready(scheduled, now, sending).order_by("due_on")
    invited = sum(_isolated(pk, now, invite_one, pk, now) for pk in list(due.values_list("pk", flat=True)[:BATCH]))
    queued = 0
    waiting = _ready(reminder_candidates(now), now, sending)
    for pk, sent in list(waiting.values_list("pk", "reminders_sent")[: BATCH * 5]):
        if _isolated(pk, now, mark_overdue, pk, now):
            continue
        if _isolated(pk, now, remind_one, pk, sent + 1, now):
            queued += 1
    # Sends a broker outage lost: any invitation meant for email or text, unsent after two minutes.
    unsent = Invitation.objects.filter(
        sent_at__isnull=True,
        created_at__lt=now - UNSENT_AFTER,
        expires_at__gt=now,
        status__in=[InvitationStatus.SENT, InvitationStatus.OPENED],
    ).exclude(channels=[invitations.Channel.LINK])
    for pk in unsent.values_list("pk", flat=True)[:BATCH]:
        enqueue_on_commit(screening_tasks.send_invitation, pk)
    return {"invited": invited, "reminded": queued}


def reminder_candidates(now):
    """Invited rows whose next reminder, or overdue mark, some clinic's settings could make due by
    now, oldest first. Rows not yet due stay out, so however many mothers are waiting, a run
    reads only those it may act on."""
    every = [*ReferralSettings.objects.all(), ReferralSettings()]
    due = Q(invited_at__lte=now - timedelta(days=min(s.overdue_after_days for s in every)))
    delays = [s.reminder_delays() for s in every]
    for sent in range(max(map(len, delays))):
        earliest = min(d[sent] for d in delays if len(d) > sent)
        due |= Q(reminders_sent=sent, invited_at__lte=now - timedelta(days=earliest))
    return FollowUp.objects.filter(due, status=FollowUpStatus.INVITED).order_by("invited_at")


def _due_by_clinic_date(now, sending):
    """Scheduled rows due by each sending clinic's own date: a clinic ahead of UTC is not a day late,
    and one behind it is not invited a day early."""
    due = Q(pk__in=[])
    for clinic in sending:
        due |= Q(clinic=clinic, due_on__lte=clinic.today(now))
    return due


def complete_for_screening(screening):
    """A screening completes the follow-up its invitation answered; recompute completes any other
    follow-up it satisfies, whichever link carried it."""
    FollowUp.objects.filter(invitation__screening=screening, status__in=[FollowUpStatus.INVITED]).update(
        status=FollowUpStatus.COMPLETED, screening=screening, closed_at=timezone.now()
    )
