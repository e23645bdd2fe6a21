"""One bad row never stops the others (design rule 12, issue 14): a clinic's bad time zone, a mail
server refusing one message, rows that must wait: the rest still go out."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from referrals import care, clinician_concerns, dispatch, services
from referrals.models import FollowUp, ReferralSettings
from screening import emails, outbox
from screening.models import Clinic, Delivery

from ..conftest import enter_epds, make_mother, make_staff

NOON_NY = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)


def due_mother(clinic, staff, record_number):
    """A mother whose 1-month infant visit is due on NOON_NY's day."""
    with time_machine.travel(NOON_NY, tick=False):
        mother = make_mother(clinic, staff, record_number=record_number, delivered_days_ago=31)  # born May 1
        services.settle(mother)
    return mother


@pytest.fixture
def open_all_day(clinic_a):
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)


def test_the_settings_offer_real_time_zones_only(login, clinic_admin, clinic_a):
    page = login(clinic_admin).post(reverse("clinic_settings"), {"clinic-time_zone": "Eastern Time"}).content.decode()
    assert "Select a valid choice" in page
    clinic_a.time_zone = "America/NewYork"
    with pytest.raises(ValidationError):
        clinic_a.full_clean()


def test_a_clinic_with_a_bad_saved_time_zone_does_not_stop_anyone_sending(clinic_a, front_desk, open_all_day):
    other = Clinic.objects.create(name="Clinic C")
    ReferralSettings.objects.create(clinic=other, send_from_hour=0, send_until_hour=24)
    desk_c = make_staff("carol", other, "front_desk")
    Clinic.objects.filter(pk=clinic_a.pk).update(time_zone="Eastern Time")  # saved before validation
    ours, theirs = due_mother(clinic_a, front_desk, "A-1"), due_mother(other, desk_c, "C-1")
    with time_machine.travel(NOON_NY, tick=False):
        dispatch.dispatch()
    for mother in (ours, theirs):
        assert FollowUp.objects.get(mother=mother, key="infant-1m").status == "invited"


def send_waiting():
    return outbox.send(Delivery.objects.filter(status="pending").values_list("pk", flat=True))


def test_a_mail_server_refusing_one_reminder_is_recorded_on_its_message_and_the_others_go(
    monkeypatch, clinic_a, front_desk, open_all_day
):
    refused, sent = due_mother(clinic_a, front_desk, "R-1"), due_mother(clinic_a, front_desk, "S-1")
    refused.email = "refused@example.org"
    refused.save()
    with time_machine.travel(NOON_NY, tick=False):
        dispatch.dispatch()  # both invited
        send_waiting()
    real_send = emails.send

    def flaky(kind, to, context):
        if "refused@example.org" in to:
            raise ConnectionRefusedError("SMTP 554 refused")
        return real_send(kind, to, context)

    monkeypatch.setattr(emails, "send", flaky)
    later = NOON_NY + timedelta(days=3, minutes=1)
    with time_machine.travel(later, tick=False):
        assert dispatch.dispatch()["reminded"] == 2
        assert send_waiting() == 1  # the other mother's reminder went out
    message = Delivery.objects.get(invitation__mother=refused, reminder=1)
    assert message.attempts == 1 and "SMTP 554" in message.last_error
    assert message.status == "pending" and message.next_try_at == later + timedelta(minutes=2)
    assert Delivery.objects.get(invitation__mother=sent, reminder=1).status == "sent"


def test_a_row_that_keeps_failing_stops_being_retried_and_waits_on_the_worklist(
    monkeypatch, login, clinician, clinic_a, front_desk, open_all_day
):
    mother = due_mother(clinic_a, front_desk, "F-1")
    clinician_concerns.mark(mother, note="Withdrawn", actor=clinician)  # at risk; her visit is her only live path
    services.record_decision(mother, kind="no_action", note="", actor=clinician)

    def broken(*args, **kwargs):
        raise RuntimeError("invitation service down")

    monkeypatch.setattr(dispatch.invitations, "new_invitation", broken)
    moment = NOON_NY
    for _ in range(dispatch.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            dispatch.dispatch()
        moment += timedelta(hours=7)  # past every backoff
    row = FollowUp.objects.filter(mother=mother, status="failed").get()
    assert row.attempts == dispatch.MAX_ATTEMPTS and "invitation service down" in row.last_error
    page = login(clinician).get(reverse("worklist")).content.decode()
    assert "Follow-up could not be sent" in page and "invitation service down" in page
    assert not care.care_gaps(clinic_a).exists()


def test_rows_that_must_wait_never_fill_the_batch_ahead_of_rows_that_can_go(
    monkeypatch, clinic_a, clinic_b, front_desk, open_all_day
):
    monkeypatch.setattr(dispatch, "BATCH", 2)
    ReferralSettings.objects.create(clinic=clinic_b, send_from_hour=9, send_until_hour=10)  # closed at noon
    desk_b = make_staff("bea", clinic_b, "front_desk")
    waiting = [due_mother(clinic_b, desk_b, f"B-{n}") for n in range(2)]  # the oldest rows, outside hours
    alerted = due_mother(clinic_a, front_desk, "AL-1")
    enter_epds(alerted, [0, 0, 3, 0, 3, 3, 3, 3, 3, 2], front_desk, taken_on=NOON_NY.date())  # open alert
    ready = due_mother(clinic_a, front_desk, "OK-1")
    FollowUp.objects.filter(mother__in=[*waiting, alerted]).update(due_on=datetime(2026, 5, 20).date())
    with time_machine.travel(NOON_NY, tick=False):
        dispatch.dispatch()
    assert FollowUp.objects.get(mother=ready, key="infant-1m").status == "invited"
    assert not FollowUp.objects.filter(mother__in=[*waiting, alerted], status="invited").exists()
