from django.db import transaction
from django.utils import timezone

from config.celery import enqueue_on_commit
from screening import audit
from screening.models import AuditEntry

from . import dispatch, followups, lifecycle, tasks
from .models import Alert, Decision, DecisionKind, Referral, ReferralEvent, Status
from .recommend import Context, recommend

Action = AuditEntry.Action


def on_screening_completed(sender, screening, **kwargs):
    """Runs inside the screening's transaction: the alert exists if and only if the screening does."""
    if screening.self_harm:
        alert = Alert.objects.create(screening=screening, clinic_id=screening.clinic_id)
        enqueue_on_commit(tasks.deliver_alert, alert.pk)
    dispatch.complete_for_screening(screening)
    followups.recompute(screening.mother)


def on_mother_changed(sender, mother, **kwargs):
    followups.recompute(mother)


def context_for(screening):
    mother = screening.mother
    previous = (
        mother.screenings.filter(taken_on__lte=screening.taken_on, created_at__lt=screening.created_at)
        .order_by("-taken_on", "-created_at")
        .first()
    )
    return Context(
        postnatal=screening.context == "postnatal",
        infant_months=mother.youngest_infant_months(screening.taken_on),
        risk_factors=frozenset(mother.risk_factors),
        open_pathways=frozenset(mother.referrals.open().values_list("pathway", flat=True)),
        previous_positive=bool(previous and previous.is_positive),
    )


def recommendations_for(screening):
    return recommend(screening.risk, context_for(screening))


def _mark_reviewed(screening, when):
    if screening is not None and screening.reviewed_at is None:
        screening.reviewed_at = when
        screening.save(update_fields=["reviewed_at"])


@transaction.atomic
def create_referral(
    *, mother, pathway, actor, screening=None, provider=None, urgency="routine", note="", override_reason=""
):
    """A referral goes straight to 'requested'; a pathway that was not recommended needs a reason."""
    now = timezone.now()
    recommended = {r.code for r in recommendations_for(screening)} if screening else set()
    was_recommended = pathway in recommended
    if not was_recommended and not override_reason.strip():
        raise lifecycle.InvalidTransition("Give a reason for choosing a pathway that was not recommended.")
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
    if screening is not None:
        Decision.objects.update_or_create(
            screening=screening, defaults={"kind": DecisionKind.REFERRED, "decided_by": actor, "decided_at": now}
        )
        _mark_reviewed(screening, now)
    audit.record(actor, mother.clinic, Action.CREATE, referral, f"{pathway} for {mother.record_number}")
    followups.recompute(mother)
    return referral


@transaction.atomic
def transition(
    referral, target, *, actor, reason="", note="", first_session_on=None, sessions_attended=None, closing_note=""
):
    """Moves a referral on, or raises InvalidTransition and changes nothing."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    lifecycle.check(referral.status, target, reason)
    now = timezone.now()
    previous = referral.status
    referral.status = target
    if target == Status.ACCEPTED and not referral.accepted_at:
        referral.accepted_at = now
    if target == Status.IN_PROGRESS and not referral.first_session_on:
        referral.first_session_on = first_session_on or timezone.localdate()
    if target in lifecycle.ENDED:
        referral.ended_at = now
    if target == Status.COMPLETED:
        referral.sessions_attended = sessions_attended
        referral.closing_note = closing_note
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, at=now, actor=actor, from_status=previous, to_status=target, reason=reason.strip(), note=note
    )
    audit.record(actor, referral.clinic, Action.UPDATE, referral, f"{previous} -> {target}")
    followups.recompute(referral.mother)
    return referral


@transaction.atomic
def record_decision(screening, *, kind, note, actor):
    now = timezone.now()
    decision, _ = Decision.objects.update_or_create(
        screening=screening, defaults={"kind": kind, "note": note, "decided_by": actor, "decided_at": now}
    )
    _mark_reviewed(screening, now)
    audit.record(actor, screening.clinic, Action.UPDATE, screening, f"decision: {kind}")
    return decision


@transaction.atomic
def acknowledge(alert, *, actor, action, note):
    updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor, action=action, note=note
    )
    if updated:
        audit.record(actor, alert.clinic, Action.UPDATE, alert.screening, f"alert acknowledged: {action}")
        followups.recompute(alert.screening.mother)  # scheduling resumes once a clinician has acted
    return bool(updated)
