"""Online items repeat their recall period; the online PHQ-9 asks the functional question; the result
page speaks in words, with the clinic's risk level and the authors' label told apart (issue 13)."""

from django.urls import reverse

from screening import instruments, invitations
from screening.models import Screening, ThresholdSet

from ..conftest import enter_epds


def test_every_online_item_repeats_the_recall_period(client, invited):
    invitation, token = invited
    for number in (1, 5, 10):
        assert "IN THE PAST 7 DAYS" in client.get(f"/q/{token}/{number}/").content.decode()


def test_the_online_phq9_asks_how_difficult_the_problems_made_things_and_the_result_shows_it(
    client, mother, login, clinician, after_commit
):
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9)
    token = invitations.token_for(invitation)
    assert "Over the last 2 weeks" in client.get(f"/q/{token}/4/").content.decode()
    for number in range(1, 10):
        client.post(f"/q/{token}/{number}/", {"answer": "1"})
    review = client.get(f"/q/{token}/review/").content.decode()
    assert "how difficult have these problems made it" in review and "not scored" in review
    with after_commit():  # and the worker scores it
        client.post(f"/q/{token}/submit/", {"functional_difficulty": "2"})
    screening = Screening.objects.get(mother=mother)
    assert screening.functional_difficulty == 2 and screening.total == 9
    page = login(clinician).get(reverse("screening_detail", args=[screening.code])).content.decode()
    assert "Very difficult" in page


def test_the_result_names_cut_offs_in_words_and_tells_the_clinics_level_from_the_authors_label(
    login, clinician, mother, front_desk, clinic_a
):
    ThresholdSet.objects.create(clinic=clinic_a, context="postnatal", epds_possible=12, epds_probable=14)
    screening = enter_epds(mother, [3, 3, 0, 3, 3, 3, 3, 3, 3, 3], front_desk)  # 12
    page = login(clinician).get(reverse("screening_detail", args=[screening.code])).content.decode()
    assert "EPDS possible depression from 12" in page and "epds_possible" not in page
    assert "Risk level (this clinic's cut-offs)" in page and "The authors' label for this total" in page
