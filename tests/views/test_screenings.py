import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from screening.models import AuditEntry, Screening

from ..conftest import clinic_today

URGENT_EPDS = [1, 1, 1, 2, 2, 2, 2, 2, 2, 2]  # item 10 "Hardly ever": total 12


def epds_post(answers, **extra):
    data = {"taken_on": clinic_today().isoformat(), "method": "paper", "submission_token": str(uuid.uuid4())}
    data.update({f"item_{n}": str(a) for n, a in enumerate(answers, start=1) if a is not None})
    data.update(extra)
    return data


def enter(client, mother, code, data):
    return client.post(reverse("screening_create", args=[mother.code, code]), data)


def test_clinician_enters_an_epds_and_sees_the_self_harm_flag_and_risk(login, clinician, mother):
    client = login(clinician)
    response = enter(client, mother, "EPDS", epds_post(URGENT_EPDS))
    screening = Screening.objects.get()
    assert response.url == reverse("screening_detail", args=[screening.code])
    assert (screening.total, screening.self_harm, screening.risk_level) == (12, True, "urgent")
    assert screening.answers == URGENT_EPDS and screening.instrument_version == "1987"
    assert screening.thresholds["epds_possible"] == 10 and screening.context == "postnatal"
    page = client.get(response.url).content.decode()
    assert "Self-harm answer" in page and "same-day clinician risk assessment" in page
    assert "Urgent: self-harm answer" in page
    assert "EPDS-3A" in page and "Br J Psychiatry 1987;150:782-786" in page
    assert "Weeks since delivery" in page and "Infant age" in page


def test_an_incomplete_form_is_refused_with_missing_items_marked_and_answers_kept(login, front_desk, mother):
    answers = [2, 1, 0, 3, None, 1, 2, None, 0, 3]
    response = enter(login(front_desk), mother, "EPDS", epds_post(answers))
    body = response.content.decode()
    assert response.status_code == 200 and not Screening.objects.exists()
    assert "Answer item 5." in body and "Answer item 8." in body and "Answer item 1." not in body
    for n, a in enumerate(answers, start=1):
        if a is not None:
            assert f'name="item_{n}" value="{a}"' in body
            chunk = body[body.index(f'name="item_{n}" value="{a}"') :][:200]
            assert "checked" in chunk, f"item {n} lost its answer"


@pytest.mark.parametrize(
    "tamper",
    [
        {"item_3": "4"},
        {"item_3": "-1"},
        {"item_3": "two"},
        {"item_3": "1.0"},
        {"method": "online"},
        {"taken_on": "2020-13-45"},
    ],
)
def test_tampered_values_are_refused_and_save_nothing(login, clinician, mother, tamper):
    response = enter(login(clinician), mother, "EPDS", epds_post([0] * 10, **tamper))
    assert response.status_code == 200 and not Screening.objects.exists()
    assert "is-invalid" in response.content.decode()


def test_unknown_fields_are_ignored(login, clinician, mother):
    response = enter(
        login(clinician), mother, "EPDS", epds_post([0, 0, 3, 0, 3, 3, 3, 3, 3, 3], item_11="3", total="30")
    )
    assert response.status_code == 302
    assert Screening.objects.get().total == 0


def test_a_date_before_the_mothers_birth_or_in_the_future_is_refused(login, clinician, mother):
    for day, message in [
        (mother.date_of_birth - timedelta(days=1), "before the mother"),
        (clinic_today() + timedelta(days=1), "in the future"),
    ]:
        response = enter(login(clinician), mother, "EPDS", epds_post([0] * 10, taken_on=day.isoformat()))
        assert message in response.content.decode()
    assert not Screening.objects.exists()


def test_front_desk_transcribes_paper_and_sees_no_score(login, front_desk, mother):
    client = login(front_desk)
    response = enter(client, mother, "EPDS", epds_post(URGENT_EPDS))
    assert response.url == reverse("crisis_card", args=[mother.code])  # a self-harm answer: fetch a clinician
    page = client.get(response.url).content.decode()
    assert "Please keep her here and fetch a clinician now" in page and 'href="tel:988"' in page
    main = page.split("<main")[1]
    assert "Urgent" not in page and "/ 30" not in main and "Total" not in main and "risk-" not in page
    calm = enter(client, mother, "EPDS", epds_post([0, 0, 3, 0, 3, 3, 3, 3, 3, 3]))
    assert calm.url == reverse("mother_detail", args=[mother.code])
    assert "A clinician will review it" in client.get(calm.url).content.decode()
    assert AuditEntry.objects.filter(action="create", object_type="Screening", actor=front_desk).exists()


