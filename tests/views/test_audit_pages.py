"""Every page that shows mothers' names with their clinical status is audited (issue 17): one
entry per mother shown, written in one insert."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services
from screening import instruments, invitations
from screening.models import AuditEntry, Mother

from ..conftest import enter_epds, make_mother

POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]


@pytest.fixture
def three(clinic_a, front_desk):
    mothers = [make_mother(clinic_a, front_desk, record_number=f"P-{n}") for n in range(3)]
    for mother in mothers:
        enter_epds(mother, POSITIVE, front_desk)  # on the worklist and the home page
        services.on_mother_changed(Mother, mother)  # with follow-ups
    return mothers


@pytest.mark.parametrize(
    "page,where", [("home", "the home page"), ("worklist", "the worklist"), ("follow_up_list", "the follow-up list")]
)
def test_a_list_page_audits_each_mother_it_shows_in_one_insert(login, clinician, three, page, where):
    client = login(clinician)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(page)).status_code == 200
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "screening_auditentry"')]
    assert len(inserts) == 1
    shown = AuditEntry.objects.filter(actor=clinician, action="view", summary=f"shown on {where}")
    assert set(shown.values_list("object_code", flat=True)) == {m.code for m in three}


def test_the_invitation_page_is_audited(login, front_desk, mother):
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, created_by=front_desk)
    login(front_desk).get(reverse("invitation_detail", args=[invitation.code]))
    assert AuditEntry.objects.filter(actor=front_desk, object_code=mother.code, summary="invitation page").exists()
