"""Each message by each channel is sent and retried on its own (issue 14): a failing text never
re-sends the email, failures are capped and shown to staff, and the dispatcher sends nothing while
it holds a mother's rows."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from referrals import dispatch, tasks
from referrals.models import FollowUp
from screening import invitations, outbox, sms
from screening.models import Delivery, Invitation

from ..conftest import enter_epds
from .test_delivery_never_stalls import NOON_NY, due_mother, send_waiting

pytestmark = pytest.mark.usefixtures("open_all_day")


@pytest.fixture
def open_all_day(clinic_a):
    from referrals.models import ReferralSettings

    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)


@pytest.fixture
def texts_fail(monkeypatch):
    def refuse(to, body):
        raise ConnectionError("text provider 503")

    monkeypatch.setattr(sms.LocmemBackend, "send", lambda self, to, body: refuse(to, body))


def mother_with_email_and_text(clinic, staff, number="T-1"):
    mother = due_mother(clinic, staff, number)
    mother.phone, mother.sms_consent = "+15555550123", True
    mother.save()
    return mother


def test_a_failing_text_is_retried_alone_capped_and_the_email_goes_once(
    texts_fail, clinic_a, front_desk, clinician, login
):
    mother = mother_with_email_and_text(clinic_a, front_desk)
    mail.outbox.clear()
    moment = NOON_NY
    for _ in range(outbox.MAX_ATTEMPTS + 3):  # every minute's run, and then some
        with time_machine.travel(moment, tick=False):
            dispatch.dispatch()
            send_waiting()
        moment += timedelta(hours=7)  # past every back-off
    invitation = Invitation.objects.get(mother=mother)
    link = invitations.link_for(invitation)
    first_emails = [m for m in mail.outbox if link in m.body and "reminder" not in m.subject.lower()]
    assert len(first_emails) == 1
    text = Delivery.objects.get(invitation=invitation, channel="sms", reminder=0)
    assert text.status == "failed" and text.attempts == outbox.MAX_ATTEMPTS
    assert "text provider 503" in text.last_error
    assert Delivery.objects.get(invitation=invitation, channel="email", reminder=0).attempts == 1

    staff = login(clinician)
    for page in (
        staff.get(reverse("mother_detail", args=[mother.code])),
        staff.get(reverse("invitation_detail", args=[invitation.code])),
    ):
        text = page.content.decode()
        assert "Messages that did not go out" in text
        assert "Invitation (Text message)" in text and "failed after 5 tries" in text and "text provider 503" in text


def test_the_dispatcher_queues_reminders_after_commit_and_sends_none_itself(
    clinic_a, front_desk, django_capture_on_commit_callbacks
):
    due_mother(clinic_a, front_desk, "Q-1")
    with time_machine.travel(NOON_NY, tick=False):
        dispatch.dispatch()
        send_waiting()
    mail.outbox.clear()
    with time_machine.travel(NOON_NY + timedelta(days=3, minutes=1), tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            assert dispatch.dispatch()["reminded"] == 1
    assert mail.outbox == []  # nothing went out inside the run's transactions
    reminder = Delivery.objects.get(reminder=1)
    assert reminder.status == "pending" and len(callbacks) == 1
    published = []
    tasks_module = invitations_tasks()
    original = tasks_module.send_deliveries.apply_async
    tasks_module.send_deliveries.apply_async = lambda args, kwargs, **kw: published.append((args, kwargs, kw["queue"]))
    try:
        callbacks[0]()
    finally:
        tasks_module.send_deliveries.apply_async = original
    # run in her clinic's scope, on the queue of the dispatcher's messages, sent a group at a time
    assert published == [(([reminder.pk], outbox.BULK_TOGETHER), {"clinic_id": clinic_a.pk}, "send")]


def test_an_alerts_message_never_waits_behind_the_dispatchers_on_its_queue(
    monkeypatch, clinic_a, front_desk, django_capture_on_commit_callbacks
):
    published = []

    class Recorded:
        def __init__(self, name):
            self.name = name

        def apply_async(self, args, kwargs, **options):
            published.append((self.name, options["queue"]))

    monkeypatch.setattr("common.tasks.import_string", Recorded)
    mother = due_mother(clinic_a, front_desk, "A-1")
    with django_capture_on_commit_callbacks(execute=True):
        enter_epds(mother, [0, 0, 3, 0, 3, 3, 3, 3, 3, 2], front_desk)  # a self-harm answer: an alert
    assert Delivery.objects.filter(alert__mother=mother).exists()
    assert ("screening.tasks.send_deliveries", None) in published  # the default queue
    assert ("screening.tasks.send_deliveries", "send") not in published


def invitations_tasks():
    from screening import tasks as screening_tasks

    return screening_tasks


def test_a_batch_that_meets_a_link_made_a_moment_ago_invites_row_by_row(monkeypatch, clinic_a, front_desk):
    mothers = [due_mother(clinic_a, front_desk, f"B-{n}") for n in range(3)]
    real = Invitation.objects.bulk_create

    def colleague_was_first(rows, **kwargs):
        raise IntegrityError("invitation_one_open_per_instrument")

    monkeypatch.setattr(Invitation.objects, "bulk_create", colleague_was_first)
    with time_machine.travel(NOON_NY, tick=False):
        assert dispatch.dispatch()["invited"] == 3
    monkeypatch.setattr(Invitation.objects, "bulk_create", real)
    assert FollowUp.objects.filter(mother__in=mothers, status="invited").count() == 3
    assert Delivery.objects.filter(invitation__mother__in=mothers, status="pending").count() == 3


def test_a_beat_run_hands_its_batches_to_the_workers(monkeypatch, clinic_a, front_desk):
    monkeypatch.setattr(dispatch, "BATCH", 2)
    for n in range(5):
        due_mother(clinic_a, front_desk, f"F-{n}")
    queued = []
    monkeypatch.setattr(dispatch, "enqueue_on_commit", lambda task, *args, clinic: queued.append((task, args, clinic)))
    with time_machine.travel(NOON_NY, tick=False):
        dispatch.dispatch(fan_out=True)
    batches = [args[0] for name, args, _clinic in queued if name == tasks.invite_batch.name]
    assert {clinic for _name, _args, clinic in queued} == {clinic_a.pk}  # each batch runs in its clinic's scope
    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(pk for b in batches for pk in b) == sorted(
        FollowUp.objects.filter(key="infant-1m").values_list("pk", flat=True)
    )
    with time_machine.travel(NOON_NY, tick=False):
        for batch in batches:
            dispatch.invite_batch(batch, NOON_NY)
    assert FollowUp.objects.filter(status="invited").count() == 5


def test_a_link_made_before_delivery_rows_and_never_sent_is_sent_by_the_next_run(
    monkeypatch, mother, django_capture_on_commit_callbacks
):
    invitation = invitations.create_invitation(
        mother=mother, instrument=invitations.instruments.PHQ9, channels=["email", "link"]
    )
    invitation.deliveries.all().delete()  # as a link made before this release
    Invitation.objects.filter(pk=invitation.pk).update(created_at=invitation.created_at - timedelta(minutes=3))
    queued = []
    monkeypatch.setattr(dispatch, "enqueue_on_commit", lambda task, *args, clinic: queued.append((task, args, clinic)))
    dispatch.dispatch()
    assert ("screening.tasks.send_invitation", (invitation.pk,), mother.clinic_id) in queued
    mail.outbox.clear()
    assert invitations.send_invitation(invitation.pk) is True
    assert len(mail.outbox) == 1 and Delivery.objects.get(invitation=invitation).status == "sent"


def test_bulk_and_other_messages_land_on_their_own_queues_on_the_real_broker(
    clinic_a, broker, django_capture_on_commit_callbacks
):
    """Published for real, through the outbox: the dispatcher's chunk on the `send` list, any
    other on the default one, each once."""
    from config.celery import app

    with django_capture_on_commit_callbacks(execute=True):
        outbox.send_after_commit([(1, clinic_a.pk)], bulk=True)
        outbox.send_after_commit([(2, clinic_a.pk)])
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        try:
            assert (client.llen("celery"), client.llen("send")) == (1, 1)
        finally:
            for queue in app.conf.task_queues:
                conn.default_channel.queue_purge(queue.name)
