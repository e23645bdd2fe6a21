"""A mother moving to another clinic is a service, not a field edit (design rule 11): in one
transaction her row, her current pregnancy, her open invitations and her screens still waiting for a
decision move with her; the referrals app moves her open concern, alerts, follow-ups and referrals
on the same signal; both clinics' audit logs record it. At no moment is she on neither clinic's
lists. Screens already decided stay with the clinic that took them, for its reports."""

from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from . import audit, episodes
from .models import OPEN_INVITATION, AuditEntry, Invitation, InvitationStatus, Mother
from .signals import mother_transferred


class CannotTransfer(ValueError):
    pass


def transfer(mother, clinic, *, actor, note=""):
    """Moves her to `clinic`; raises CannotTransfer if her record number is taken there."""
    try:
        with scopes_disabled(), transaction.atomic():  # it acts for both clinics, by design
            return _transfer(mother, clinic, actor, note)
    except IntegrityError:
        raise CannotTransfer(
            f"Record number {mother.record_number} is already used at {clinic.name}: change it first."
        ) from None


def _transfer(mother, clinic, actor, note):
    mother = Mother.objects.lock(mother.pk)
    source = mother.clinic
    if source.pk == clinic.pk:
        return mother
    mother.clinic = clinic
    mother.save()
    current = episodes.current(mother)
    if current is not None:
        current.clinic = clinic
        current.save(update_fields=["clinic"])
    waiting = [*OPEN_INVITATION, InvitationStatus.SUBMITTED]  # a sent form is scored where she now is
    Invitation.objects.filter(mother=mother, status__in=waiting).update(clinic=clinic)
    mother.screenings.awaiting_review().positive().update(clinic=clinic)
    mother_transferred.send(sender=Mother, mother=mother, source=source, actor=actor)
    why = f": {note}" if note else ""
    audit.record(actor, source, AuditEntry.Action.UPDATE, mother, f"transferred to {clinic.name}{why}"[:300])
    audit.record(actor, clinic, AuditEntry.Action.UPDATE, mother, f"transferred from {source.name}{why}"[:300])
    return mother
