"""The receiving provider's side of a referral (issue 16): a private link, made and sent by the
referring clinic, through which the provider accepts or declines, books and records the first
appointment, and discharges, without an account. Every step moves the referral through the same
lifecycle as a clinician's, and is audited as "provider via link".

The token is derived like the mother's (common.link_tokens); only its SHA-256 is stored, so a copy
of the database opens no referral."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common import link_tokens
from screening import audit, emails, outbox
from screening.models import AuditEntry, MessageKind

from . import lifecycle, services
from .models import ProviderLink, ReferralEvent, Status

LIFETIME = timedelta(days=60)
BY_LINK = "provider via link"


PURPOSE = "provider-link"


def token_for(link):
    return link_tokens.token_for(PURPOSE, link)


def url_for(link):
    return settings.SITE_URL.rstrip("/") + reverse("provider_referral", args=[token_for(link)])


def find(token, now=None):
    """The open link this token opens, or None (wrong, expired or revoked). A link whose referral has
    ended is found: its page says the referral is closed."""
    if not token or len(token) > link_tokens.LONGEST:
        return None
    link = (
        ProviderLink.objects.select_related("referral__mother", "referral__clinic", "referral__provider")
        .select_related("referral__screening")
        .filter(token_hash=link_tokens.digest(token))
        .first()
    )
    if link is None or not link.is_open(now):
        return None
    return link


def create(referral, *, actor, lifetime=LIFETIME):
    """A new link for this referral; the ones before it stop working (one live link at a time)."""
    now = timezone.now()
    with transaction.atomic():
        referral.provider_links.filter(revoked_at=None).update(revoked_at=now)
        link = ProviderLink(referral=referral, expires_at=now + lifetime, created_by=actor)
        link_tokens.seal(PURPOSE, link).save()
        audit.record(actor, referral.clinic, AuditEntry.Action.CREATE, referral, "provider link made")
    return link


def send(link, *, actor):
    """Writes the email carrying the link to the provider's referral address to the outbox, in the
    caller's transaction; it goes after commit. The message names the clinic only."""
    provider = link.referral.provider
    if provider is None or not provider.referral_email:
        raise ValueError(_("This provider has no referral email: print the referral letter instead."))
    referral = link.referral
    with transaction.atomic():
        outbox.queue(
            MessageKind.PROVIDER_LINK, clinic_id=referral.clinic_id, mother_id=referral.mother_id, provider_link=link
        )
        audit.record(actor, referral.clinic, AuditEntry.Action.UPDATE, referral, "provider link emailed")


class LinkMessage(outbox.Message):
    def ended(self, row, now):
        link = row.provider_link
        if not link.is_open(now) or link.referral.status in lifecycle.ENDED:
            return "not needed: the link was replaced, revoked or the referral ended"
        return ""

    def send(self, row):
        link = row.provider_link
        provider = link.referral.provider
        if provider is None or not provider.referral_email:
            raise outbox.NoRecipient("The provider has no referral email.")
        context = {"clinic": link.referral.clinic, "link": url_for(link), "expires_at": link.expires_at}
        with timezone.override(link.referral.clinic.zone()):
            emails.send("provider-link", [provider.referral_email], context)
        return provider.referral_email

    def sent(self, rows, now):
        for row in rows:
            to = row.provider_link.referral.provider.referral_email
            ProviderLink.objects.filter(pk=row.provider_link_id).update(sent_to=to, sent_at=now)


def revoke(link, *, actor):
    ProviderLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=timezone.now())
    audit.record(actor, link.referral.clinic, AuditEntry.Action.UPDATE, link.referral, "provider link revoked")


# The provider's steps ----------------------------------------------------------------------------


def actions(referral):
    """What the provider may do next, in the order they come."""
    status = Status(referral.status)
    if status in (Status.REQUESTED, Status.ON_HOLD):
        return ["accept", "decline"]
    if status == Status.ACCEPTED:
        return ["appointment", "attended", "missed", "decline"]
    if status == Status.IN_PROGRESS:
        return ["discharge"]
    return []


def _note(referral, note):
    """A step that does not change the status: written in the history and the audit."""
    ReferralEvent.objects.create(
        referral=referral, from_status=referral.status, to_status=referral.status, note=note, by_provider=True
    )
    audit.record(None, referral.clinic, AuditEntry.Action.UPDATE, referral, f"{note} ({BY_LINK})")


def act(link, action, *, reason="", on=None, note=""):
    """One of the provider's steps; raises lifecycle.InvalidTransition (nothing changed) when the
    referral has moved on meanwhile or the step does not fit."""
    with transaction.atomic():
        referral = link.referral.__class__.objects.select_for_update().get(pk=link.referral_id)
        if action not in actions(referral):
            raise lifecycle.InvalidTransition(_("This step is no longer open for this referral."))
        if action == "accept":
            referral = services.transition(referral, Status.ACCEPTED, actor=None, by_provider=True)
        elif action == "decline":
            referral = services.transition(referral, Status.REJECTED, actor=None, reason=reason, by_provider=True)
        elif action == "appointment":
            referral.appointment_on = on
            referral.save(update_fields=["appointment_on"])
            _note(referral, _("First appointment booked for %(day)s") % {"day": date_format(on)})
        elif action == "missed":
            missed = referral.appointment_on
            referral.appointment_on = None
            referral.save(update_fields=["appointment_on"])
            day = date_format(missed) if missed else "-"
            _note(referral, _("She did not come to the appointment of %(day)s") % {"day": day})
        elif action == "attended":
            referral = services.transition(
                referral, Status.IN_PROGRESS, actor=None, first_session_on=on, by_provider=True
            )
            referral.contact_confirmed_by_provider = True
            referral.save(update_fields=["contact_confirmed_by_provider"])
        elif action == "discharge":
            referral = services.transition(
                referral, Status.COMPLETED, actor=None, closing_note=note, note=note, by_provider=True
            )
            # the day the provider gave, at noon in the clinic's zone (so the day is hers); shown as a day
            referral.ended_at = datetime.combine(on, time(12), tzinfo=referral.clinic.zone())
            referral.save(update_fields=["ended_at"])
        ProviderLink.objects.filter(pk=link.pk).update(last_opened_at=timezone.now())
    return referral
