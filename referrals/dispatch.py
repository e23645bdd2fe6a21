"""The follow-up dispatcher, run by beat every minute (design rule 4).

Due follow-ups are claimed in batches with select_for_update(skip_locked=True), re-checked inside
the transaction, invited together, and their messages queued after commit: nothing is sent under
a follow-up's or an invitation's lock. Run by beat, a run fans its batches out to every worker.
Two dispatchers never take the same row; a dispatcher killed mid-batch leaves the rows it had not
committed for the next run. Each message by each channel is a row of the outbox (screening.outbox),
written with the invitation or the reminder mark and sent after commit."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.bulk import write_back
from common.tasks import enqueue_on_commit
from screening import invitations, outbox
from screening.models import OPEN_INVITATION, Clinic, Delivery, Invitation, InvitationStatus
from screening.submissions import SCORED_OR_WAITING

from .models import Alert, FollowUp, FollowUpStatus, ReferralSettings

BATCH = 250
# Follow-ups a fanned-out run (beat's, every minute) hands to the workers; the next run takes the
# rest. Twice what the goal needs a minute (100,000 due invited within 4 minutes: 25,000 a
# minute), so the cap never holds production below it; rows a run hands out twice are claimed once.
RUN_LIMIT = 200 * BATCH
GOAL = (100_000, 240)  # follow-ups, seconds
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
        outbox.send_after_commit(
            Delivery.objects.filter(invitation=invitation).values_list("pk", "clinic_id"), bulk=True
        )
        return True


def invite_batch(pks, now):
    """Invites a batch of due follow-ups in one transaction: one claim, one read of what each
    mother holds, one insert of links and of messages. If anything in it fails (a colleague made
    one of these links a moment ago), each row goes on its own, isolated from the others."""
    try:
        with transaction.atomic():
            return _invite_together(pks, now)
    except Exception as error:  # noqa: BLE001 - the rows retry alone, never lost
        log.info("batch of %s follow-ups goes row by row: %s", len(pks), error)
        return sum(_isolated(pk, now, invite_one, pk, now) for pk in pks)


def _invite_together(pks, now):
    rows = list(
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("mother__clinic")
        .filter(pk__in=pks, status=FollowUpStatus.SCHEDULED)
        .order_by("pk")
    )
    clinics = {row.mother.clinic_id: row.mother.clinic for row in rows}
    saved = {s.clinic_id: s for s in ReferralSettings.objects.filter(clinic__in=clinics)}
    for pk, clinic in clinics.items():
        saved.setdefault(pk, ReferralSettings()).clinic = clinic
    sending = {pk: saved[pk].sending_now(now) for pk in clinics}
    mother_ids = {row.mother_id for row in rows}
    alerted = set(Alert.objects.unacknowledged().filter(mother__in=mother_ids).values_list("mother_id", flat=True))
    rows = [
        r
        for r in rows
        if r.due_on <= r.mother.clinic.today(now) and sending[r.mother.clinic_id] and r.mother_id not in alerted
    ]
    links = Invitation.objects.filter(mother__in=mother_ids, tablet=False, status__in=OPEN_INVITATION)
    links.filter(expires_at__lte=now).update(status=InvitationStatus.EXPIRED)
    held = {(i.mother_id, i.instrument_code): i for i in links.filter(expires_at__gt=now).order_by("-pk")}
    carried = set(FollowUp.objects.filter(invitation__in=held.values()).values_list("invitation_id", flat=True))
    made, joined = [], []
    for row in rows:
        instrument = invitations.default_instrument(row.mother.clinic)
        invitation = held.get((row.mother_id, instrument.code))
        if invitation is None:
            invitation = invitations.new_invitation(
                mother=row.mother, instrument=instrument, channels=invitations.allowed_channels(row.mother)
            )
            held[(row.mother_id, instrument.code)] = invitation
            made.append(invitation)
        joined.append((row, invitation))
    Invitation.objects.bulk_create(made)
    messages = [m for invitation in made for m in invitations.messages(invitation)]
    Delivery.objects.bulk_create(messages)
    invited, covered = [], []
    for row, invitation in joined:
        if invitation.pk in carried:
            row.status, row.closed_at = FollowUpStatus.CANCELLED, now
            row.note = "covered by an open invitation for another follow-up"
            covered.append(row)
        else:
            row.status, row.invitation, row.invited_at = FollowUpStatus.INVITED, invitation, now
            row.instrument_code = invitation.instrument_code
            carried.add(invitation.pk)
            invited.append(row)
    write_back(invited, ["status", "invitation", "invited_at", "instrument_code"])
    write_back(covered, ["status", "closed_at", "note"])
    outbox.send_after_commit(((m.pk, m.clinic_id) for m in messages), bulk=True)
    return len(invited) + len(covered)


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
        row.reminders_sent, row.last_reminder_at = number, now
        row.save(update_fields=["reminders_sent", "last_reminder_at"])
        queued = invitations.queue_deliveries(invitation, reminder=number)
        outbox.send_after_commit(((pk, invitation.clinic_id) for pk in queued), bulk=True)
        return True


def mark_overdue(pk, now):
    with transaction.atomic():
        invitation = _lock_invitation_of(pk)
        row = invitation and _claim(pk, status=FollowUpStatus.INVITED)
        if not row or invitation.status in SCORED_OR_WAITING:
            return False
        days = ReferralSettings.for_clinic(row.mother.clinic).overdue_after_days
        if now < row.invited_at + timedelta(days=days):
            return False
        row.status, row.closed_at = FollowUpStatus.OVERDUE, now
        row.save(update_fields=["status", "closed_at"])
        invitations.cancel(invitation, actor=None)
        return True


def dispatch(now=None, fan_out=False):
    """One run: invitations, reminders and overdue marks (their messages go by the outbox, whose
    own sweep retries them). With fan_out (beat's runs) the invitations go to the workers in
    batches; otherwise this process invites one batch itself."""
    now = now or timezone.now()
    sending = clinics_sending(now)
    scheduled = FollowUp.objects.filter(_due_by_clinic_date(now, sending), status=FollowUpStatus.SCHEDULED)
    due = _ready(scheduled, now, sending).order_by("due_on", "pk").values_list("pk", "clinic_id")
    if fan_out:  # each clinic's rows in batches of their own, each run in that clinic's scope
        by_clinic = defaultdict(list)
        for pk, clinic_id in due[:RUN_LIMIT]:
            by_clinic[clinic_id].append(pk)
        for clinic_id, pks in by_clinic.items():
            for start in range(0, len(pks), BATCH):
                enqueue_on_commit("referrals.tasks.invite_batch", pks[start : start + BATCH], clinic=clinic_id)
        invited = sum(len(pks) for pks in by_clinic.values())
    else:
        invited = invite_batch([pk for pk, _clinic in due[:BATCH]], now)
    queued = 0
    waiting = _ready(reminder_candidates(now), now, sending)
    for pk, sent in list(waiting.values_list("pk", "reminders_sent")[: BATCH * 5]):
        if _isolated(pk, now, mark_overdue, pk, now):
            continue
        if _isolated(pk, now, remind_one, pk, sent + 1, now):
            queued += 1
    _send_legacy_links(now, sending)
    return {"invited": invited, "reminded": queued}


def _send_legacy_links(now, sending):
    # Links made before messages had delivery rows, and never sent: their rows are made now.
    unsent = Invitation.objects.filter(
        sent_at__isnull=True,
        deliveries__isnull=True,
        created_at__lt=now - outbox.UNSENT_AFTER,
        expires_at__gt=now,
        status__in=[InvitationStatus.SENT, InvitationStatus.OPENED],
        clinic__in=sending,
    ).exclude(channels=[invitations.Channel.LINK])
    for pk, clinic_id in unsent.values_list("pk", "clinic_id")[:BATCH]:
        enqueue_on_commit("screening.tasks.send_invitation", pk, clinic=clinic_id)


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