def test_phq9_records_the_unscored_difficulty_question(login, clinician, mother):
    data = epds_post([3, 3, 3, 3, 3, 0, 0, 0, 0], functional_difficulty="2")
    enter(login(clinician), mother, "PHQ-9", data)
    screening = Screening.objects.get()
    assert (screening.total, screening.risk_level, screening.band, screening.functional_difficulty) == (
        15,
        "high",
        "moderately severe",
        2,
    )


def test_antenatal_screening_uses_the_antenatal_cut_offs(login, clinician, clinic_a, front_desk):
    from screening.models import ThresholdSet

    from ..conftest import make_mother

    pregnant = make_mother(clinic_a, front_desk, record_number="P-1", delivered_days_ago=None)
    ThresholdSet.objects.create(clinic=clinic_a, context="antenatal", epds_possible=13, epds_probable=15, epds_high=17)
    enter(login(clinician), pregnant, "EPDS", epds_post([1, 1, 1, 1, 2, 2, 2, 1, 3, 3]))  # total 10
    screening = Screening.objects.get()
    assert (screening.context, screening.total, screening.risk_level) == ("antenatal", 10, "low")
    page = login(clinician).get(reverse("screening_detail", args=[screening.code])).content.decode()
    assert "Weeks of pregnancy" in page


def test_result_shows_earlier_scores_for_the_trend_chart(login, clinician, mother, front_desk):
    from ..conftest import enter_epds

    first = enter_epds(mother, [0, 0, 3, 0, 3, 3, 3, 3, 3, 3], front_desk, taken_on=clinic_today() - timedelta(days=14))
    second = enter_epds(mother, [2, 2, 0, 2, 1, 1, 1, 1, 2, 3], front_desk)
    page = login(clinician).get(reverse("screening_detail", args=[second.code])).content.decode()
    assert f'"points": [{{"x": "{first.taken_on}", "y": 0}}, {{"x": "{second.taken_on}", "y": 18}}]' in page
    assert "chart.umd.min.js" in page
    assert AuditEntry.objects.filter(action="view", object_code=second.code).exists()


def test_home_counts_what_waits_for_clinicians_and_leaves_the_list_to_the_worklist(
    login, clinician, front_desk, mother
):
    from ..conftest import enter_epds

    enter_epds(mother, URGENT_EPDS, front_desk)
    enter_epds(mother, [2, 2, 0, 2, 1, 1, 1, 1, 2, 3], front_desk)
    clinician_home = login(clinician).get(reverse("home")).content.decode()
    assert "1 self-harm answer ·" in clinician_home and "1 other positive screen" in clinician_home
    assert reverse("worklist") in clinician_home and "risk-high" not in clinician_home  # no second worklist
    desk_home = login(front_desk).get(reverse("home")).content.decode()
    assert "self-harm answer" not in desk_home and "Waiting for a decision" not in desk_home
    assert mother.full_name in desk_home


def test_a_post_without_its_one_time_token_is_refused_and_keeps_what_was_typed(login, front_desk, mother):
    """A script replaying the fields without the form's one-time token stored a duplicate screening
    and alert (issue 27); now nothing is saved, and the form comes back with the answers and a new
    token, so the clerk saves once."""
    client = login(front_desk)
    data = epds_post(URGENT_EPDS)
    del data["submission_token"]
    response = enter(client, mother, "EPDS", data)
    page = response.content.decode()
    assert response.status_code == 200 and "This form was not sent from its page" in page
    assert not Screening.objects.exists()
    chosen = [tag for tag in re.findall(r"<input[^>]*>", page) if 'name="item_4"' in tag and 'value="2"' in tag]
    assert chosen and "checked" in chosen[0]  # what she typed is still there
    token = response.context["form"]["submission_token"].value()
    assert token and enter(client, mother, "EPDS", {**data, "submission_token": token}).status_code == 302
    assert Screening.objects.count() == 1
