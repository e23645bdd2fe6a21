"""Follow-up rows from the pure schedule (design rule 4)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from screening import audit, episodes, invitations
from screening.models import OPEN_INVITATION, AuditEntry, Invitation, Mother

from . import concerns, deadlines, schedule
from .models import (
    PENDING_FOLLOW_UP,
    Alert,
    Attention,
    Decision,
    DecisionKind,
    FollowUp,
    FollowUpStatus,
    ReferralSettings,
    Status,
)


def facts_for(mother):
    screenings = mother.screenings.order_by("taken_on", "created_at")
    referrals = mother.referrals.exclude(status=Status.ENTERED_IN_ERROR)
    return schedule.MotherFacts(
        registered_on=timezone.localdate(mother.created_at),
        due_date=mother.due_date,
        delivery_date=mother.delivery_date,
        **_births(mother),
        screenings=tuple(
            schedule.ScreeningFact(str(s.code), s.taken_on, s.score_level, s.self_harm, s.instrument_code)
            for s in screenings
        ),
        referrals=tuple(
            schedule.ReferralFact(
                str(r.code),
                r.pathway,
                r.is_open,
                timezone.localdate(r.ended_at) if r.status == Status.COMPLETED else None,
            )
            for r in referrals
        ),
        alert_open=Alert.objects.unacknowledged().filter(mother=mother).exists(),
        acknowledged_alerts=tuple(
            schedule.AcknowledgedAlert(str(code), timezone.localdate(at))
            for code, at in Alert.objects.filter(mother=mother, acknowledged_at__isnull=False)
            .order_by("acknowledged_at")
            .values_list("code", "acknowledged_at")
        ),
        rescreen_decisions=_rescreen_decisions(mother),
        in_care=mother.in_care,
        instrument=invitations.default_instrument(mother.clinic).code,
    )


def _births(mother):
    """Her current episode's infants (living and lost), the births of her earlier episodes and when
    the current pregnancy was recorded: the schedule anchors on the current episode (issue 13)."""
    current = episodes.current(mother) or episodes.record(mother)
    infants = list(current.infants.values_list("date_of_birth", "died_on"))
    earlier = mother.pregnancies.exclude(pk=current.pk).filter(delivery_date__isnull=False)
    return {
        "infant_births": tuple(born for born, died in infants if died is None),
        "losses": tuple(born for born, died in infants if died is not None),
        "previous_births": tuple(earlier.order_by("delivery_date").values_list("delivery_date", flat=True)),
        "previous_living_births": tuple(
            earlier.filter(infants__died_on__isnull=True, infants__isnull=False)
            .values_list("delivery_date", flat=True)
            .distinct()
        ),
        "pregnancy_recorded_on": current.recorded_on if current.delivery_date is None else None,
    }


def _rescreen_decisions(mother):
    """Screens whose latest decision is "rescreen before deciding"."""
    latest = {}
    for code, kind, at in mother.decisions.filter(screening__isnull=False).values_list(
        "screening__code", "kind", "decided_at"
    ):
        latest[str(code)] = (kind, at)  # ordered oldest first: the last one wins
    return tuple(
        schedule.RescreenDecision(code, timezone.localdate(at))
        for code, (kind, at) in latest.items()
        if kind == DecisionKind.RESCREEN
    )


def recompute(mother, today=None):
    """Brings the mother's rows in line with her schedule: new rows for what newly applies,
    completed rows for what a screening satisfied, cancelled rows for what no longer applies.
    Cancelled and completed rows are never reopened; dates staff rescheduled are kept. Dates are
    her clinic's, whoever calls (a worker runs in UTC): `today` defaults to the clinic's."""
    with timezone.override(mother.clinic.zone()):
        _recompute(mother, today or mother.clinic.today())


@transaction.atomic
def _recompute(mother, today):
    # Her row, then invitations, then follow-ups: the lock order submissions and answers use too.
    # The locked row is also the fresh one: a caller's copy may predate a change to her dates.
    mother = Mother.objects.lock(mother.pk)
    list(
        Invitation.objects.select_for_update(of=("self",))
        .filter(mother=mother, status__in=OPEN_INVITATION)
        .order_by("pk")
    )
    rows = {f.key: f for f in FollowUp.objects.select_for_update().filter(mother=mother).order_by("pk")}
    if not mother.in_care:
        for row in rows.values():
            if row.status in PENDING_FOLLOW_UP:
                _close(row, FollowUpStatus.PAUSED, note=mother.get_left_care_reason_display())
        return
    facts = facts_for(mother)
    if facts.alert_open:
        return  # a clinician acts first; nothing is scheduled automatically meanwhile
    intervals = ReferralSettings.for_clinic(mother.clinic).intervals()
    with translation.override(settings.LANGUAGE_CODE):  # stored reasons read the same whoever triggered this
        planned = {p.key: p for p in schedule.plan(facts, today, intervals)}
    for key, item in planned.items():
        row = rows.get(key)
        if row is None:
            if not item.satisfied_by and not item.missed:
                FollowUp.objects.create(
                    mother=mother,
                    clinic_id=mother.clinic_id,
                    key=key,
                    kind=item.kind,
                    reason=item.reason,
                    instrument_code=item.instrument,
                    due_on=item.due_on,
                    planned_on=item.due_on,
                )
        elif row.status in PENDING_FOLLOW_UP and item.satisfied_by:
            _close(row, FollowUpStatus.COMPLETED, screening_code=item.satisfied_by)
        elif row.status == FollowUpStatus.PAUSED:  # back in care: her schedule resumes
            _resume(row, item, today)
        elif row.status == FollowUpStatus.SCHEDULED and row.planned_on != item.due_on:
            row.planned_on, row.reason = item.due_on, item.reason
            if not row.rescheduled:
                row.due_on = item.due_on
            row.save(update_fields=["due_on", "planned_on", "reason"])
    latest = facts.screenings[-1] if facts.screenings else None
    for key, row in rows.items():
        if key in planned:
            continue
        if row.status in (FollowUpStatus.SCHEDULED, FollowUpStatus.PAUSED):
            _close(row, FollowUpStatus.CANCELLED, note="no longer due")
        elif row.status == FollowUpStatus.INVITED and latest and latest.taken_on >= timezone.localdate(row.invited_at):
            _close(row, FollowUpStatus.COMPLETED, screening_code=latest.code)  # screened another way meanwhile


def _resume(row, item, today):
    if item.satisfied_by:
        _close(row, FollowUpStatus.COMPLETED, screening_code=item.satisfied_by)
    elif item.missed:
        _close(row, FollowUpStatus.CANCELLED, note="missed while out of care")
    else:
        row.status, row.closed_at, row.invitation, row.invited_at = FollowUpStatus.SCHEDULED, None, None, None
        row.reminders_sent, row.last_reminder_at, row.note = 0, None, ""
        if not (row.rescheduled and row.due_on >= today):
            row.due_on, row.rescheduled = max(item.due_on, today), False
        row.planned_on = item.due_on
        row.save()


def _close(row, status, note="", screening_code=None):
    row.status, row.closed_at = status, timezone.now()
    row.note = note or row.note
    if screening_code:
        row.screening = row.mother.screenings.filter(code=screening_code).first()
    row.save(update_fields=["status", "closed_at", "note", "screening"])
    if row.invitation_id:  # an in-person screen or a cancellation stops the link and its reminders
        invitations.cancel(row.invitation, actor=None)


class CannotReschedule(ValueError):
    pass


def reschedule_problem(follow_up, due_on, concern, *, sees_scores, deferral=""):
    """Why this move is refused, in words for the person making it, or None. Routine screens are
    front desk's to move within their window; a rescreen a result called for is a clinician's; and
    no one moves her next screen past her deadline without a clinician's recorded reason."""
    limits = ReferralSettings.for_clinic(follow_up.clinic)
    if follow_up.status != FollowUpStatus.SCHEDULED:
        return _("Only a follow-up that is still scheduled can be rescheduled.")
    if due_on < follow_up.clinic.today():
        return _("Choose today or a later date.")
    if not sees_scores:
        if follow_up.is_clinical:
            return _("A rescreen that a result called for is moved by a clinician.")
        last = deadlines.routine_window_end(follow_up.planned_on or follow_up.due_on, limits)
        if due_on > last:
            return _("A routine screen can be moved up to %(day)s. Ask a clinician for a later date.") % {
                "day": date_format(last)
            }
    if concern is not None and due_on > concern.act_by and not (sees_scores and deferral.strip()):
        day = date_format(concern.act_by)
        if not sees_scores:
            return _("That is after her deadline, %(day)s: ask a clinician.") % {"day": day}
        return _(
            "That is after her deadline, %(day)s. Choose an earlier date, or record why her next check can wait."
        ) % {"day": day}
    return None


