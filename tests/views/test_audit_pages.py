"""Every page that shows mothers' names with their clinical status is audited (issue 17): one
entry per mother shown, written in one insert."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services
from screening import instruments, invitations
from screening.models import AuditEntry, Mother

from ..conftest import clinic_today, enter_epds, make_mother

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


def test_the_audit_log_filters_by_who_which_mother_what_and_when_and_exports_that(
    login, clinic_admin, clinician, front_desk, clinic_a
):
    import csv
    import io
    from datetime import timedelta

    first, second = (make_mother(clinic_a, front_desk, record_number=n) for n in ("F-1", "F-2"))
    screening = enter_epds(first, POSITIVE, front_desk)
    reader = login(clinician)
    reader.get(reverse("screening_detail", args=[screening.code]))  # the clinician reads F-1's screening
    reader.get(reverse("mother_detail", args=[second.code]))  # and F-2's page
    admin = login(clinic_admin)
    query = {"actor": clinician.pk, "mother": "f-1", "action": "view"}

    page = admin.get(reverse("audit_log"), query).content.decode()
    assert page.count("<tr><td>") == 1 and "Screening" in page and "1 entry" in page

    export = admin.get(reverse("audit_log"), {**query, "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert export["Content-Type"].startswith("text/csv") and len(rows) == 2
    assert rows[1][1] == str(clinician) and rows[1][4] == str(screening.code)

    tomorrow = (clinic_today() + timedelta(days=1)).isoformat()
    assert "0 entries" in admin.get(reverse("audit_log"), {**query, "start": tomorrow}).content.decode()
    unknown = admin.get(reverse("audit_log"), {"mother": "NOPE-9"})
    assert unknown.status_code == 200 and "No mother at this clinic has this record number" in unknown.content.decode()
    assert AuditEntry.objects.filter(actor=clinic_admin, summary="audit log CSV").exists()
