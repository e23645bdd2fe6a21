"""Two of one mother's forms sent at the same moment queue behind her row instead of deadlocking
(issue 12: one of them used to be lost with a 500)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from screening import instruments, invitations
from screening.models import Screening

from ..conftest import make_mother

ROUNDS = 10


def ready(mother, instrument):
    invitation = invitations.create_invitation(mother=mother, instrument=instrument)
    for number in range(1, len(instrument.items) + 1):
        invitations.save_answer(invitation, number, 3 if number == len(instrument.items) else 1)
    return invitations.token_for(invitation)


@pytest.mark.django_db(transaction=True)
def test_two_forms_of_one_mother_sent_at_once_never_deadlock(clinic_a, front_desk):
    clinic_a.epds_online_permission = True
    clinic_a.save()
    failures = []
    for round_number in range(ROUNDS):
        mother = make_mother(clinic_a, front_desk, record_number=f"C-{round_number}")
        tokens = [ready(mother, instruments.EPDS), ready(mother, instruments.PHQ9)]
        barrier = threading.Barrier(2)

        def send(token, barrier=barrier):
            barrier.wait()
            try:
                status = Client().post(f"/q/{token}/submit/").status_code
                if status != 302:
                    failures.append(status)
            except Exception as error:  # noqa: BLE001 - a deadlock surfaces here as an exception
                failures.append(repr(error))
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(token,)) for token in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Screening.objects.filter(mother=mother).count() == 2, failures
    assert failures == []
