"""Issue 26: a part that stopped is no path (design rule 15): silence shows on the banner, in
care_gaps and on /healthz until the part runs again."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

NOON = timezone.make_aware(timezone.datetime(2026, 6, 1, 12, 0))


def test_a_silent_sender_shows_a_banner_fails_care_gaps_and_healthz_until_it_runs_again(login, clinician):
    from referrals import heartbeat, tasks

    with time_machine.travel(NOON, tick=False):
        for part in heartbeat.PARTS:
            heartbeat.beat(part)
        assert login(None).get("/healthz/").status_code == 200
        call_command("care_gaps", stdout=StringIO(), stderr=StringIO())  # no gap, nothing silent: exit 0
    stopped = NOON + timedelta(minutes=30)  # the dispatcher's workers stopped half an hour ago
    with time_machine.travel(stopped, tick=False):
        for part in set(heartbeat.PARTS) - {"dispatch-follow-ups"}:
            heartbeat.beat(part)
        page = login(clinician).get(reverse("worklist")).content.decode()
        assert "data-silent-parts" in page and "The follow-up dispatcher" in page
        health = login(None).get("/healthz/")
        assert health.status_code == 503 and health.json()["silent"][0]["part"] == "dispatch-follow-ups"
        assert "no-store" in health["Cache-Control"] and "Lopez" not in health.content.decode()
        err = StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("care_gaps", stdout=StringIO(), stderr=err)
        assert exit_.value.code == 1 and "The follow-up dispatcher" in err.getvalue()
        tasks.dispatch_follow_ups()  # it runs again
        assert login(None).get("/healthz/").status_code == 200
        assert "data-silent-parts" not in login(clinician).get(reverse("worklist")).content.decode()
        call_command("care_gaps", stdout=StringIO(), stderr=StringIO())


def test_a_part_that_has_not_run_yet_counts_its_silence_from_when_beat_started(db, login):
    from referrals import heartbeat

    with time_machine.travel(NOON, tick=False):
        assert {s.part for s in heartbeat.silent()} == set(heartbeat.PARTS)  # nothing has ever run
        heartbeat.beat_started()
        assert not heartbeat.silent()  # beat runs each task first one period after it starts
    with time_machine.travel(NOON + timedelta(minutes=11), tick=False):
        for part in set(heartbeat.PARTS) - {"escalate-stalled-referrals"}:
            heartbeat.beat(part)
        assert not heartbeat.silent()  # the 15-minute escalation may be silent 45 minutes
    with time_machine.travel(NOON + timedelta(minutes=46), tick=False):
        for part in set(heartbeat.PARTS) - {"escalate-stalled-referrals"}:
            heartbeat.beat(part)
        assert [s.part for s in heartbeat.silent()] == ["escalate-stalled-referrals"]
        assert login(None).get("/healthz/").status_code == 503
