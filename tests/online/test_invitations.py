from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from screening import instruments, invitations, sms
from screening.models import AuditEntry, Invitation

HEALTH_WORDS = ("depress", "mood", "mental", "EPDS", "PHQ", "anxiety", "screening", "Edinburgh", "self-harm")


def test_the_token_is_at_least_128_bits_and_only_its_hash_is_stored(invited):
    invitation, token = invited
    assert len(token) == 32  # 24 random-looking bytes, base64url: 192 bits
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM screening_invitation")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert token not in row
    assert invitation.token_hash in row and len(invitation.token_hash) == 64


def test_tokens_differ_per_invitation_and_reminders_repeat_the_same_link(mother, clinician, epds_permission):
    first = invitations.create_invitation(mother=mother, instrument=instruments.EPDS)
    second = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9)
    assert invitations.token_for(first) != invitations.token_for(second)
    assert invitations.link_for(first) == invitations.link_for(Invitation.objects.get(pk=first.pk))


def test_the_email_and_text_say_nothing_about_health(mother, clinician, clinic_a):
    mother.sms_consent, mother.phone = True, "+15550100"
    mother.save()
    invitation = invitations.create_invitation(
        mother=mother, instrument=instruments.PHQ9, created_by=clinician, channels=["email", "sms", "link"]
    )
    sms.outbox.clear()
    assert invitations.send_invitation(invitation.pk) is True
    (email,) = mail.outbox
    (text,) = sms.outbox
    link = invitations.link_for(invitation)
    assert email.subject == "A short questionnaire from Clinic A"
    assert link in email.body and link in email.alternatives[0][0] and link in text["body"]
    for message in (email.subject, email.body, email.alternatives[0][0], text["body"]):
        for word in HEALTH_WORDS:
            assert word.lower() not in message.lower(), (word, message)
    assert "depress" not in link and str(mother.record_number) not in link


def test_sending_twice_sends_once(invited):
    invitation, _ = invited
    assert invitations.send_invitation(invitation.pk) is True
    assert invitations.send_invitation(invitation.pk) is False
    assert len(mail.outbox) == 1


def test_messages_are_in_the_mothers_language(mother, clinician):
    mother.preferred_language = "es"
    mother.save()
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, channels=["email", "link"])
    invitations.send_invitation(invitation.pk)
    assert mail.outbox[0].subject == "Un cuestionario breve de Clinic A"


def test_channels_respect_consent(mother):
    mother.email_consent = False
    mother.save()
    assert invitations.allowed_channels(mother) == ["link"]
    with pytest.raises(ValueError, match="No consent"):
        invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, channels=["email"])


def test_without_permission_the_epds_is_not_offered_online(mother, clinic_a):
    assert instruments.EPDS not in invitations.online_instruments(clinic_a)
    assert invitations.default_instrument(clinic_a) is instruments.PHQ9
    with pytest.raises(ValueError, match="may not be offered online"):
        invitations.create_invitation(mother=mother, instrument=instruments.EPDS)


def test_wrong_expired_spent_and_cancelled_tokens_all_find_nothing(invited, clinician):
    invitation, token = invited
    assert invitations.find(token) == invitation
    assert invitations.find(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert invitations.find("") is None and invitations.find("x" * 500) is None
    with time_machine.travel(timezone.now() + timedelta(days=14, seconds=1)):
        assert invitations.find(token) is None
        assert invitation.state() == "expired"
    invitations.cancel(invitation, clinician)
    assert invitations.find(token) is None
    assert AuditEntry.objects.filter(summary="cancelled", object_code=invitation.code).exists()


def test_plain_text_messages_are_not_html_escaped(mother, clinic_a):
    clinic_a.name = "Women's & Children's Clinic"
    clinic_a.save()
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, channels=["email", "link"])
    invitations.send_invitation(invitation.pk)
    assert mail.outbox[0].subject == "A short questionnaire from Women's & Children's Clinic"
    assert "Women's & Children's Clinic invites you" in mail.outbox[0].body
    assert "Women&#x27;s &amp; Children&#x27;s" in mail.outbox[0].alternatives[0][0]


def test_after_a_key_rotation_reminders_repeat_the_link_she_holds(mother, settings):
    from screening import invitations as inv
    from screening.models import Invitation as Inv

    invitation = inv.create_invitation(mother=mother, instrument=instruments.PHQ9)
    held = inv.token_for(invitation)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789abcdefghijklmnop"
    assert inv.token_for(Inv.objects.get(pk=invitation.pk)) == held  # the reminder repeats her link
    assert inv.find(held) == invitation
    settings.SECRET_KEY_FALLBACKS = []
    assert inv.token_for(Inv.objects.get(pk=invitation.pk)) != held  # the old key dropped: say so in the README
