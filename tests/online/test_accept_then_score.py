"""Issue 32: her form is accepted at once and scored by a worker after commit; nothing is lost if the
worker is not there, and her sent form keeps her on a path while it waits."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import care, heartbeat, tasks
from referrals.models import FollowUp
from screening import instruments, invitations, submissions
from screening.models import Invitation, Screening

from ..conftest import enter_epds
from .conftest import answer_all

POSITIVE = [2, 2, 0, 2, 1, 1, 1, 1, 2, 3]  # 18, item 10 "Never"
NOON = timezone.make_aware(timezone.datetime(2026, 6, 1, 12, 0))


def test_her_send_writes_only_her_link_and_her_thank_you_page_needs_no_session(client, invited, clinic_a):
    clinic_a.show_scores_to_mother = True
    clinic_a.save()
    invitation, token = invited
    for number, position in enumerate(POSITIVE, start=1):
        client.post(f"/q/{token}/{number}/", {"answer": str(position)})
    with CaptureQueriesContext(connection) as sent, TestCase.captureOnCommitCallbacks():  # no worker yet
        assert client.post(f"/q/{token}/submit/").url == "/q/done/"
    statements = [q["sql"] for q in sent.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # her link found, her row locked, then one statement that spends hers and closes her other links
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "UPDATE"], statements
    assert statements[1] == f"SELECT 1 FROM screening_mother WHERE id = {invitation.mother_id} FOR UPDATE"
    assert statements[2].split()[:2] == ["UPDATE", "screening_invitation"]
    invitation.refresh_from_db()
    assert invitation.status == "submitted" and not Screening.objects.exists()
    assert not Session.objects.exists()
    done = client.get("/q/done/").content.decode()
    assert "Thank you" in done and "Your total is 18 out of 30" in done  # scored for her page, in the request
    assert client.get(f"/q/{token}/").url == "/q/done/"  # the spent link takes her back to it


def test_sending_her_form_on_the_tablet_closes_her_emailed_link_to_it_and_no_other(client, invited, mother):
    emailed, emailed_token = invited
    handed = invitations.create_invitation(mother=mother, instrument=instruments.EPDS, tablet=True)
    other = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9)
    assert answer_all(client, invitations.token_for(handed), POSITIVE, scored=False).url == "/q/done/"
    statuses = dict(Invitation.objects.filter(mother=mother).values_list("pk", "status"))
    assert statuses == {emailed.pk: "cancelled", handed.pk: "submitted", other.pk: "sent"}
    client.cookies.clear()  # another device: the emailed link no longer opens
    assert client.get(f"/q/{emailed_token}/").status_code == 404
    assert client.get(f"/q/{invitations.token_for(other)}/").status_code == 200


def test_the_worker_scores_her_form_once_as_if_in_the_request(invited, mother):
    invitation, _token = invited
    for number, position in enumerate(POSITIVE, start=1):
        invitations.save_answer(invitation, number, position)
    assert submissions.accept(invitation, "es") is True
    assert submissions.accept(invitation, "es") is False  # a second tab: the same form, not twice
    screening = submissions.score(invitation.pk)
    assert submissions.score(invitation.pk) == screening  # the task and the sweep racing
    assert (screening.total, screening.risk_level, screening.language, screening.method) == (
        18,
        "high",
        "es",
        "online",
    )
    assert screening.taken_on == mother.clinic.today(invitation.created_at)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.screening) == ("completed", screening)
    assert Screening.objects.count() == 1


def test_a_sent_form_whose_task_was_lost_keeps_her_on_a_path_until_the_sweep_may_be_late(
    mother, front_desk, clinic_a, clinician
):
    sent_at = timezone.now()
    with time_machine.travel(sent_at, tick=False):
        enter_epds(mother, POSITIVE, front_desk)  # at risk
        mother.screenings.update(reviewed_at=timezone.now())
        FollowUp.objects.filter(mother=mother).delete()
        assert list(care.care_gaps(clinic_a)) == [mother]  # reached by nothing
        invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, created_by=clinician)
        for number in range(1, 10):
            invitations.save_answer(invitation, number, 1 if number < 9 else 0)  # no self-harm answer
        with TestCase.captureOnCommitCallbacks():  # the scoring task is lost
            submissions.accept(invitation, "en")
        assert not care.care_gaps(clinic_a).exists()  # her answers are in, being scored
    with time_machine.travel(sent_at + submissions.PROCESS_WITHIN + timedelta(seconds=1), tick=False):
        assert list(care.care_gaps(clinic_a)) == [mother]  # the sweep should have scored it by now
        tasks.settle_unsettled_schedules()
        assert Screening.objects.filter(mother=mother, instrument_code="PHQ-9", total=8).exists()


def test_a_form_the_sweep_cannot_score_silences_it_and_the_others_are_scored(mother, clinic_a, front_desk, monkeypatch):
    from ..conftest import make_mother

    other = make_mother(clinic_a, front_desk, record_number="A-200")
    sent = []
    for her in (mother, other):
        invitation = invitations.create_invitation(mother=her, instrument=instruments.PHQ2)
        for number in (1, 2):
            invitations.save_answer(invitation, number, 0)
        with TestCase.captureOnCommitCallbacks():
            submissions.accept(invitation, "en")
        sent.append(invitation)
    real = submissions.record_screening

    def broken(**kwargs):
        if kwargs["mother"].pk == mother.pk:
            raise ValueError("no thresholds for her context")
        return real(**kwargs)

    monkeypatch.setattr(submissions, "record_screening", broken)
    with time_machine.travel(NOON, tick=False):
        heartbeat.beat("settle-schedules")
    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        with pytest.raises(submissions.Unscored):
            tasks.settle_unsettled_schedules()
    assert Screening.objects.filter(mother=other).exists() and not Screening.objects.filter(mother=mother).exists()
    assert Invitation.objects.get(pk=sent[0].pk).status == "submitted"  # kept for the next run
    with time_machine.travel(NOON + heartbeat.allowed_silence("settle-schedules") + timedelta(minutes=1)):
        assert "settle-schedules" in [s.part for s in heartbeat.silent()]


def test_a_positive_brief_screen_is_scored_in_her_request_and_she_goes_on_to_the_full_one(client, mother, clinic_a):
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ2)
    token = invitations.token_for(invitation)
    with TestCase.captureOnCommitCallbacks():  # no worker: her next page cannot wait for one
        response = answer_all(client, token, [3, 3], scored=False)
    assert "/q/" in response.url and response.url != reverse("online_done")
    assert Screening.objects.get(mother=mother).instrument_code == "PHQ-2"
