"""Staff at one clinic never wait on each other's stale marks (issue 32). Every screening entered at
a clinic marks the same month of its report rollups stale; as an upsert, that one row stayed locked
until each writer committed, so the clinic's writers queued behind each other, and two of them, each
holding a month the other needed, deadlocked (seen with the dispatcher beside the load)."""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django_scopes import scopes_disabled

from referrals.reports.models import StaleMonth

from ..conftest import enter_epds, make_mother

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_staff_entering_screenings_at_one_clinic_do_not_wait_for_each_other(clinic_a, front_desk):
    first = make_mother(clinic_a, front_desk, record_number="A-1")
    second = make_mother(clinic_a, front_desk, record_number="A-2")
    entered, finish, failed = threading.Event(), threading.Event(), []

    def colleague_still_saving():
        try:
            with scopes_disabled(), transaction.atomic():
                enter_epds(first, [0] * 10, front_desk)
                entered.set()
                finish.wait(10)
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            failed.append(error)
        finally:
            connection.close()

    colleague = threading.Thread(target=colleague_still_saving)
    colleague.start()
    try:
        assert entered.wait(10), failed
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            try:
                enter_epds(second, [0] * 10, front_desk)
            except OperationalError as error:
                pytest.fail(f"the second entry waited for the first to commit: {error}")
    finally:
        finish.set()
        colleague.join()
    assert not failed
    month = StaleMonth.objects.filter(clinic_id=clinic_a.pk, month=first.screenings.get().taken_on.replace(day=1))
    assert month.count() >= 2  # each writer's own mark, taken together by the next refresh
