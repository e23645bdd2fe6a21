"""A mail server that refuses or never answers does not lose an invitation's email or hold the
worker (design rule 16, issue 27): the try is recorded on its delivery row with the error, retried
after a back-off, and sent once when the server is back. A real SMTP client meets a loopback port
that refuses, or a listener that never answers."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from screening import instruments, invitations
from screening.models import Delivery


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
    assert invitations.send_deliveries([message.pk], later) == 1  # the server is back
    assert invitations.send_deliveries([message.pk], later) == 0  # and it goes once
    message.refresh_from_db()
    assert message.status == "sent" and len(mail.outbox) == 1