@transaction.atomic
def reschedule(follow_up, due_on, note, actor, *, sees_scores, deferral=""):
    """Moves a scheduled follow-up, or raises CannotReschedule. A clinician's reason for going past
    her deadline is kept as a decision in her history and the audit log, and moves the deadline."""
    follow_up = FollowUp.objects.select_for_update().select_related("mother__clinic", "clinic").get(pk=follow_up.pk)
    mother = follow_up.mother
    concern = concerns.current(mother, lock=True)
    problem = reschedule_problem(follow_up, due_on, concern, sees_scores=sees_scores, deferral=deferral)
    if problem:
        raise CannotReschedule(problem)
    follow_up.due_on, follow_up.note, follow_up.rescheduled = due_on, note, True
    follow_up.save(update_fields=["due_on", "note", "rescheduled"])
    if concern is not None and due_on > concern.act_by:
        Decision.objects.create(mother=mother, kind=DecisionKind.DEFERRED, note=deferral.strip(), decided_by=actor)
        concerns.defer(mother, due_on)
        audit.record(actor, mother.clinic, AuditEntry.Action.UPDATE, mother, f"deadline deferred to {due_on}")
    if sees_scores and concern is not None and concern.attention == Attention.NOT_IN_TIME:
        concerns.decided(mother)  # a clinician brought it in time; ensure_path puts her back if not
    concerns.ensure_path(mother, Attention.NOT_IN_TIME)
    return follow_up


@transaction.atomic
def cancel(follow_up, note, actor):
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.status not in PENDING_FOLLOW_UP:
        return False
    _close(follow_up, FollowUpStatus.CANCELLED, note=note)
    concerns.ensure_path(follow_up.mother, Attention.FOLLOW_UP_CANCELLED)
    return True
