"""A positive PHQ-2 is followed by the rest of the PHQ-9 at the same visit (docs/clinical.md section 4),
on staff entry and online; a negative one is not (issue 13)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from referrals.models import FollowUp
from screening import instruments, invitations
from screening.models import Screening

from ..conftest import clinic_today

POSITIVE, NEGATIVE = [2, 1], [1, 1]  # totals 3 (positive from 3) and 2


@pytest.fixture
def phq2_link(mother):
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ2)
    return invitations.token_for(invitation)


def test_online_a_positive_phq2_goes_on_to_phq9_question_3_with_its_two_answers_kept(
    client, phq2_link, mother, after_commit
):
    for number, position in enumerate(POSITIVE, start=1):
        client.post(f"/q/{phq2_link}/{number}/", {"answer": str(position)})
    with after_commit():
        response = client.post(f"/q/{phq2_link}/submit/")
    assert response.url.endswith("/3/")
    page = client.get(response.url).content.decode()
    assert "Trouble falling or staying asleep" in page  # PHQ-9 item 3
    token = response.url.split("/")[2]
    for number in range(3, 10):
        client.post(f"/q/{token}/{number}/", {"answer": "0"})
    with after_commit():
        client.post(f"/q/{token}/submit/")
    phq9 = Screening.objects.get(mother=mother, instrument_code="PHQ-9")
    assert phq9.answers[:2] == POSITIVE and phq9.total == 3
    rescreen = FollowUp.objects.get(mother=mother, key__startswith="rescreen-")
    assert rescreen.status == "completed"  # the same-day PHQ-9 settles it


def test_online_a_negative_phq2_ends_at_the_thank_you_page(client, phq2_link, mother):
    for number, position in enumerate(NEGATIVE, start=1):
        client.post(f"/q/{phq2_link}/{number}/", {"answer": str(position)})
    assert client.post(f"/q/{phq2_link}/submit/").url == reverse("online_done")


@pytest.mark.parametrize("role", ["clinician", "front_desk"])
def test_staff_entering_a_positive_phq2_are_taken_to_the_phq9_with_its_answers_filled_in(role, request, login, mother):
    client = login(request.getfixturevalue(role))
    data = {
        "taken_on": "2026-11-20",
        "method": "paper",
        "item_1": "2",
        "item_2": "1",
        "submission_token": str(mother.code),
    }
    response = client.post(reverse("screening_create", args=[mother.code, "PHQ-2"]), data)
    phq2 = Screening.objects.get(instrument_code="PHQ-2")
    assert response.url == reverse("screening_create", args=[mother.code, "PHQ-9"]) + f"?after={phq2.code}"
    page = client.get(response.url).content.decode()
    assert "Now ask the rest of the PHQ-9" in page
    form = page.split('name="item_1"')
    assert any('value="2"' in part[:40] and "checked" in part[:60] for part in form[1:])
    assert 'value="2026-11-20"' in page


def test_the_schedule_asks_for_the_phq9_the_same_day_after_a_positive_phq2_not_in_two_weeks(
    login, clinician, mother, after_commit
):
    taken_on = str(clinic_today() - timedelta(days=1))  # a fixed date fell out of the schedule's window
    with after_commit():
        login(clinician).post(
            reverse("screening_create", args=[mother.code, "PHQ-2"]),
            {
                "taken_on": taken_on,
                "method": "paper",
                "item_1": "2",
                "item_2": "1",
                "submission_token": str(mother.code),
            },
        )
    row = FollowUp.objects.get(mother=mother, key__startswith="rescreen-")
    assert (str(row.due_on), row.instrument_code) == (taken_on, "PHQ-9")
