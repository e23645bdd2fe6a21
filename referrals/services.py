import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.tasks import enqueue_on_commit
from screening import audit
from screening.models import AuditEntry, Mother

from . import alerts, concerns, dispatch, followups, lifecycle, pathways
from .models import (
    URGENCY_ORDER,
    Alert,
    Attention,
    Concern,
    ConcernClosed,
    Decision,
    DecisionKind,
    FollowUp,
    Referral,
    ReferralEvent,
    Status,
    UnsettledSchedule,
)
from .recommend import Context, recommend, urgency_for

Action = AuditEntry.Action
log = logging.getLogger(__name__)


def on_screening_completed(sender, screening, invitation=None, **kwargs):
    """Runs inside the screening's transaction: the alert exists if and only if the screening does.
    What her link began (an alert raised as she answered, the follow-up it was sent for) exists
    only for a form that came through a link: a paper form entered by staff looks for neither."""
    if screening.self_harm:
        draft = invitation and Alert.objects.filter(invitation=invitation, screening__isnull=True).first()
        if draft:  # raised when she saved the answer: the screening joins it
            draft.screening = screening
            draft.save(update_fields=["screening"])
        else:
            alerts.raise_alert(screening.mother, screening=screening)
    if invitation is not None:
        dispatch.complete_for_screening(screening)
    concerns.on_screening(screening)
    settle_later(screening.mother)


def on_self_harm_disclosed(sender, invitation, **kwargs):
    """Runs inside the transaction that saved her answer (design rule 14)."""
    if not Alert.objects.filter(invitation=invitation).exists():
        alerts.raise_alert(invitation.mother, invitation=invitation)


def on_mother_changed(sender, mother, **kwargs):
    if not mother.in_care:
        concerns.needs_decision(mother, Attention.LEFT_CARE)
    settle(mother)


def on_mother_transferred(sender, mother, source, actor, **kwargs):
    """Inside the transfer's transaction: whatever keeps her on a path moves with her, then her
    schedule is recomputed with her new clinic's intervals."""
    for rows in (
        Concern.objects.open(),
        Alert.objects.unacknowledged(),
        FollowUp.objects.pending(),
        Referral.objects.open(),
    ):
        rows.filter(mother=mother).update(clinic_id=mother.clinic_id)
    settle(mother)


def settle(mother, why=Attention.NO_PLAN):
    """After anything that changes a mother's paths: her schedule brought up to date, and if she is
    at risk with nothing live, back on the worklist."""
    followups.recompute(mother)
    concerns.ensure_path(mother, why)


def settle_later(mother):
    """settle() after the screening commits, so the mother sending her form does not wait for it.
    The mark commits with the screening; the task queued after commit settles her in a moment, and
    beat's sweep does if the task is lost. Until then her screening itself keeps her on a path when
    it is positive (a screen awaiting a decision, or an alert)."""
    UnsettledSchedule.objects.bulk_create(
        [UnsettledSchedule(mother=mother, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["mother"],
        update_fields=["marked_at"],
    )
    enqueue_on_commit("referrals.tasks.settle_schedule", mother.pk, clinic=mother.clinic_id)


def settle_marked(mother_id):
    """Settles a marked mother and removes the mark, in one transaction; False if she was not
    marked (settled already). Her row is locked first, the order every writer about her uses, so a
    screening still being written is waited for and seen."""
    with transaction.atomic():
        mother = Mother.objects.filter(pk=mother_id).select_for_update(of=("self",)).first()
        mark = mother and UnsettledSchedule.objects.select_for_update().filter(mother=mother).first()
        if not mark:
            return False
        settle(mother)
        mark.delete()
    return True


def settle_unsettled(limit=500):
    """Beat's sweep: every marked mother, oldest first, each in her own transaction. One that fails
    keeps her mark with the error (shown on her page) and the sweep goes on (design rule 12)."""
    settled = 0
    for mother_id in UnsettledSchedule.objects.order_by("marked_at").values_list("mother_id", flat=True)[:limit]:
        try:
            settled += settle_marked(mother_id)
        except Exception as error:  # noqa: BLE001 - one mother's failure must not stop the others
            log.exception("could not settle the follow-up schedule of mother %s", mother_id)
            UnsettledSchedule.objects.filter(mother_id=mother_id).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:300]
            )
    return settled


def context_for(screening):
    mother = screening.mother
    return Context(
        postnatal=screening.context == "postnatal",
        infant_months=mother.youngest_infant_months(screening.taken_on),
        infant_loss=mother.lost_an_infant(screening.taken_on),
        risk_factors=frozenset(mother.risk_factors),
        open_pathways=frozenset(mother.referrals.open().values_list("pathway", flat=True)),
        instrument=screening.instrument_code,
    )


def recommendations_for(screening):
    return recommend(screening.risk, context_for(screening))


def _mark_reviewed(screening, when):
    """A clinician decided about this screen: it leaves the worklist's screens awaiting a decision."""
    if screening is not None and screening.reviewed_at is None:
        screening.reviewed_at = when
        screening.save(update_fields=["reviewed_at"])


def least_urgency(pathway, screening):
    return urgency_for(pathway, screening.risk_level if screening else None)


