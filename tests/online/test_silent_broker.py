"""A broker that accepts connections and never answers (a stalled Redis, a proxy in front of it)
must not keep a mother from the crisis page: the publish gives up quickly, the alert is saved, and
the outbox's sweep sends it once the broker is back (design rule 14)."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from referrals.models import Alert
from screening import outbox, submissions

from ..workers import use_broker

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 1]


@pytest.fixture
def silent_broker(silent_port):
    return f"redis://127.0.0.1:{silent_port}/0"


def test_with_a_silent_broker_she_sees_the_crisis_page_in_under_2_seconds_and_the_alert_follows(
    client, invited, mother, broker, silent_broker, django_capture_on_commit_callbacks
):
    invitation, token = invited
    use_broker(silent_broker)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        for number, position in enumerate(SELF_HARM, start=1):
            client.post(f"/q/{token}/{number}/", {"answer": str(position)})
        submitted = client.post(f"/q/{token}/submit/")
    done = client.get(submitted.url)
    took = time.monotonic() - started
    assert done.status_code == 200 and "You do not have to go through this alone" in done.content.decode()
    print(f"{took:.2f} s with a silent broker")
    assert took < 2, f"{took:.1f} s with a silent broker"
    alert = Alert.objects.get(mother=mother)
    assert alert.delivered_at is None  # the publish gave up; nothing was sent yet
    use_broker(settings.CELERY_BROKER_URL)  # the broker is back: the outbox's sweep runs
    assert outbox.sweep(sending=[], now=timezone.now() + outbox.UNSENT_AFTER + timedelta(seconds=1)) == 1
    assert submissions.score_waiting() == 1  # her form, whose scoring task the silent broker lost too
    alert.refresh_from_db()
    assert alert.delivered_at is not None and alert.screening is not None
