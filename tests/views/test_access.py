"""Every URL with every persona: the exact outcome (design rule 3)."""

import pytest
from django.urls import reverse

from ..conftest import assert_outcomes

OK, FORBIDDEN, NOT_FOUND, LOGIN = 200, 403, 404, "login"


def url_table(mother, screening, member_pk):
    m, s = mother.code, screening.code
    return [
        # name, url, anonymous, front desk, clinician, clinic admin, clinician of clinic B
        ("home", reverse("home"), LOGIN, OK, OK, OK, OK),
        ("choose clinic", reverse("choose_clinic"), LOGIN, OK, OK, OK, OK),
        ("mother list", reverse("mother_list"), LOGIN, OK, OK, OK, OK),
        ("register", reverse("mother_create"), LOGIN, OK, OK, OK, OK),
        ("mother", reverse("mother_detail", args=[m]), LOGIN, OK, OK, OK, NOT_FOUND),
        ("edit mother", reverse("mother_edit", args=[m]), LOGIN, OK, OK, OK, NOT_FOUND),
        ("history", reverse("mother_history", args=[m]), LOGIN, OK, OK, OK, NOT_FOUND),
        ("start screening", reverse("screening_start", args=[m]), LOGIN, OK, OK, OK, NOT_FOUND),
        ("enter EPDS", reverse("screening_create", args=[m, "EPDS"]), LOGIN, OK, OK, OK, NOT_FOUND),
        (
            "unknown instrument",
            reverse("screening_create", args=[m, "BDI"]),
            LOGIN,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
            NOT_FOUND,
        ),
        ("result", reverse("screening_detail", args=[s]), LOGIN, FORBIDDEN, OK, OK, NOT_FOUND),
        ("settings", reverse("clinic_settings"), LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
        ("staff", reverse("staff_list"), LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
        ("add staff", reverse("staff_add"), LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
        ("audit", reverse("audit_log"), LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    ]


def test_every_url_answers_each_persona_exactly(personas, login, mother, screening):
    table = [(name, "get", url, *expected) for name, url, *expected in url_table(mother, screening, None)]
    assert_outcomes(login, personas, table)


def test_staff_role_change_is_post_only_and_admin_only(personas, login, clinician):
    membership = clinician.memberships.get()
    url = reverse("staff_role", args=[membership.pk])
    assert login(personas["clinic_admin"]).get(url).status_code == 405
    assert login(personas["clinician"]).post(url, {"role": "front_desk"}).status_code == 403
    assert login(personas["outsider"]).post(url, {"role": "front_desk"}).status_code == 403
    membership.refresh_from_db()
    assert membership.role == "clinician"


@pytest.mark.parametrize("name", ["home", "mother_list", "audit_log", "staff_list"])
def test_read_only_pages_refuse_other_methods(name, login, clinic_admin):
    for method in ("post", "put", "delete", "patch"):
        assert getattr(login(clinic_admin), method)(reverse(name)).status_code == 405


def test_screening_result_refuses_post(login, clinician, screening):
    assert login(clinician).post(reverse("screening_detail", args=[screening.code])).status_code == 405


def test_a_user_of_two_clinics_chooses_one_and_sees_only_its_mothers(login, clinic_a, clinic_b, clinician, mother):
    from screening.models import Membership

    Membership.objects.create(user=clinician, clinic=clinic_b, role="clinician")
    client = login(clinician)
    response = client.get(reverse("mother_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("choose_clinic"))
    client.post(reverse("choose_clinic"), {"clinic": str(clinic_b.code)})
    assert client.get(reverse("mother_detail", args=[mother.code])).status_code == 404
    client.post(reverse("choose_clinic"), {"clinic": str(clinic_a.code)})
    assert client.get(reverse("mother_detail", args=[mother.code])).status_code == 200


def test_choosing_a_clinic_one_does_not_belong_to_changes_nothing(login, clinician, clinic_b, mother):
    client = login(clinician)
    response = client.post(reverse("choose_clinic"), {"clinic": str(clinic_b.code)})
    assert response.status_code == 200
    assert b"Choose one of your clinics" in response.content
    assert client.get(reverse("mother_detail", args=[mother.code])).status_code == 200


def test_choose_clinic_does_not_redirect_off_site(login, clinician, clinic_a):
    response = login(clinician).post(
        reverse("choose_clinic"), {"clinic": str(clinic_a.code), "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


def test_outsider_search_finds_nothing_of_clinic_a(login, outsider, mother):
    response = login(outsider).get(reverse("mother_list"), {"q": mother.record_number})
    assert mother.family_name not in response.content.decode()
