"""Bad input gets a clear message and loses nothing; the server never answers 500 (issue 15)."""

import csv
import io

from django.urls import reverse

from common.downloads import safe_cell
from referrals import services
from referrals.models import Provider
from screening.models import Mother

from ..conftest import enter_epds, make_mother

POSSIBLE = [1, 1, 1, 1, 2, 2, 2, 1, 3, 3]  # 10


def test_report_dates_in_year_one_get_a_message_not_a_500(login, clinic_admin):
    page = login(clinic_admin).get(reverse("reports"), {"start": "0001-01-01", "end": "0001-01-02", "clinic": "all"})
    assert page.status_code == 200 and "Choose a date from 1990 on." in page.content.decode()
    csv_file = login(clinic_admin).get(reverse("report_csv", args=["quality"]), {"start": "0001-01-01"})
    assert csv_file.status_code == 200


def test_a_nul_byte_in_the_mother_search_finds_what_the_rest_of_the_text_finds(login, front_desk, mother):
    page = login(front_desk).get(reverse("mother_list"), {"q": "Lop\x00ez"})
    assert page.status_code == 200 and mother.record_number in page.content.decode()


def test_a_due_date_in_year_one_gets_a_message_and_keeps_what_she_typed(login, front_desk):
    data = {
        "given_name": "Rosa",
        "family_name": "Quintero",
        "date_of_birth": "1995-04-02",
        "record_number": "Y-1",
        "preferred_language": "en",
        "status": "pregnant",
        "due_date": "0001-01-01",
        "infants-TOTAL_FORMS": "0",
        "infants-INITIAL_FORMS": "0",
    }
    page = login(front_desk).post(reverse("mother_create"), data)
    text = page.content.decode()
    assert page.status_code == 200 and "Enter a date between" in text
    assert 'value="Quintero"' in text and not Mother.objects.filter(record_number="Y-1").exists()


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(login, clinic_a, clinic_admin, clinician, front_desk):
    provider = Provider.objects.create(
        clinic=clinic_a, name='=HYPERLINK("http://evil.example","x")', pathways=["cbt"], contact="-"
    )
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, POSSIBLE, front_desk)
    services.create_referral(
        mother=mother, pathway="cbt", actor=clinician, screening=screening, provider=provider, override_reason="test"
    )
    response = login(clinic_admin).get(reverse("report_csv", args=["funnel-by-provider"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'" + provider.name and rows[1][1] == "1"
    assert [safe_cell(v) for v in ("@SUM(A1)", "+1", "-x", "\tx", "\rx", "ok", -3)] == [
        "'@SUM(A1)",
        "'+1",
        "'-x",
        "'\tx",
        "'\rx",
        "ok",
        -3,
    ]


def test_the_print_view_shows_the_report_only_and_names_every_filter(login, clinic_a, clinic_admin, front_desk):
    mother = make_mother(clinic_a, front_desk, given_name="Zelda")
    enter_epds(mother, [0, 0, 3, 0, 3, 3, 3, 3, 3, 2], front_desk)  # an open self-harm alert
    client = login(clinic_admin)
    assert "Zelda" in client.get(reverse("reports")).content.decode()  # the banner, on the screen view
    page = client.get(reverse("reports"), {"print": "1", "pathway": "mip"}).content.decode()
    assert "Zelda" not in page
    scope = page.split('id="report-scope">')[1].split("</p>")[0]
    assert clinic_a.name in scope and "Mother-infant" in scope and " to " in scope
