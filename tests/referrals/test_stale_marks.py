"""Writers never wait on each other's stale marks (issue 32). Every screening entered at a clinic
marks the same month of its report rollups stale; as an upsert, that one row stayed locked until each
writer committed, so the clinic's writers queued behind each other, and two of them, each holding a
month the other needed, deadlocked. Likewise a mother's worklist mark: her submit waited on the
dispatcher's batch that had marked her, and the two deadlocked (three answers of 500 with the
dispatcher beside the load)."""

import threading
from datetime import date

import pytest
from django.db import OperationalError, connection, transaction
from django_scopes import scopes_disabled

from referrals import worklist_store
from referrals.models import WorklistStale
from referrals.reports import facts, funnel, rollups, tables
from referrals.reports.base import Filters
from referrals.reports.models import JourneyMonth, StaleMonth
from screening import instruments, invitations
from screening.models import Invitation

from ..conftest import enter_epds, make_mother

pytestmark = pytest.mark.django_db(transaction=True)


def while_a_colleague_is_still_saving(change, then):
    """`change` in a transaction left open in another thread while `then` runs in this one, which
    fails if it waits two seconds for the first to commit."""
    changed, finish, failed = threading.Event(), threading.Event(), []

    def colleague():
        try:
            with scopes_disabled(), transaction.atomic():
                change()
                changed.set()
                finish.wait(10)
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=colleague)
    thread.start()
    try:
        assert changed.wait(10), failed
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            try:
                then()
            except OperationalError as error:
                pytest.fail(f"the second change waited for the first to commit: {error}")
    finally:
        finish.set()
        thread.join()
    assert not failed


def test_two_staff_entering_screenings_at_one_clinic_do_not_wait_for_each_other(clinic_a, front_desk):
    first = make_mother(clinic_a, front_desk, record_number="A-1")
    second = make_mother(clinic_a, front_desk, record_number="A-2")
    while_a_colleague_is_still_saving(
        lambda: enter_epds(first, [0] * 10, front_desk), lambda: enter_epds(second, [0] * 10, front_desk)
    )
    month = StaleMonth.objects.filter(clinic_id=clinic_a.pk, month=first.screenings.get().taken_on.replace(day=1))
    assert month.count() >= 2  # each writer's own mark, taken together by the next refresh


def test_two_changes_to_one_mothers_links_do_not_wait_on_her_worklist_mark(clinic_a, front_desk):
    mother = make_mother(clinic_a, front_desk)
    links = [invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, tablet=True) for _ in "ab"]
    WorklistStale.objects.all().delete()

    def touch(invitation):
        return lambda: Invitation.objects.filter(pk=invitation.pk).update(draft={"1": 0})  # she answers one

    while_a_colleague_is_still_saving(touch(links[0]), touch(links[1]))
    assert WorklistStale.objects.filter(mother=mother).count() == 2


def test_a_refresh_takes_every_repeated_mark_of_a_mother_at_once(clinic_a, front_desk, monkeypatch):
    mother = make_mother(clinic_a, front_desk)
    link = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, tablet=True)
    worklist_store.refresh(clinic_a)
    for answer in range(3):  # three statements, three marks
        Invitation.objects.filter(pk=link.pk).update(draft={"1": answer})
    assert WorklistStale.objects.filter(mother=mother).count() == 3
    monkeypatch.setattr(worklist_store, "BATCH", 1)
    assert worklist_store.refresh(clinic_a) == 1  # her entry recomputed once, not once a mark
    assert not WorklistStale.objects.exists()


def test_a_refresh_recomputes_each_stale_month_once(clinic_a, front_desk, monkeypatch):
    mothers = [make_mother(clinic_a, front_desk, record_number=f"A-{n}") for n in range(3)]
    rollups.refresh()
    for mother in mothers:  # three statements, three marks of the same month
        enter_epds(mother, [0] * 10, front_desk)
    recomputed = []
    monkeypatch.setattr(rollups, "recompute", lambda pairs: recomputed.extend(pairs))
    monkeypatch.setattr(rollups, "BATCH", 1)
    rollups.refresh()
    assert len(recomputed) == len(set(recomputed))
    assert not StaleMonth.objects.exists()


def test_two_refreshes_at_once_count_each_positive_screen_once_in_the_funnel(clinic_a, front_desk):
    """Beat's refresh and a report's, each recomputing a mother of the same clinic's month: the
    second recounts the month's funnel rollup once the first has committed, so the month counts each
    of her positive screens once, not the first's count plus the second's."""
    mothers = [make_mother(clinic_a, front_desk, record_number=f"A-{n}") for n in range(3)]
    for mother in mothers:
        enter_epds(mother, [2, 2, 1, 1, 1, 1, 2, 1, 2, 3], front_desk)  # 14: positive
    facts.refresh()
    saved, finish, failed = threading.Event(), threading.Event(), []

    def recompute(mother, hold):
        try:
            with scopes_disabled(), transaction.atomic():
                facts.recompute([mother.pk])
                saved.set()
                if hold:
                    finish.wait(10)
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failed.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=recompute, args=(mothers[1], True))
    first.start()
    assert saved.wait(10), failed
    second = threading.Thread(target=recompute, args=(mothers[2], False))
    second.start()
    second.join(1)
    assert second.is_alive()  # waiting for the first to commit
    finish.set()
    first.join()
    second.join()
    assert not failed
    report = funnel.funnel(tables.prepare(Filters([clinic_a.pk], date(2000, 1, 1), date(2100, 1, 1))))
    assert report.rows[0][1] == 3  # positive screens
    assert sum(JourneyMonth.objects.values_list("positive", flat=True)) == 3
