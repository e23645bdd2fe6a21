"""A mother's concern (design rule 11): the time she is at risk. Results and clinicians open it;
only a clinician closes it, with a reason. Every service that can end one of her paths calls
ensure_path() last, so that a mother at risk with nothing live comes back to the worklist."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from screening import audit, instruments
from screening.models import AuditEntry
from screening.risk import POSITIVE_LEVELS, RiskLevel

from . import care, deadlines
from .deadlines import Why
from .models import Alert, Attention, Concern, ConcernClosed, ConcernOpened, FollowUp, FollowUpStatus, ReferralSettings
from .schedule import FULL_LENGTH  # a negative one can show remission

# A band that puts her at risk on its own (the GAD-7 authors' severe band, 15-21).
AT_RISK_BANDS = {(i.code, i.at_risk_band) for i in instruments.all() if i.at_risk_band}


class CannotClose(ValueError):
    pass


def current(mother, lock=False):
    concerns = Concern.objects.open().filter(mother=mother)
    return (concerns.select_for_update() if lock else concerns).first()


def open_for(mother, because, *, why, since, screening=None, actor=None, note=""):
    """The mother's open concern, opened now if she had none. Its deadline is `why`'s interval from
    `since`; an open concern's deadline only comes closer (a new reason is more urgent), unless it
    had passed: then it is counted afresh from this reason."""
    act_by = deadlines.deadline(why, since, ReferralSettings.for_clinic(mother.clinic))
    concern = current(mother, lock=True)
    if concern is None:
        try:
            with transaction.atomic():
                return Concern.objects.create(
                    mother=mother,
                    clinic_id=mother.clinic_id,
                    opened_because=because,
                    screening=screening,
                    opened_by=actor,
                    note=note,
                    act_by=act_by,
                    deadline_kind=why,
                )
        except IntegrityError:  # a concurrent screen opened it a moment earlier
            concern = current(mother, lock=True)
    before = (concern.act_by, concern.deadline_kind)
    if concern.act_by < mother.clinic.today() or act_by < concern.act_by:
        concern.act_by = act_by
    if why == Why.SAFETY:
        concern.deadline_kind = Why.SAFETY
    if (concern.act_by, concern.deadline_kind) != before:  # most screens change neither
        concern.save(update_fields=["act_by", "deadline_kind"])
    return concern


def reason_of(screening):
    """A self-harm answer or a high score asks for a safety rescreen; any other positive a rescreen."""
    return Why.SAFETY if screening.self_harm or screening.score_level == RiskLevel.HIGH else Why.RESCREEN


def acted(mother, *, safety=False):
    """A clinician acted for her (a decision, a referral made or ended): her deadline counts again
    from today, by her concern's interval (the safety rescreen's once any reason asked for it), and
    never comes closer than it was. An acknowledged self-harm alert (`safety`) sets the safety
    rescreen's deadline, whatever was set before."""
    concern = current(mother, lock=True)
    if concern is None:
        return
    why = Why.SAFETY if safety else concern.deadline_kind
    act_by = deadlines.deadline(why, mother.clinic.today(), ReferralSettings.for_clinic(mother.clinic))
    if safety or act_by > concern.act_by:
        concern.act_by, concern.deadline_kind = act_by, why
        concern.save(update_fields=["act_by", "deadline_kind"])


def defer(mother, act_by):
    """A clinician's recorded decision that her next check may come later than her deadline."""
    concern = current(mother, lock=True)
    if concern is not None and act_by > concern.act_by:
        concern.act_by = act_by
        concern.save(update_fields=["act_by"])


def on_screening(screening):
    """A positive depression screen or a self-harm answer opens a concern; a negative full-length
    screen while one is open asks a clinician whether this is remission."""
    mother = screening.mother
    if screening.risk_level in POSITIVE_LEVELS:
        because = ConcernOpened.SELF_HARM if screening.self_harm else ConcernOpened.POSITIVE_SCREEN
        open_for(mother, because, why=reason_of(screening), since=screening.taken_on, screening=screening)
    elif (screening.instrument_code, screening.band) in AT_RISK_BANDS:
        open_for(mother, ConcernOpened.SEVERE_ANXIETY, why=Why.RESCREEN, since=screening.taken_on, screening=screening)
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
    """Back on the worklist if nothing reaches her before her deadline: with `why` when nothing is
    planned at all, or saying that what is planned comes too late."""
    if care.in_gap(mother):
        pending = FollowUp.objects.filter(mother=mother, status__in=[FollowUpStatus.SCHEDULED, FollowUpStatus.INVITED])
        needs_decision(mother, Attention.NOT_IN_TIME if pending.exists() else why)


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
