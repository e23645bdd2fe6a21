"""The outbox under concurrency, on PostgreSQL with real worker processes and Redis (issue 27):
two workers and a sweep never send a message twice, and a worker killed after the mail server took
a message and before its commit sends that one message at most once more."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from referrals import dispatch, tasks
from referrals.models import ReferralSettings
from screening import instruments, invitations, outbox
from screening import tasks as screening_tasks
from screening.models import Delivery

from ..conftest import enter_epds, make_mother
from ..workers import DEAD_BROKER, celery_workers, use_broker, wait_for

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_messages(clinic, staff, alerts=0, links=0):
    """Alerts and invitation emails written while the broker is down: every one waits in the outbox,
    old enough for the sweep to take. Returns what each message must carry: the alert's page or
    her link."""
    ReferralSettings.objects.create(clinic=clinic, send_from_hour=0, send_until_hour=24)
    use_broker(DEAD_BROKER)
    marks = []
    try:
        for n in range(alerts):
            alert = enter_epds(make_mother(clinic, staff, record_number=f"AL-{n}"), SELF_HARM, staff).alert
            marks.append(f"/alerts/{alert.code}/")
        for n in range(links):
            mother = make_mother(clinic, staff, record_number=f"LI-{n}")
            invitation = invitations.create_invitation(
                mother=mother, instrument=instruments.PHQ9, created_by=staff, channels=["email", "link"]
            )
            marks.append(invitations.link_for(invitation))
    finally:
        use_broker(settings.CELERY_BROKER_URL)
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    assert Delivery.objects.filter(status="pending").count() == alerts + links
    return marks


def test_two_workers_and_a_sweep_never_send_a_message_twice(broker, clinic_a, front_desk, clinician, tmp_path):
    marks = waiting_messages(clinic_a, front_desk, alerts=20, links=10)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    swept = []

    def sweep_here():
        try:
            with scopes_disabled():
                swept.append(outbox.sweep(dispatch.clinics_sending(timezone.now())))
        finally:
            connection.close()

    with celery_workers(tmp_path, names=("w1", "w2")) as workers:
        for _ in range(2):  # the send queued after commit, published twice, and beat's sweep, twice
            screening_tasks.send_deliveries.delay(ids, clinic_id=clinic_a.pk)
            tasks.send_waiting_messages.delay()
        here = threading.Thread(target=sweep_here)  # and a third sender, in this process, at once
        here.start()
        here.join()
        assert wait_for(lambda: not Delivery.objects.exclude(status="sent").exists(), seconds=60)
        assert wait_for(lambda: all("succeeded" in workers.log(n) for n in ("w1", "w2")))
    sent = workers.sent() + "".join(m.body + m.alternatives[0][0] for m in mail.outbox)
    for mark in marks:
        assert sent.count(mark) == 2, mark  # one email: its text and its HTML body
    assert Delivery.objects.filter(attempts=1).count() == len(marks)


def test_a_worker_killed_after_the_server_took_a_message_sends_it_at_most_once_more(
    broker, clinic_a, front_desk, clinician, tmp_path
):
    marks = waiting_messages(clinic_a, front_desk, alerts=6)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    with celery_workers(tmp_path, names=("w1",), slow_email=1.0, accepted_first=True) as workers:
        screening_tasks.send_deliveries.delay(ids, clinic_id=clinic_a.pk)
        assert wait_for(lambda: workers.sends_started() >= 3, seconds=30)
        workers.kill(workers.processes[0])  # the third email is written, its row not yet marked sent
        assert Delivery.objects.filter(status="sent").count() == 2
        workers.start("w2")
        tasks.send_waiting_messages.delay()  # beat's next run
        assert wait_for(lambda: not Delivery.objects.exclude(status="sent").exists(), seconds=60)
    sent = workers.sent()
    copies = sorted(sent.count(mark) // 2 for mark in marks)
    assert copies == [1, 1, 1, 1, 1, 2]  # one message went twice: the one in flight when its worker died
