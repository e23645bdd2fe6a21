"""Invitations: a mother's private link to one questionnaire (design rule 6).

The token in the link is derived from the invitation's random nonce (common.link_tokens); the
database holds only its SHA-256, so a copy of the database opens no questionnaire. A rotated key is
kept in SECRET_KEY_FALLBACKS until the links made with it have expired (14 days).

Each message (the first, or reminder N) by each channel is a Delivery row, sent and retried on its
own."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from common import link_tokens

from . import audit, emails, instruments, outbox, sms
from .models import (
    OPEN_INVITATION,
    AuditEntry,
    Delivery,
    DeliveryStatus,
    Invitation,
    InvitationStatus,
    Mother,
)
from .signals import self_harm_disclosed

DEFAULT_LIFETIME = timedelta(days=14)
log = logging.getLogger(__name__)


class Channel:
    EMAIL, SMS, LINK = "email", "sms", "link"


PURPOSE = "invitation"


def token_for(invitation):
    """Her link's token (common.link_tokens): reminders and QR codes repeat the link she holds."""
    return link_tokens.token_for(PURPOSE, invitation)


def link_for(invitation):
    return settings.SITE_URL.rstrip("/") + reverse("online_start", args=[token_for(invitation)])


def online_instruments(clinic):
    """The EPDS only with the Royal College's written permission; the others always."""
    return [i for i in instruments.all() if clinic.epds_online_permission or not i.online_needs_permission]


def default_instrument(clinic):
    return instruments.EPDS if clinic.epds_online_permission else instruments.PHQ9


def _may_send(mother, channel):
    """Whether she consented to this channel and gave its address."""
    if channel == Channel.EMAIL:
        return bool(mother.email_consent and mother.email)
    return bool(mother.sms_consent and mother.phone)


def allowed_channels(mother):
    return [c for c in (Channel.EMAIL, Channel.SMS) if _may_send(mother, c)] + [Channel.LINK]


class AlreadyOpen(ValueError):
    """She already has an open link to this questionnaire: one link, one answer."""

    def __init__(self, invitation):
        super().__init__(f"{invitation.instrument_code} invitation already open")
        self.invitation = invitation


def open_invitation(mother, instrument_code, now=None):
    """The link she already holds for this questionnaire, if any. Links past their expiry are
    written as expired here, so that they make way for a new one."""
    links = Invitation.objects.filter(
        mother=mother, instrument_code=instrument_code, tablet=False, status__in=OPEN_INVITATION
    )
    links.filter(expires_at__lte=now or timezone.now()).update(status=InvitationStatus.EXPIRED)
    return links.order_by("pk").first()


def new_invitation(*, mother, instrument, channels, tablet=False, created_by=None, lifetime=DEFAULT_LIFETIME):
    """An unsaved invitation with its nonce and token hash (the dispatcher saves many at once)."""
    invitation = Invitation(
        mother=mother,
        clinic_id=mother.clinic_id,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        channels=list(channels),
        tablet=tablet,
        created_by=created_by,
        expires_at=timezone.now() + lifetime,
    )
    return link_tokens.seal(PURPOSE, invitation)


