"""Alert delivery through a real Celery worker and Redis (design rule 5)."""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from config.celery import app
from referrals import alerts, tasks
from referrals.models import Alert
from screening import outbox
from screening.models import Delivery

from ..conftest import enter_epds, make_mother
from ..workers import DEAD_BROKER, use_broker, wait_for

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def sent_for(alert):
    return [m for m in mail.outbox if f"/alerts/{alert.code}/" in m.body]


def test_an_alert_is_delivered_once_by_the_worker(broker, mother, front_desk, clinician):
    with worker():
        enter_epds(mother, SELF_HARM, front_desk)  # commits: the delivery task is queued after commit
        alert = Alert.objects.get()
        assert wait_for(lambda: Alert.objects.get(pk=alert.pk).delivered_at is not None)
        tasks.sweep_alerts.delay()
        assert wait_for(lambda: len(mail.outbox) >= 1)
        time.sleep(0.5)
    assert len(sent_for(alert)) == 1


def test_an_alert_raised_while_the_broker_is_down_is_saved_and_delivered_once_when_it_returns(
    broker, mother, front_desk, clinician, caplog
):
    use_broker(DEAD_BROKER)
    screening = enter_epds(mother, SELF_HARM, front_desk)
    alert = Alert.objects.get(screening=screening)
    assert alert.delivered_at is None and "waits for the sweep" in caplog.text
    assert not mail.outbox

    use_broker(settings.CELERY_BROKER_URL)
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=3))  # the lost send's wait is over
    with worker():
        tasks.send_waiting_messages.delay()  # what beat does every minute
        tasks.send_waiting_messages.delay()
        assert wait_for(lambda: Alert.objects.get(pk=alert.pk).delivered_at is not None)
        time.sleep(0.5)
    assert len(sent_for(alert)) == 1


def test_two_sweeps_in_parallel_threads_send_nothing_twice(broker, clinic_a, front_desk, clinician, monkeypatch):
    """The outbox's sweep raced against itself without the broker: two released at the same instant
    (tests/referrals/test_outbox_concurrency.py races real worker processes)."""
    use_broker(DEAD_BROKER)
    try:
        for n in range(12):
            enter_epds(make_mother(clinic_a, front_desk, record_number=f"T-{n}"), SELF_HARM, front_desk)
    finally:
        use_broker(settings.CELERY_BROKER_URL)
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    real_send = alerts.send

    def slow_send(*args, **kwargs):
        time.sleep(0.05)
        real_send(*args, **kwargs)

    monkeypatch.setattr(alerts, "send", slow_send)
    start = threading.Barrier(2)
    done = []

    def sweep():
        start.wait()
        try:
            with scopes_disabled():  # as the task does, in its own thread
                done.append(outbox.sweep(sending=[]))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(done) == 12
    for alert in Alert.objects.all():
        assert len(sent_for(alert)) == 1, alert.pk
