from django.db import transaction
from django.utils import timezone

from . import audit
from .models import AuditEntry, Mother, Screening
from .risk import assess
from .signals import screening_completed


@transaction.atomic
def record_screening(
    *,
    mother,
    instrument,
    answers,
    taken_on,
    method,
    entered_by,
    language="en",
    translation=None,
    functional_difficulty=None,
    invitation=None,
    submission_token=None,
):
    """Score, grade and store a completed questionnaire; raises InvalidAnswers, saving nothing.
    An invitation it answers is marked completed before screening_completed is sent."""
    result = instrument.score(answers)
    context = mother.context_on(taken_on)
    thresholds = mother.clinic.thresholds(context)
    risk = assess(result, thresholds)
    screening = Screening.objects.create(
        mother=mother,
        clinic_id=mother.clinic_id,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        language=language,
        translation=translation,
        answers=list(answers),
        functional_difficulty=functional_difficulty,
        total=result.total,
        subscales=result.subscales,
        self_harm=result.self_harm,
        band=result.band,
        risk_level=risk.level,
        anxiety_flag=risk.anxiety_flag,
        context=context,
        thresholds=thresholds.as_dict(),
        taken_on=taken_on,
        method=method,
        entered_by=entered_by,
        submission_token=submission_token,
    )
    Mother.objects.filter(pk=mother.pk).refresh_latest_risk()  # a paper form entered now may be older
    if entered_by is not None:
        audit.record(
            entered_by,
            mother.clinic,
            AuditEntry.Action.CREATE,
            screening,
            f"{instrument.code} for {mother.record_number}",
        )
    if invitation is not None:
        invitation.status, invitation.completed_at, invitation.screening = "completed", timezone.now(), screening
        invitation.save(update_fields=["status", "completed_at", "screening"])
    screening_completed.send(sender=Screening, screening=screening, invitation=invitation)
    return screening