@transaction.atomic
def create_referral(
    *, mother, pathway, actor, screening=None, provider=None, urgency=None, note="", override_reason=""
):
    """A referral goes straight to 'requested'; a pathway that was not recommended needs a reason.
    Its urgency comes from the pathway and the risk; staff may raise it, never lower it."""
    now = timezone.now()
    recommended = {r.code for r in recommendations_for(screening)} if screening else set()
    was_recommended = pathway in recommended
    if not was_recommended and not override_reason.strip():
        raise lifecycle.InvalidTransition("Give a reason for choosing a pathway that was not recommended.")
    least = least_urgency(pathway, screening)
    urgency = urgency or least
    if URGENCY_ORDER.index(urgency) < URGENCY_ORDER.index(least):
        raise lifecycle.InvalidTransition(f"This referral is at least {least}.")
    referral = Referral.objects.create(
        mother=mother,
        clinic_id=mother.clinic_id,
        screening=screening,
        pathway=pathway,
        provider=provider,
        urgency=urgency,
        note=note,
        was_recommended=was_recommended,
        override_reason="" if was_recommended else override_reason.strip(),
        status=Status.REQUESTED,
        requested_at=now,
        created_by=actor,
    )
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        actor=actor,
        to_status=Status.REQUESTED,
        reason="" if was_recommended else f"override: {override_reason.strip()}",
        note=note,
    )
    Decision.objects.create(
        mother=mother, screening=screening, kind=DecisionKind.REFERRED, decided_by=actor, decided_at=now, note=note
    )
    _mark_reviewed(screening, now)
    concerns.decided(mother)
    concerns.acted(mother)
    audit.record(actor, mother.clinic, Action.CREATE, referral, f"{pathway} for {mother.record_number}")
    settle(mother)
    return referral


@transaction.atomic
def transition(
    referral,
    target,
    *,
    actor,
    reason="",
    note="",
    first_session_on=None,
    sessions_attended=None,
    closing_note="",
    by_provider=False,
):
    """Moves a referral on, or raises InvalidTransition and changes nothing. `by_provider`: the
    receiving provider did, through their private link (no user; audited as such)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    lifecycle.check(referral.status, target, reason)
    now = timezone.now()
    previous = referral.status
    referral.status = target
    if target == Status.ACCEPTED and not referral.accepted_at:
        referral.accepted_at = now
    if target == Status.IN_PROGRESS and not referral.first_session_on:
        referral.first_session_on = first_session_on or referral.clinic.today()
    if target in lifecycle.ENDED:
        referral.ended_at = now
    if target == Status.COMPLETED:
        referral.sessions_attended = sessions_attended
        referral.closing_note = closing_note
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        actor=actor,
        from_status=previous,
        to_status=target,
        reason=reason.strip(),
        note=note,
        by_provider=by_provider,
    )
    by = " (provider via link)" if by_provider else ""
    audit.record(actor, referral.clinic, Action.UPDATE, referral, f"{previous} -> {target}{by}")
    if target in lifecycle.ENDED:
        _referral_ended(referral)
        concerns.acted(referral.mother)  # her deadline counts from the end of the path that was live
    settle(referral.mother)
    return referral


def _referral_ended(referral):
    """She comes back to the worklist until a clinician decides again, unless the therapy she
    completed has its own rescreens."""
    if referral.status != Status.COMPLETED:
        concerns.needs_decision(referral.mother, Attention.REFERRAL_ENDED)
    elif not pathways.get(referral.pathway).rescreen_after_completion_days:
        concerns.needs_decision(referral.mother, Attention.TREATMENT_ENDED)


IN_CARE = ConcernClosed.IN_CARE_ELSEWHERE
OUTREACH = {DecisionKind.DECLINED: Attention.DECLINED, DecisionKind.COULD_NOT_CONTACT: Attention.NO_CONTACT}


class CannotDecide(ValueError):
    pass


@transaction.atomic
def record_decision(mother, *, kind, note, actor, screening=None):
    """Adds a decision to her history. Outreach that did not reach her keeps her on the worklist;
    "already in care elsewhere" closes her concern; anything else takes her off until the next
    event, as long as something live remains. "No referral needed" is refused on a screen whose
    referral is still open: end or cancel the referral first."""
    if kind == DecisionKind.NO_ACTION_NEEDED and screening is not None and screening.referrals.open().exists():
        raise CannotDecide(_("This screen has an open referral: end or cancel it before recording no referral needed."))
    now = timezone.now()
    if screening is None and kind == DecisionKind.RESCREEN:
        screening = mother.screenings.order_by("-taken_on", "-created_at").first()  # rescreen what came last
    decision = Decision.objects.create(
        mother=mother, screening=screening, kind=kind, note=note, decided_by=actor, decided_at=now
    )
    if screening is None:  # a decision about her covers every screen still waiting for one
        mother.screenings.awaiting_review().update(reviewed_at=now)
    _mark_reviewed(screening, now)
    concern = concerns.current(mother, lock=True)
    if kind in OUTREACH:
        concerns.needs_decision(mother, OUTREACH[kind])
    elif kind == DecisionKind.ALREADY_IN_CARE and concern and not concerns.close_problem(concern, IN_CARE):
        concerns.close(concern, because=IN_CARE, note=note, actor=actor)
    else:
        concerns.decided(mother)
    concerns.acted(mother)
    audit.record(actor, mother.clinic, Action.UPDATE, screening or mother, f"decision: {kind}")
    settle(mother)
    return decision


@transaction.atomic
def acknowledge(alert, *, actor, action, note):
    updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor, action=action, note=note
    )
    if updated:
        concerns.acted(alert.mother, safety=True)  # the safety rescreen's deadline
        audit.record(actor, alert.clinic, Action.UPDATE, alert.mother, f"alert acknowledged: {action}")
        settle(alert.mother)  # her safety rescreen is scheduled once a clinician has acted
    return bool(updated)
