"""A mail server that refuses or never answers does not lose a message or hold the
worker (design rule 16, issue 27): the try is recorded on its delivery row with the error, retried
after a back-off, and sent once when the server is back. A real SMTP client meets a loopback port
that refuses, or a listener that never answers."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from referrals import alerts, provider_links, services
from referrals.models import Provider
from screening import instruments, invitations, outbox
from screening.models import Delivery, User

from ..conftest import enter_epds

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]
POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]


@pytest.mark.parametrize("fault", ["refused", "silent"])
def test_an_invitation_email_survives_a_failing_mail_server(request, fault, mother, clinician):
    port = request.getfixturevalue(f"{fault}_port")
    invitation = invitations.create_invitation(
        mother=mother, instrument=instruments.PHQ9, created_by=clinician, channels=["email", "link"]
    )
    failing = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_TIMEOUT": 1,
    }
    with override_settings(**failing):
        assert invitations.send_invitation(invitation.pk) is False  # no exception reaches the worker
    message = Delivery.objects.get(invitation=invitation, channel="email")
    assert (message.status, message.attempts) == ("pending", 1) and message.last_error
    assert message.next_try_at > timezone.now()
    later = message.next_try_at + timedelta(seconds=1)
    assert outbox.send([message.pk], later) == 1  # the server is back
    assert outbox.send([message.pk], later) == 0  # and it goes once
    message.refresh_from_db()
    assert message.status == "sent" and len(mail.outbox) == 1


def _alert(mother, front_desk):
    return enter_epds(mother, SELF_HARM, front_desk).alert.deliveries.get()


def _escalation(mother, front_desk):
    alert = enter_epds(mother, SELF_HARM, front_desk).alert
    Delivery.objects.filter(alert=alert).update(status="sent")
    assert alerts.escalate(alert.pk, timezone.now() + timedelta(hours=2))
    return alert.deliveries.get(kind="escalation")


def _provider_link(mother, front_desk):
    clinician = User.objects.get(username="alice")
    provider = Provider.objects.create(
        clinic=mother.clinic, name="Harbour Therapy", pathways=["cbt"], contact="x", referral_email="in@harbour.example"
    )
    screening = enter_epds(mother, POSITIVE, front_desk)
    referral = services.create_referral(
        mother=mother, pathway="cbt", actor=clinician, screening=screening, provider=provider
    )
    provider_links.send(provider_links.create(referral, actor=clinician), actor=clinician)
    return Delivery.objects.get(kind="provider")


def _password_link(mother, front_desk):
    return outbox.queue("password", clinic=mother.clinic, user=User.objects.get(username="alice"))


@pytest.mark.parametrize("fault", ["refused", "silent"])
@pytest.mark.parametrize("message", [_alert, _escalation, _provider_link, _password_link])
def test_every_kind_of_message_waits_out_a_failing_mail_server_and_then_goes_once(
    request, fault, message, mother, front_desk, clinician, clinic_admin
):
    """Alerts, their escalations, provider links and password links were sent directly (issue 27):
    a refused email was lost, or stopped the run. Each is now an outbox row that waits it out."""
    port = request.getfixturevalue(f"{fault}_port")
    row = message(mother, front_desk)
    failing = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_TIMEOUT": 1,
    }
    with override_settings(**failing):
        assert outbox.send([row.pk]) == 0  # no exception reaches the worker
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None) and row.last_error
    later = row.next_try_at + timedelta(seconds=1)
    assert outbox.send([row.pk], later) == 1  # the server is back
    assert outbox.send([row.pk], later) == 0  # and it goes once
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_to and len(mail.outbox) == 1
