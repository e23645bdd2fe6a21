"""A stalled referral escalates to the clinician who made it (issue 16): once when the provider
has not accepted it within the clinic's limit for its urgency, once when she has had no first
session within the limit. The email names the clinic and links to the referral page (staff sign
in to see it); the referral's history records the escalation. The worklist already lists it
under "Referral waiting or past its limits"."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from screening import emails, outbox
from screening.models import MessageKind

from .models import OPEN_STATUSES, Referral, ReferralEvent, ReferralSettings, Status

WAITING = [Status.REQUESTED, Status.ON_HOLD, Status.ACCEPTED]
log = logging.getLogger(__name__)


ESCALATED = {"accept": "escalated_accept_at", "session": "escalated_session_at"}
WORDS = {
    "accept": lambda n: ngettext("not accepted within %(n)s day", "not accepted within %(n)s days", n),
    "session": lambda n: ngettext("no first session within %(n)s day", "no first session within %(n)s days", n),
}


def _passed(referral, limits, now):
    """The limits this referral has passed and not yet been escalated for: [(field, message)]."""
    return [
        (ESCALATED[kind], WORDS[kind](days) % {"n": days})
        for kind, days in referral.limits_passed(limits, now)
        if getattr(referral, ESCALATED[kind]) is None
    ]


def escalate(now=None):
    """Escalates every stalled referral not yet escalated for the limit it passed; returns how many
    emails were written to the outbox."""
    now = now or timezone.now()
    candidates = (
        Referral.objects.filter(status__in=WAITING, requested_at__lt=now - timedelta(days=1))
        .filter(
            Q(accepted_at__isnull=True, escalated_accept_at__isnull=True)
            | Q(first_session_on__isnull=True, escalated_session_at__isnull=True)
        )
        .select_related("clinic", "created_by")
    )
    limits, sent = {}, 0
    for referral in candidates.iterator():
        if referral.clinic_id not in limits:
            limits[referral.clinic_id] = ReferralSettings.for_clinic(referral.clinic)
        passed = _passed(referral, limits[referral.clinic_id], now)
        if not passed:
            continue
        try:
            sent += _escalate_one(referral, passed, now)
        except Exception:  # noqa: BLE001 - one failing referral must not stop the others (design rule 12)
            log.exception("escalation of referral %s not recorded; the next run tries again", referral.pk)
    return sent


@transaction.atomic
def _escalate_one(referral, passed, now):
    """Marks and records one escalation, and writes its email to the outbox, in one transaction: two
    runs never write it twice (the mark's update holds the row), and the outbox sends and retries
    the email after commit, so a refusing mail server loses nothing and stops nothing."""
    updated = Referral.objects.filter(pk=referral.pk, status__in=OPEN_STATUSES)
    for field, _message in passed:
        updated = updated.filter(**{f"{field}__isnull": True})
    if not updated.update(**{field: now for field, _message in passed}):
        return 0  # another run took it, or it moved on
    what = "; ".join(message for _field, message in passed)
    ReferralEvent.objects.create(
        referral=referral,
        from_status=referral.status,
        to_status=referral.status,
        note=_("Escalated to the referring clinician: %(what)s") % {"what": what},
    )
    if not referral.created_by.email:
        return 0
    outbox.queue(MessageKind.STALLED, clinic_id=referral.clinic_id, mother_id=referral.mother_id, referral=referral)
    return 1


class StalledMessage(outbox.Message):
    """To the clinician who made the referral: names the clinic and links to the referral page."""

    def ended(self, row, now):
        return "" if row.referral.status in OPEN_STATUSES else "not needed: the referral has ended"

    def send(self, row):
        referral = row.referral
        if not referral.created_by.email:
            raise outbox.NoRecipient("The referring clinician has no email address.")
        url = settings.SITE_URL.rstrip("/") + reverse("referral_detail", args=[referral.code])
        emails.send("referral-stalled", [referral.created_by.email], {"clinic": referral.clinic, "url": url})
        return referral.created_by.email
