"""A clinician's concern the questionnaires cannot detect: it opens a concern like a positive screen,
and an urgent one raises an alert like a self-harm answer."""

from screening import audit
from screening.models import AuditEntry

from .alerts import raise_alert
from .concerns import needs_decision, open_for
from .deadlines import Why
from .models import Attention, ConcernOpened


def mark(mother, *, note, actor, urgent=False):
    """Urgent: psychosis or mania symptoms, a safety concern (docs/clinical.md section 3)."""
    why = Why.SAFETY if urgent else Why.RESCREEN
    concern = open_for(mother, ConcernOpened.CLINICIAN, why=why, since=mother.clinic.today(), actor=actor, note=note)
    needs_decision(mother, Attention.NEW_CONCERN)  # on the worklist until someone plans what comes next
    if urgent:
        raise_alert(mother, raised_by=actor)
    audit.record(actor, mother.clinic, AuditEntry.Action.CREATE, mother, "urgent concern" if urgent else "concern")
    return concern
