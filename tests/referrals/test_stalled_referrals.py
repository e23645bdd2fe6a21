"""A stalled referral escalates to the clinician who made it (issue 16), once per limit passed."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from referrals import services, stalled
from referrals.models import ReferralEvent, ReferralSettings, Status
from screening.models import Delivery

from ..conftest import clinic_today, enter_epds, send_messages

POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]


@pytest.fixture
def referral(mother, clinician, front_desk):
    screening = enter_epds(mother, POSITIVE, front_desk)
    return services.create_referral(mother=mother, pathway="cbt", actor=clinician, screening=screening)


def later(days, minutes=0):
    return time_machine.travel(timezone.now() + timedelta(days=days, hours=1, minutes=minutes), tick=False)


def test_not_accepted_in_time_emails_the_referring_clinician_once(referral, clinician, mother):
    accept_days, _session_days = ReferralSettings.for_clinic(referral.clinic).limits_for(referral.urgency)
    with later(accept_days - 1):
        assert stalled.escalate() == 0
    with later(accept_days):
        assert stalled.escalate() == 1
        assert stalled.escalate() == 0  # once
        assert not mail.outbox  # written to the outbox, sent after commit
        assert send_messages() == 1
        assert send_messages() == 0
    (message,) = mail.outbox
    assert message.to == [clinician.email] and str(referral.code) in message.body
    assert mother.family_name not in message.subject + message.body  # no health data
    event = ReferralEvent.objects.filter(referral=referral).latest("pk")
    assert f"not accepted within {accept_days} day" in event.note
    referral.refresh_from_db()
    assert referral.escalated_accept_at is not None and referral.escalated_session_at is None


def test_no_first_session_in_time_is_escalated_after_acceptance(referral, clinician):
    accept_days, session_days = ReferralSettings.for_clinic(referral.clinic).limits_for(referral.urgency)
    services.transition(referral, Status.ACCEPTED, actor=clinician)
    with later(accept_days):
        assert stalled.escalate() == 0  # accepted in time
    with later(session_days):
        assert stalled.escalate() == 1
    assert "no first session within" in ReferralEvent.objects.filter(referral=referral).latest("pk").note


def test_an_ended_or_seen_referral_is_never_escalated(referral, clinician):
    services.transition(referral, Status.ACCEPTED, actor=clinician)
    services.transition(referral, Status.IN_PROGRESS, actor=clinician, first_session_on=clinic_today())
    with later(400):
        assert stalled.escalate() == 0
    assert not mail.outbox


@pytest.mark.parametrize("fault", ["refused", "silent"])
def test_a_mail_server_that_fails_loses_no_escalation_and_stops_no_other(
    request, fault, referral, clinician, mother, front_desk
):
    """Issue 27: the "escalated" mark was committed before the email was sent, so one refused email
    lost that escalation and stopped the run. Now the mark, the history and the email's outbox row
    are written together; a real SMTP client meets a loopback port that refuses, or never answers,
    and the row waits and is sent once the server is back."""
    port = request.getfixturevalue(f"{fault}_port")
    second = services.create_referral(
        mother=mother, pathway="ipt", actor=clinician, screening=referral.screening, override_reason="both"
    )
    failing_mail = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_TIMEOUT": 1,
    }
    with later(4):
        with override_settings(**failing_mail):
            assert stalled.escalate() == 2
            assert send_messages() == 0  # no exception: each refusal is recorded on its message
        for each in (referral, second):
            each.refresh_from_db()
            assert each.escalated_accept_at is not None
            assert ReferralEvent.objects.filter(referral=each, note__startswith="Escalated").exists()
            (message,) = Delivery.objects.filter(referral=each)
            assert (message.kind, message.status, message.attempts) == ("stalled", "pending", 1)
            assert message.last_error
        assert stalled.escalate() == 0  # nothing is written twice
    with later(4, minutes=3):
        assert send_messages() == 2  # the mail server is back, the back-off has passed
        assert send_messages() == 0  # and nothing goes twice
    assert len(mail.outbox) == 2
