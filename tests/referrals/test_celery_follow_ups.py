"""The dispatcher with real Celery worker processes on Redis (design rule 4)."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from referrals import followups, tasks
from referrals.models import Alert, FollowUp, Referral, ReferralSettings
from screening import invitations, submissions
from screening.models import Delivery, Invitation, Screening
from screening.tenancy import clinic_scope

from ..conftest import clinic_today, make_mother
from ..workers import DEAD_BROKER, celery_workers, use_broker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def due_now(clinic_a, front_desk):
    """Mothers whose 1-month visit is due today; the clinic sends at any hour for the test."""
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)

    def make(count, prefix="D"):
        mothers = [
            make_mother(clinic_a, front_desk, record_number=f"{prefix}-{n}", delivered_days_ago=35)
            for n in range(count)
        ]
        for mother in mothers:
            followups.recompute(mother)
        return mothers

    return make


def links(rows):
    return [invitations.link_for(f.invitation) for f in rows]


def test_two_dispatcher_runs_on_two_workers_send_every_invitation_and_reminder_once(broker, due_now, tmp_path):
    due_now(40)
    with celery_workers(tmp_path, names=("w1", "w2"), slow_email=0.02) as workers:
        tasks.dispatch_follow_ups.delay()
        tasks.dispatch_follow_ups.delay()
        assert wait_for(lambda: Invitation.objects.filter(sent_at__isnull=False).count() == 40, seconds=60)
        rows = list(FollowUp.objects.filter(status="invited").select_related("invitation"))
        assert len(rows) == 40
        FollowUp.objects.update(invited_at=timezone.now() - timedelta(days=3, minutes=1))  # reminders now due
        tasks.dispatch_follow_ups.delay()
        tasks.dispatch_follow_ups.delay()
        assert wait_for(lambda: Delivery.objects.filter(reminder=1, status="sent").count() == 40, seconds=60)
        assert wait_for(lambda: all("dispatch_follow_ups" in workers.log(n) for n in ("w1", "w2")))
        time.sleep(0.5)
    sent = workers.sent()
    for link in links(rows):
        assert sent.count(link) == 2 * 2, link  # one invitation and one reminder, each with text and HTML
    assert Invitation.objects.count() == 40


def test_a_worker_killed_mid_batch_loses_nothing_and_the_next_sends_nothing_twice(broker, due_now, tmp_path):
    due_now(12)
    with celery_workers(tmp_path, names=()) as quiet:  # nobody consumes yet: invite them directly
        from referrals import dispatch

        with transaction.atomic():
            dispatch.dispatch()
        Invitation.objects.update(sent_at=timezone.now())  # the first messages went out earlier
        Delivery.objects.update(status="sent")
    FollowUp.objects.filter(status="invited").update(invited_at=timezone.now() - timedelta(days=3, minutes=1))
    rows = list(FollowUp.objects.filter(status="invited").select_related("invitation"))
    assert len(rows) == 12
    reminders = Delivery.objects.filter(reminder=1)

    with celery_workers(tmp_path, names=("w1",), slow_email=0.5) as workers:
        tasks.dispatch_follow_ups.delay()
        assert wait_for(lambda: workers.sends_started() >= 6, seconds=30)
        workers.kill(workers.processes[0])  # in the middle of the sixth reminder
        assert 4 <= reminders.filter(status="sent").count() <= 5
        workers.start("w2")
        reminders.update(created_at=timezone.now() - timedelta(minutes=3))  # the dead worker's task is lost
        tasks.send_waiting_messages.delay()  # beat's next run of the outbox's sweep
        assert wait_for(lambda: reminders.filter(status="sent").count() == 12, seconds=60)
        time.sleep(0.5)
    sent = workers.sent()
    for link in links(rows):
        assert sent.count(link) == 2, link  # exactly one reminder each (text and HTML bodies)
    assert quiet.processes == []


def test_with_the_broker_unreachable_everything_is_saved_and_queued_work_resumes(
    broker, due_now, login, clinician, mother, tmp_path
):
    use_broker(DEAD_BROKER)
    client = login(clinician)
    try:
        answers = {f"item_{n}": "1" for n in range(1, 11)} | {
            "taken_on": clinic_today().isoformat(),
            "method": "paper",
            "submission_token": str(mother.code),
        }
        response = client.post(reverse("screening_create", args=[mother.code, "EPDS"]), answers)
        assert response.status_code == 302
        screening = Screening.objects.get()
        assert screening.self_harm and Alert.objects.filter(screening=screening, delivered_at=None).exists()
        assert (
            client.post(reverse("refer", args=[screening.code]), {"pathway": "mip", "urgency": "urgent"}).status_code
            == 302
        )
        assert Referral.objects.filter(screening=screening, status="requested").exists()
        invite = client.post(reverse("invite", args=[mother.code]), {"instrument": "PHQ-9", "channels": ["email"]})
        assert invite.status_code == 302
        invitation = Invitation.objects.get(mother=mother)
        assert invitation.sent_at is None
    finally:
        use_broker(settings.CELERY_BROKER_URL)
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    with celery_workers(tmp_path, names=("w1",)) as workers:
        tasks.send_waiting_messages.delay()  # beat's periodic tasks, now that the broker is back
        tasks.dispatch_follow_ups.delay()
        assert wait_for(lambda: Alert.objects.get().delivered_at is not None, seconds=30)
        assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None, seconds=30)
        tasks.send_waiting_messages.delay()
        time.sleep(1.5)
    sent = workers.sent()
    assert sent.count(invitations.link_for(invitation)) == 2
    assert sent.count(f"/alerts/{Alert.objects.get().code}/") == 2


def test_a_reminder_due_for_a_form_completed_a_moment_earlier_is_not_sent(broker, due_now, tmp_path):
    (mother,) = due_now(1)
    with transaction.atomic():
        from referrals import dispatch

        dispatch.dispatch()
    FollowUp.objects.filter(status="invited").update(invited_at=timezone.now() - timedelta(days=3, minutes=1))
    follow_up = FollowUp.objects.select_related("invitation").get(status="invited")
    Invitation.objects.update(sent_at=timezone.now())
    for number in range(1, 10):
        invitations.save_answer(follow_up.invitation, number, 0)
    submitted = threading.Event()

    def submit_slowly():
        """The mother presses Send while the dispatcher runs: her transaction holds the row."""
        try:
            with clinic_scope(follow_up.clinic_id), transaction.atomic():  # as her request does
                Invitation.objects.select_for_update().get(pk=follow_up.invitation_id)
                submitted.set()
                time.sleep(1.5)
                submissions.accept(follow_up.invitation, "en")  # the worker scores it after commit
        finally:
            connection.close()

    with celery_workers(tmp_path, names=("w1",)) as workers:
        mother_thread = threading.Thread(target=submit_slowly)
        mother_thread.start()
        assert submitted.wait(5)
        tasks.dispatch_follow_ups.delay()  # meets her locked row: no reminder, and her submission goes through
        mother_thread.join()
        assert wait_for(lambda: "dispatch_follow_ups" in workers.log("w1") and "succeeded" in workers.log("w1"))
        assert wait_for(lambda: FollowUp.objects.get(pk=follow_up.pk).status == "completed"), workers.log("w1")
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.reminders_sent) == ("completed", 0)
    assert "Reminder" not in workers.sent()
