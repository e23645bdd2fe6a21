from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from referrals import alerts
from referrals.models import Alert, ReferralSettings
from screening.models import Screening

from ..conftest import enter_epds, make_staff, send_messages

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]  # item 10 "Hardly ever", total 1


def test_a_self_harm_answer_creates_an_alert_in_the_same_transaction(mother, front_desk):
    screening = enter_epds(mother, SELF_HARM, front_desk)
    assert Alert.objects.get().screening == screening


def test_no_alert_survives_a_screening_that_was_rolled_back(mother, front_desk):
    with pytest.raises(RuntimeError), transaction.atomic():
        enter_epds(mother, SELF_HARM, front_desk)
        raise RuntimeError("the request failed after scoring")
    assert not Screening.objects.exists() and not Alert.objects.exists()


def test_no_alert_without_a_self_harm_answer(mother, front_desk):
    enter_epds(mother, [3, 3, 0, 3, 0, 0, 0, 0, 0, 3], front_desk)  # total 27, item 10 never
    assert not Alert.objects.exists()


@pytest.fixture
def alert(mother, front_desk, clinician, clinic_admin):
    enter_epds(mother, SELF_HARM, front_desk)  # the test transaction never commits: send by hand
    alert = Alert.objects.get()
    assert send_messages() == 1
    alert.refresh_from_db()
    mail.outbox.clear()
    return alert


def test_the_alert_message_is_written_with_the_alert_and_sent_once(mother, front_desk, clinic_a, clinician):
    ReferralSettings.objects.create(clinic=clinic_a, on_call_email="oncall@clinic-a.example")
    enter_epds(mother, SELF_HARM, front_desk)
    alert = Alert.objects.get()
    (message,) = alert.deliveries.all()
    assert (message.kind, message.status, message.mother) == ("alert", "pending", mother)
    assert send_messages() == 1
    assert send_messages() == 0
    (email,) = mail.outbox
    assert email.to == ["oncall@clinic-a.example"]
    assert f"/alerts/{alert.code}/" in email.body and f"/alerts/{alert.code}/" in email.alternatives[0][0]
    for secret in (mother.given_name, mother.family_name, mother.record_number, "EPDS"):
        assert secret not in email.subject + email.body
    alert.refresh_from_db()
    message.refresh_from_db()
    assert alert.delivered_at == message.sent_at and message.sent_to == "oncall@clinic-a.example"


def test_without_an_on_call_address_every_clinician_and_admin_is_told(mother, front_desk, clinician, clinic_admin):
    enter_epds(mother, SELF_HARM, front_desk)
    send_messages()
    assert sorted(mail.outbox[0].to) == ["ada@example.org", "alice@example.org"]


def test_a_failed_send_is_recorded_on_its_message_and_retried_after_its_back_off(
    mother, front_desk, clinician, monkeypatch
):
    enter_epds(mother, SELF_HARM, front_desk)
    alert = Alert.objects.get()

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(alerts, "send", broken)
    assert send_messages() == 0
    (message,) = alert.deliveries.all()
    alert.refresh_from_db()
    assert alert.delivered_at is None
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "OSError: mail server down")
    monkeypatch.undo()
    assert send_messages() == 0  # backing off: two minutes
    assert send_messages(timezone.now() + timedelta(minutes=3)) == 1
    alert.refresh_from_db()
    message.refresh_from_db()
    assert alert.delivered_at and (message.status, message.attempts) == ("sent", 2) and len(mail.outbox) == 1


def test_an_unacknowledged_alert_escalates_to_admins_every_interval_until_acknowledged(alert, clinician):
    from referrals import services

    mail.outbox.clear()
    start = alert.created_at
    with time_machine.travel(start + timedelta(minutes=59)):
        assert alerts.sweep() == (0, 0)
    with time_machine.travel(start + timedelta(minutes=61)):
        assert alerts.sweep() == (0, 1)
        assert alerts.sweep() == (0, 0)
        assert send_messages() == 1
    with time_machine.travel(start + timedelta(minutes=121)):
        assert alerts.sweep() == (0, 1)
        assert send_messages() == 1
    assert [(m.kind, m.reminder, m.status) for m in alert.deliveries.order_by("pk")] == [
        ("alert", 0, "sent"),
        ("escalation", 1, "sent"),
        ("escalation", 2, "sent"),
    ]
    assert [m.to for m in mail.outbox] == [["ada@example.org"], ["ada@example.org"]]
    assert "Escalated" in mail.outbox[0].subject and "60 minutes" in mail.outbox[0].body
    assert "120 minutes" in mail.outbox[1].body
    services.acknowledge(alert, actor=clinician, action="called", note="Spoke to her; safe")
    with time_machine.travel(start + timedelta(minutes=500)):
        assert alerts.sweep() == (0, 0)


def test_the_escalation_interval_is_a_clinic_setting(alert, clinic_a):
    ReferralSettings.objects.create(clinic=clinic_a, escalate_after_minutes=15)
    with time_machine.travel(alert.created_at + timedelta(minutes=16)):
        assert alerts.sweep() == (0, 1)


def test_acknowledging_twice_records_the_first_only(alert, clinician, clinic_a):
    from referrals import services

    other = make_staff("olga", clinic_a, "clinician")
    assert services.acknowledge(alert, actor=clinician, action="assessed", note="") is True
    assert services.acknowledge(alert, actor=other, action="other", note="late") is False
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.action) == (clinician, "assessed")
