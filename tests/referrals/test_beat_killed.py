"""Beat killed as a process (issue 27's fault table): a real `celery beat` starts, records that it
started, and is killed with SIGKILL before it hands out a single run. Nothing it schedules runs
again; once every part's allowed silence has passed, staff see the banner and /healthz/ answers
503 naming the parts."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from referrals import heartbeat
from referrals.models import Heartbeat

from ..workers import ROOT, Workers, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_killed_beat_goes_silent_on_every_staff_page_and_at_healthz(broker, tmp_path, login, clinician):
    log = tmp_path / "beat.log"
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", f"--schedule={tmp_path / 'schedule'}", "-l", "INFO"],
        cwd=ROOT,
        env=Workers(tmp_path).env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: Heartbeat.objects.filter(part=heartbeat.BEAT_STARTED).exists(), seconds=30), (
            log.read_text()
        )
    finally:
        os.killpg(beat.pid, signal.SIGKILL)
        beat.wait(timeout=10)
    started = Heartbeat.objects.get(part=heartbeat.BEAT_STARTED).beat_at
    with time_machine.travel(started + timedelta(minutes=5), tick=False):
        assert login(None).get("/healthz/").status_code == 200  # within every part's allowed silence
    with time_machine.travel(started + heartbeat.LEAST_SILENCE + timedelta(minutes=1), tick=False):
        health = login(None).get("/healthz/")
        assert health.status_code == 503
        assert {s["part"] for s in health.json()["silent"]} >= {"dispatch-follow-ups", "send-messages", "sweep-alerts"}
        page = login(clinician).get(reverse("worklist")).content.decode()
        assert "data-silent-parts" in page and "The outbox" in page
    assert timezone.now() - started < timedelta(minutes=1)  # all of it in real time, beat truly gone
