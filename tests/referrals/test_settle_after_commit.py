"""A mother's follow-up schedule is settled after her screening commits (issue 19): a mark commits
with the screening, a task settles her, and beat's sweep settles whoever that task missed."""

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from referrals import services, tasks
from referrals.models import FollowUp, UnsettledSchedule
from screening import instruments, invitations, submissions

from ..conftest import make_mother
from ..workers import celery_workers, wait_for

CALM_PHQ9 = [0] * 9


def answered(mother):
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, tablet=True)
    for number, position in enumerate(CALM_PHQ9, start=1):
        invitation = invitations.save_answer(invitation, number, position)
    return invitation


def statuses(mother):
    return dict(FollowUp.objects.filter(mother=mother).values_list("key", "status"))


def waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_settling_her_schedule_loses_nothing_the_sweep_settles_her(
    broker, clinic_a, front_desk, tmp_path
):
    mother = make_mother(clinic_a, front_desk, record_number="K-1", delivered_days_ago=35)
    services.settle(mother)
    assert statuses(mother) == {k: "scheduled" for k in ("infant-1m", "infant-2m", "infant-4m", "infant-6m")}
    invitation = answered(mother)
    db = connection.settings_dict
    holder = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432)
    try:
        with celery_workers(tmp_path, names=("w1",)) as workers:
            with holder.cursor() as cursor:  # a colleague's long write holds one of her rows
                cursor.execute(
                    "SELECT 1 FROM referrals_followup WHERE mother_id = %s AND key = 'infant-6m' FOR UPDATE",
                    [mother.pk],
                )
            submissions.accept(invitation, "en")  # commits; the worker scores her form, then settles her
            assert wait_for(waiting_for_a_lock), workers.log("w1")  # the worker is settling her, blocked
            workers.kill(workers.processes[0])
            holder.rollback()

            assert UnsettledSchedule.objects.filter(mother=mother).exists()
            assert statuses(mother)["infant-1m"] == "scheduled"  # not yet completed by her screen

            workers.start("w2")
            tasks.settle_unsettled_schedules.delay()  # what beat runs every minute
            assert wait_for(lambda: not UnsettledSchedule.objects.filter(mother=mother).exists(), seconds=20), (
                workers.log("w2")
            )
    finally:
        holder.close()
    settled = statuses(mother)
    assert settled["infant-1m"] == "completed" and settled["infant-2m"] == "scheduled"


@pytest.mark.django_db(transaction=True)
def test_her_screening_commits_with_the_mark_even_when_no_worker_is_there(broker, clinic_a, front_desk):
    mother = make_mother(clinic_a, front_desk, record_number="K-2", delivered_days_ago=35)
    services.settle(mother)
    invitation = answered(mother)
    submissions.accept(invitation, "en")  # her request; no worker is there to score it
    invitation.refresh_from_db()
    assert mother.screenings.count() == 0 and invitation.status == "submitted"
    assert submissions.score_waiting() == 1  # beat's sweep
    assert mother.screenings.count() == 1 and UnsettledSchedule.objects.filter(mother=mother).exists()
    assert services.settle_unsettled() == 1
    assert statuses(mother)["infant-1m"] == "completed"
    assert not UnsettledSchedule.objects.exists()
    assert services.settle_unsettled() == 0  # a settled mother is not settled again


def test_one_mother_whose_schedule_fails_keeps_her_mark_with_the_error_and_the_sweep_goes_on(
    clinic_a, front_desk, clinician, login, monkeypatch
):
    broken = make_mother(clinic_a, front_desk, record_number="K-3", delivered_days_ago=35)
    fine = make_mother(clinic_a, front_desk, record_number="K-4", delivered_days_ago=35)
    for mother in (broken, fine):
        services.settle_later(mother)
    real = services.followups.recompute

    def recompute(mother, today=None):
        if mother.pk == broken.pk:
            raise ValueError("her delivery date is after today")
        return real(mother, today)

    monkeypatch.setattr(services.followups, "recompute", recompute)
    assert services.settle_unsettled() == 1
    assert statuses(fine)["infant-1m"] == "scheduled"
    mark = UnsettledSchedule.objects.get(mother=broken)
    assert (mark.attempts, mark.last_error) == (1, "ValueError: her delivery date is after today")

    page = login(clinician).get(reverse("mother_detail", args=[broken.code])).content.decode()
    assert "could not be brought up to date" in page and "her delivery date is after today" in page


def test_her_page_says_her_schedule_is_being_updated_until_it_is(clinic_a, front_desk, clinician, login):
    mother = make_mother(clinic_a, front_desk, record_number="K-5", delivered_days_ago=35)
    services.settle_later(mother)
    url = reverse("mother_detail", args=[mother.code])
    assert "is being brought up to date" in login(clinician).get(url).content.decode()
    services.settle_unsettled()
    page = login(clinician).get(url).content.decode()
    assert "brought up to date" not in page and "1-month visit" in page