def create_invitation(
    *, mother, instrument, created_by=None, channels=(Channel.LINK,), tablet=False, lifetime=DEFAULT_LIFETIME
):
    """Creates the row; sending happens separately (send_invitation), after commit. Raises
    AlreadyOpen if she holds an open link to the same questionnaire (tablet hand-overs aside)."""
    if not tablet:
        existing = open_invitation(mother, instrument.code)
        if existing is not None:
            raise AlreadyOpen(existing)
    if instrument not in online_instruments(mother.clinic):
        raise ValueError(f"{instrument.code} may not be offered online at {mother.clinic}.")
    refused = set(channels) - set(allowed_channels(mother))
    if refused:
        raise ValueError(f"No consent or contact for {', '.join(sorted(refused))}.")
    invitation = new_invitation(
        mother=mother, instrument=instrument, channels=channels, tablet=tablet, created_by=created_by, lifetime=lifetime
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # a colleague or the dispatcher made one a moment earlier
        raise AlreadyOpen(open_invitation(mother, instrument.code)) from None
    queue_deliveries(invitation)
    if created_by is not None:
        audit.record(created_by, mother.clinic, AuditEntry.Action.CREATE, invitation, instrument.code)
    return invitation


def messages(invitation, reminder=0):
    """Unsaved delivery rows for the first message (0) or reminder N, one per consented channel."""
    return [
        Delivery(
            invitation=invitation,
            clinic_id=invitation.clinic_id,
            mother_id=invitation.mother_id,
            channel=channel,
            reminder=reminder,
        )
        for channel in (Channel.EMAIL, Channel.SMS)
        if channel in invitation.channels and _may_send(invitation.mother, channel)
    ]


def queue_deliveries(invitation, reminder=0):
    """Saves the message's delivery rows; queuing the same message twice makes no second row.
    Returns the ids still waiting to go, for sending after commit."""
    Delivery.objects.bulk_create(messages(invitation, reminder), ignore_conflicts=True)
    return list(
        Delivery.objects.filter(invitation=invitation, reminder=reminder, status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
    )


def _context(invitation, reminder):
    return {
        "clinic": invitation.clinic,
        "link": link_for(invitation),
        "expires_at": invitation.expires_at,
        "reminder": bool(reminder),
    }


class LinkMessage(outbox.Message):
    """Her link, or reminder N of it, by one channel, in her language and her clinic's time. It says
    nothing about health."""

    def ended(self, row, now):
        if row.invitation.state(now) not in OPEN_INVITATION:
            return "not needed: the link is closed"
        if not _may_send(row.invitation.mother, row.channel):
            return "not needed: consent withdrawn"
        return ""

    def send(self, row):
        invitation = row.invitation
        mother = invitation.mother
        context = _context(invitation, row.reminder)
        with translation.override(mother.preferred_language), timezone.override(invitation.clinic.zone()):
            if row.channel == Channel.EMAIL:
                emails.send("invitation", [mother.email], context)
            else:
                sms.send(mother.phone, _sms_text(context))
        return ""

    def sent(self, rows, now):
        first = [row.invitation_id for row in rows if row.reminder == 0]
        if first:
            Invitation.objects.filter(pk__in=first, sent_at__isnull=True).update(sent_at=now)


def send_invitation(invitation_id):
    """Sends the first message of an invitation by each of its channels that has not gone yet."""
    invitation = Invitation.objects.select_related("mother").filter(pk=invitation_id).first()
    if invitation is None:
        return False
    return outbox.send(queue_deliveries(invitation)) > 0


def _sms_text(context):
    from django.template.loader import render_to_string

    return " ".join(render_to_string("emails/invitation-sms.txt", context).split())


def find(token, now=None):
    """The open invitation behind a token, or None: wrong, expired, spent and cancelled look alike."""
    if not token or len(token) > link_tokens.LONGEST:
        return None
    by_token = Invitation.objects.with_scopes_disabled()  # the token names the clinic: it is the lookup
    invitation = by_token.select_related("clinic", "mother").filter(token_hash=link_tokens.digest(token)).first()
    if invitation is None or invitation.state(now) not in OPEN_INVITATION:
        return None
    return invitation


def mark_opened(invitation):
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENT).update(status=InvitationStatus.OPENED)


def _lock(invitation):
    Mother.objects.lock(invitation.mother_id)
    return Invitation.objects.select_for_update(of=("self",)).select_related("mother__clinic").get(pk=invitation.pk)


@transaction.atomic
def save_answer(invitation, item_number, position):
    """Records one answer on the server; the last write wins and every change to an earlier answer
    is kept in the draft's history. The first self-harm answer raises the urgent alert in the same
    transaction (design rule 14)."""
    row = _lock(invitation)
    if row.status not in OPEN_INVITATION:
        return row
    key, now = str(item_number), timezone.now()
    if key in row.draft and row.draft[key] != position:
        row.draft_history.append({"item": item_number, "from": row.draft[key], "to": position, "at": now.isoformat()})
    disclosed_before = row.self_harm_answered()
    row.draft[key] = position
    row.status = InvitationStatus.IN_PROGRESS
    row.opened_at = row.opened_at or now
    row.save(update_fields=["draft", "draft_history", "status", "opened_at"])
    if row.self_harm_answered() and not disclosed_before:
        self_harm_disclosed.send(sender=Invitation, invitation=row)
    return row


def follow_up_for(brief, clinic):
    """The full questionnaire a positive brief screen goes on to: the first of its `follow_with` the
    clinic may use online (the Whooley questions go on to the EPDS only with the College's permission)."""
    allowed = {i.code for i in online_instruments(clinic)}
    return instruments.get(next((code for code in brief.follow_with if code in allowed), brief.follow_with[-1]))


def continue_into_full(brief_invitation):
    """After a positive brief screen online she goes on to the full questionnaire, the answers she
    already gave carried over where the brief one is its first items (the PHQ-2 is PHQ-9 items 1 and
    2). Her open link to that questionnaire is used if she has one."""
    full = follow_up_for(brief_invitation.instrument, brief_invitation.clinic)
    held = None if brief_invitation.tablet else open_invitation(brief_invitation.mother, full.code)
    invitation = held or create_invitation(
        mother=brief_invitation.mother,
        instrument=full,
        tablet=brief_invitation.tablet,
        lifetime=max(brief_invitation.expires_at - timezone.now(), timedelta(hours=2)),
    )
    if brief_invitation.instrument.begins(full):
        answers = brief_invitation.answers_so_far()
        for item in brief_invitation.instrument.items:
            if str(item.number) not in invitation.draft:
                invitation = save_answer(invitation, item.number, answers[item.number])
    return invitation


@transaction.atomic
def hand_over(invitation, actor):
    """Staff were shown her link to hand over, in the room or by phone: a link-only invitation now
    reaches her (the care-gap rule counts it from here)."""
    updated = Invitation.objects.filter(pk=invitation.pk, handed_over_at__isnull=True).update(
        handed_over_at=timezone.now()
    )
    if updated:
        audit.record(actor, invitation.clinic, AuditEntry.Action.UPDATE, invitation, "link handed over")
    return bool(updated)


def cancel(invitation, actor):
    updated = Invitation.objects.filter(pk=invitation.pk, status__in=OPEN_INVITATION).update(
        status=InvitationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    if updated:
        audit.record(actor, invitation.clinic, AuditEntry.Action.UPDATE, invitation, "cancelled")
    return bool(updated)
