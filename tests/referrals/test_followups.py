import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from referrals import dispatch, followups, services
from referrals.models import FollowUp, ReferralSettings
from screening import invitations, submissions
from screening.models import Invitation, Mother

from ..conftest import enter_epds, make_mother

NOON_NY = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 12:00 in the clinic's New York time
NIGHT_NY = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 23:00 the evening before
POSSIBLE = [1, 1, 1, 1, 2, 2, 2, 1, 3, 3]  # EPDS 10
CALM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]


def keys(mother, status=None):
    rows = FollowUp.objects.filter(mother=mother)
    return sorted(
        rows.filter(status=status).values_list("key", flat=True) if status else rows.values_list("key", flat=True)
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """One dispatcher run, with what it queues after commit executed (eager Celery in tests)."""

    def run_dispatch():
        with django_capture_on_commit_callbacks(execute=True):
            return dispatch.dispatch()

    return run_dispatch


@pytest.fixture
def newborn(clinic_a, front_desk):
    with time_machine.travel(NOON_NY - timedelta(days=20), tick=False):
        mother = make_mother(clinic_a, front_desk, record_number="N-1", delivered_days_ago=10)
        followups.recompute(mother)
    return mother


def test_recompute_creates_rows_once_and_never_duplicates(newborn):
    assert keys(newborn) == ["infant-1m", "infant-2m", "infant-4m", "infant-6m"]
    for _ in range(3):
        followups.recompute(newborn)
    assert FollowUp.objects.filter(mother=newborn).count() == 4
    row = FollowUp.objects.get(mother=newborn, key="infant-1m")
    assert (row.reason, row.status, row.instrument_code) == ("Infant's 1-month visit", "scheduled", "PHQ-9")


def test_a_cancelled_follow_up_is_never_resurrected(newborn, clinician):
    row = FollowUp.objects.get(mother=newborn, key="infant-2m")
    followups.cancel(row, note="Seen at another clinic", actor=clinician)
    followups.recompute(newborn)
    assert FollowUp.objects.get(mother=newborn, key="infant-2m").status == "cancelled"


def test_a_screening_completes_the_visit_it_satisfies_and_a_borderline_score_adds_a_rescreen(
    newborn, front_desk, after_commit
):
    with time_machine.travel(NOON_NY, tick=False), after_commit():
        screening = enter_epds(newborn, POSSIBLE, front_desk)
    one = FollowUp.objects.get(mother=newborn, key="infant-1m")
    assert (one.status, one.screening) == ("completed", screening)
    rescreen = FollowUp.objects.get(mother=newborn, key=f"rescreen-{screening.code}")
    assert rescreen.due_on == screening.taken_on + timedelta(days=14) and rescreen.status == "scheduled"


def test_changing_her_dates_moves_scheduled_rows_and_cancels_what_no_longer_applies(clinic_a, front_desk, login):
    with time_machine.travel(NOON_NY, tick=False):
        mother = make_mother(
            clinic_a, front_desk, record_number="P-1", delivered_days_ago=None, due_date=date(2026, 10, 15)
        )
        followups.recompute(mother)
        assert keys(mother) == ["prenatal-28w", "prenatal-first"]
        mother.delivery_date = date(2026, 5, 25)
        mother.save()
        followups.recompute(mother)
    assert keys(mother, "cancelled") == ["prenatal-28w", "prenatal-first"]
    assert FollowUp.objects.get(mother=mother, key="infant-1m").due_on == date(2026, 6, 25)


def test_leaving_care_pauses_her_pending_follow_ups(newborn, login, front_desk):
    login(front_desk).post(
        reverse("mother_left_care", args=[newborn.code]), {"reason": "opted_out", "note": "Moving", "confirm": "on"}
    )
    assert set(FollowUp.objects.filter(mother=newborn).values_list("status", flat=True)) == {"paused"}
    assert FollowUp.objects.filter(mother=newborn).first().note == "Opted out of screening"
    followups.recompute(newborn)
    assert not FollowUp.objects.filter(mother=newborn, status="scheduled").exists()


def test_nothing_new_is_scheduled_while_an_alert_waits_then_scheduling_resumes(newborn, front_desk, clinician):
    with time_machine.travel(NOON_NY, tick=False):
        screening = enter_epds(newborn, [1, 1, 1, 1, 2, 2, 2, 1, 3, 2], front_desk)  # self-harm "Hardly ever"
        assert FollowUp.objects.get(mother=newborn, key="infant-1m").status == "scheduled"  # kept, not completed
        services.acknowledge(screening.alert, actor=clinician, action="assessed", note="")
    assert FollowUp.objects.get(mother=newborn, key="infant-1m").status == "completed"


def test_the_dispatcher_invites_due_follow_ups_in_the_clinics_daytime_only(newborn, run):
    with time_machine.travel(NIGHT_NY + timedelta(days=11), tick=False):
        assert run()["invited"] == 0
    with time_machine.travel(NOON_NY + timedelta(days=10), tick=False):
        assert run()["invited"] == 1
        assert run()["invited"] == 0
    row = FollowUp.objects.get(mother=newborn, key="infant-1m")
    assert row.status == "invited" and row.invitation.channels == ["email", "link"]
    assert len(mail.outbox) == 1 and invitations.link_for(row.invitation) in mail.outbox[0].body


def test_reminders_after_3_and_7_days_then_overdue_after_14_with_no_more_messages(newborn, run):
    start = NOON_NY + timedelta(days=10)
    with time_machine.travel(start, tick=False):
        run()
    for day, expected_reminders, status in [
        (2, 0, "invited"),
        (3, 1, "invited"),
        (4, 1, "invited"),
        (7, 2, "invited"),
        (10, 2, "invited"),
        (14, 2, "overdue"),
        (20, 2, "overdue"),
    ]:
        with time_machine.travel(start + timedelta(days=day), tick=False):
            run()
        row = FollowUp.objects.get(mother=newborn, key="infant-1m")
        assert (row.reminders_sent, row.status) == (expected_reminders, status), day
    assert [m.subject for m in mail.outbox] == [
        "A short questionnaire from Clinic A",
        "Reminder: a short questionnaire from Clinic A",
        "Reminder: a short questionnaire from Clinic A",
    ]
    assert Invitation.objects.get().state() == "cancelled"
    rows = re.findall(r"<tr>(.*?)</tr>", _overdue_list(), re.S)
    assert [r for r in rows if newborn.full_name in r and "<td>Overdue" in r]  # her row, marked overdue


def test_a_reminder_due_is_sent_however_many_mothers_wait_for_a_later_one(clinic_a, front_desk, run, monkeypatch):
    """A run reads a bounded number of invited rows; rows whose next reminder is not due must not
    fill that number and hide one that is."""
    monkeypatch.setattr(dispatch, "BATCH", 1)  # five invited rows per run
    start = NOON_NY + timedelta(days=10)
    mothers = [make_mother(clinic_a, front_desk, record_number=f"R-{n}", delivered_days_ago=None) for n in range(7)]
    rows = []
    for n, mother in enumerate(mothers):
        invitation = invitations.create_invitation(mother=mother, instrument=invitations.default_instrument(clinic_a))
        waited, sent = (4, 0) if n == len(mothers) - 1 else (5, 1)  # the last one's first reminder is due
        rows.append(
            FollowUp.objects.create(
                mother=mother,
                clinic=clinic_a,
                key="rescreen",
                kind="rescreen",
                reason="Rescreen",
                instrument_code="EPDS",
                due_on=start.date(),
                status="invited",
                invitation=invitation,
                invited_at=start - timedelta(days=waited),
                reminders_sent=sent,
            )
        )
    with time_machine.travel(start, tick=False):
        assert run()["reminded"] == 1
    rows[-1].refresh_from_db()
    assert rows[-1].reminders_sent == 1


def _overdue_list():
    """The overdue follow-ups as a clinician sees them."""
    from django.test import Client

    from screening.models import User

    client = Client()
    client.force_login(User.objects.get(username="bob"))
    return client.get(reverse("follow_up_list") + "?show=overdue").content.decode()


def test_no_reminder_once_the_form_is_completed(newborn, client, run):
    start = NOON_NY + timedelta(days=10)
    with time_machine.travel(start, tick=False):
        run()
        row = FollowUp.objects.get(mother=newborn, key="infant-1m")
        token = invitations.token_for(row.invitation)
    with time_machine.travel(start + timedelta(days=3), tick=False):
        for number, answer in enumerate([0] * 9, start=1):
            client.post(f"/q/{token}/{number}/", {"answer": str(answer)})
        with TestCase.captureOnCommitCallbacks():  # sent; the worker has not scored it yet
            client.post(f"/q/{token}/submit/")
        run()
        row.refresh_from_db()
        assert (row.status, row.reminders_sent) == ("invited", 0)  # and no reminder for a sent form
        submissions.score_waiting()
    row.refresh_from_db()
    assert (row.status, row.reminders_sent) == ("completed", 0)
    assert len(mail.outbox) == 1


def test_no_channel_consented_means_a_link_for_staff_to_hand_over(newborn, run):
    Mother.objects.filter(pk=newborn.pk).update(email_consent=False)
    with time_machine.travel(NOON_NY + timedelta(days=10), tick=False):
        run()
    assert FollowUp.objects.get(mother=newborn, key="infant-1m").invitation.channels == ["link"]
    assert not mail.outbox


def test_staff_reschedule_and_cancel_with_a_reason(newborn, login, front_desk, outsider):
    row = FollowUp.objects.get(mother=newborn, key="infant-2m")
    url = reverse("follow_up_reschedule", args=[row.code])
    assert login(outsider).post(url, {"due_on": "2030-01-01", "note": "x"}).status_code == 404
    assert login(front_desk).get(url).status_code == 405
    later = row.planned_on + timedelta(days=10)  # within the routine window of 14 days
    with time_machine.travel(NOON_NY - timedelta(days=19), tick=False):
        login(front_desk).post(url, {"due_on": str(later), "note": ""})
        row.refresh_from_db()
        assert row.due_on != later
        login(front_desk).post(url, {"due_on": str(later), "note": "Family travelling"})
        row.refresh_from_db()
        assert (row.due_on, row.note, row.rescheduled) == (later, "Family travelling", True)
        followups.recompute(newborn)
    row.refresh_from_db()
    assert row.due_on == later  # staff's date survives recomputing
    login(front_desk).post(reverse("follow_up_cancel", args=[row.code]), {"note": "Moved away"})
    row.refresh_from_db()
    assert (row.status, row.note) == ("cancelled", "Moved away")
    page = login(front_desk).get(reverse("mother_detail", args=[newborn.code])).content.decode()
    assert "Infant visit screen" in page and "Infant&#x27;s 1-month visit" not in page  # front desk: no clinical words


def test_follow_up_pages_answer_each_persona(login, front_desk, clinician, outsider, newborn):
    for user, status in [(None, 302), (front_desk, 200), (clinician, 200), (outsider, 200)]:
        assert login(user).get(reverse("follow_up_list")).status_code == status
    assert newborn.full_name not in login(outsider).get(reverse("follow_up_list")).content.decode()
    assert newborn.full_name in login(front_desk).get(reverse("follow_up_list")).content.decode()


def test_a_clinic_admin_changes_the_intervals(login, clinic_admin, clinic_a, newborn):
    settings = ReferralSettings.for_clinic(clinic_a)
    settings.infant_visit_months = "1,3"
    settings.save()
    with time_machine.travel(NOON_NY - timedelta(days=19), tick=False):
        followups.recompute(newborn)
    assert keys(newborn, "scheduled") == ["infant-1m", "infant-3m"]
    assert keys(newborn, "cancelled") == ["infant-2m", "infant-4m", "infant-6m"]
