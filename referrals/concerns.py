"""A mother's concern (design rule 11): the time she is at risk. Results and clinicians open it;
only a clinician closes it, with a reason. Every service that can end one of her paths calls
ensure_path() last, so that a mother at risk with nothing live comes back to the worklist."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from screening import audit
from screening.models import AuditEntry
from screening.risk import POSITIVE_LEVELS, RiskLevel

from . import care
from .models import Alert, Attention, Concern, ConcernClosed, ConcernOpened

FULL_LENGTH = {"EPDS", "PHQ-9"}  # the instruments whose negative result can show remission


class CannotClose(ValueError):
    pass


def current(mother, lock=False):
    concerns = Concern.objects.open().filter(mother=mother)
    return (concerns.select_for_update() if lock else concerns).first()


def open_for(mother, because, *, screening=None, actor=None, note=""):
    """The mother's open concern, opened now if she had none."""
    concern = current(mother, lock=True)
    if concern is not None:
        return concern
    try:
        with transaction.atomic():
            return Concern.objects.create(
                mother=mother,
                clinic_id=mother.clinic_id,
                opened_because=because,
                screening=screening,
                opened_by=actor,
                note=note,
            )
    except IntegrityError:  # a concurrent screen opened it a moment earlier
        return current(mother, lock=True)


def on_screening(screening):
    """A positive depression screen or a self-harm answer opens a concern; a negative full-length
    screen while one is open asks a clinician whether this is remission."""
    mother = screening.mother
    if screening.risk_level in POSITIVE_LEVELS:
        because = ConcernOpened.SELF_HARM if screening.self_harm else ConcernOpened.POSITIVE_SCREEN
        open_for(mother, because, screening=screening)
    elif screening.risk_level == RiskLevel.LOW and screening.instrument_code in FULL_LENGTH:
        needs_decision(mother, Attention.NEGATIVE_RESCREEN)


def needs_decision(mother, why):
    """Puts her open concern on the worklist until a clinician decides; the wait counts from the
    first time it was put there."""
    concern = current(mother, lock=True)
    if concern is None:
        return
    concern.attention = why
    concern.attention_since = concern.attention_since or timezone.now()
    concern.save(update_fields=["attention", "attention_since"])


def decided(mother):
    Concern.objects.open().filter(mother=mother).update(attention="", attention_since=None)


def ensure_path(mother, why=Attention.NO_PLAN):
    if care.in_gap(mother):
        needs_decision(mother, why)


def mark(mother, *, note, actor, urgent=False):
    """A clinician's concern the questionnaires cannot detect. An urgent one (psychosis or mania
    symptoms, a safety concern) raises an alert like a self-harm answer (clinical.md section 3)."""
    concern = open_for(mother, ConcernOpened.CLINICIAN, actor=actor, note=note)
    needs_decision(mother, Attention.NEW_CONCERN)  # on the worklist until someone plans what comes next
    if urgent:
        from .alerts import raise_alert  # alerts import this module

        raise_alert(mother, raised_by=actor)
    audit.record(actor, mother.clinic, AuditEntry.Action.CREATE, mother, "urgent concern" if urgent else "concern")
    return concern


def close_problem(concern, because):
    """Why this concern may not be closed for that reason now, or None."""
    mother = concern.mother
    if Alert.objects.unacknowledged().filter(mother=mother).exists():
        return _("Acknowledge her self-harm alert first.")
    if because == ConcernClosed.REMISSION:
        latest = (
            mother.screenings.filter(instrument_code__in=FULL_LENGTH, created_at__gt=concern.opened_at)
            .order_by("-taken_on", "-created_at")
            .first()
        )
        if latest is None or latest.risk_level != RiskLevel.LOW or latest.self_harm:
            return _("Remission needs a negative EPDS or PHQ-9 taken since the concern was opened.")
    return None


@transaction.atomic
def close(concern, *, because, note, actor):
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not concern.is_open:
        return concern
    problem = close_problem(concern, because)
    if problem:
        raise CannotClose(problem)
    concern.closed_at, concern.closed_by, concern.closed_because = timezone.now(), actor, because
    concern.closing_note, concern.attention, concern.attention_since = note, "", None
    concern.save()
    audit.record(actor, concern.clinic, AuditEntry.Action.UPDATE, concern.mother, f"concern closed: {because}")
    return concern
