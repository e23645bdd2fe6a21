"""A mother's self-harm answer reaches a clinician when she gives it (design rule 14), and nothing
of her answers reaches staff who should not see them (issue 12)."""

import pytest
from django.urls import reverse

from referrals import alerts
from referrals.models import Alert
from screening.models import Invitation

from ..conftest import PASSWORD
from .conftest import answer_all

ITEM_10 = 10
SOMETIMES, NEVER = 1, 3  # EPDS item 10 in printed order: Yes quite often, Sometimes, Hardly ever, Never


def worklist(login, clinician):
    return login(clinician).get(reverse("worklist")).content.decode()


def test_a_self_harm_answer_raises_the_alert_when_it_is_saved_not_when_the_form_is_sent(
    client, invited, login, clinician, mother, django_capture_on_commit_callbacks
):
    invitation, token = invited
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/q/{token}/{ITEM_10}/", {"answer": str(SOMETIMES)})
    alert = Alert.objects.get(mother=mother)
    assert alert.invitation == invitation and alert.screening is None and alert.from_draft
    assert alert.delivered_at is not None  # delivered after commit, before she sends anything
    page = worklist(login, clinician)
    assert f'data-mother="{mother.record_number}"' in page and "from answers not yet sent" in page


def test_sending_the_form_joins_the_alert_raised_from_the_draft(client, invited, mother):
    invitation, token = invited
    client.post(f"/q/{token}/{ITEM_10}/", {"answer": str(SOMETIMES)})
    answer_all(client, token, [0, 0, 3, 0, 3, 3, 3, 3, 3, SOMETIMES])
    alert = Alert.objects.get(mother=mother)  # one alert, not two
    assert alert.screening is not None and alert.screening.self_harm


def test_a_later_answer_never_withdraws_the_alert_and_every_change_is_kept(client, invited, mother):
    invitation, token = invited
    client.post(f"/q/{token}/{ITEM_10}/", {"answer": str(SOMETIMES)})
    client.post(f"/q/{token}/{ITEM_10}/", {"answer": str(NEVER)})
    invitation.refresh_from_db()
    assert [(c["item"], c["from"], c["to"]) for c in invitation.draft_history] == [(ITEM_10, SOMETIMES, NEVER)]
    answer_all(client, token, [0, 0, 3, 0, 3, 3, 3, 3, 3, NEVER])
    alert = Alert.objects.get(mother=mother)
    assert alert.acknowledged_at is None and alert.invitation == invitation


def test_the_sweep_raises_the_alert_for_a_self_harm_draft_that_has_none(client, invited, mother):
    invitation, token = invited
    Invitation.objects.filter(pk=invitation.pk).update(status="in_progress", draft={str(ITEM_10): SOMETIMES})
    review = client.get(f"/q/{token}/review/").content.decode()
    assert "You do not have to go through this alone" in review
    assert "has been told" not in review  # no clinician has heard of it yet: promise nothing
    alerts.sweep()
    assert Alert.objects.get(mother=mother).invitation == invitation
    assert "has been told and will contact you soon" in client.get(f"/q/{token}/review/").content.decode()


@pytest.mark.parametrize("role", ["front_desk", "clinician"])
def test_a_logged_in_staff_member_cannot_open_or_change_a_mothers_answers(role, request, login, invited):
    invitation, token = invited
    Invitation.objects.filter(pk=invitation.pk).update(status="in_progress", draft={str(ITEM_10): SOMETIMES})
    staff = login(request.getfixturevalue(role))
    for response in (
        staff.get(f"/q/{token}/"),
        staff.get(f"/q/{token}/review/"),
        staff.post(f"/q/{token}/{ITEM_10}/", {"answer": str(NEVER)}),
        staff.post(f"/q/{token}/submit/"),
    ):
        assert response.status_code == 403 and "This questionnaire is for the mother" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.draft == {str(ITEM_10): SOMETIMES} and invitation.status == "in_progress"


def test_the_hand_over_link_is_shown_once_at_creation(login, front_desk, mother, epds_permission):
    client = login(front_desk)
    response = client.post(reverse("invite", args=[mother.code]), {"instrument": "PHQ-9"})
    first = client.get(response.url).content.decode()
    again = client.get(response.url).content.decode()
    assert "/q/" in first and "Copy link" in first and "data:image/svg+xml" in first
    assert "/q/" not in again and "was shown once" in again


def test_the_tablet_hand_back_shows_front_desk_nothing_of_her_answers_only_a_neutral_cue(
    client, front_desk, mother, epds_permission
):
    client.force_login(front_desk)
    token = client.post(reverse("tablet_start", args=[mother.code]), {"instrument": "EPDS"}).url.split("/")[2]
    answer_all(client, token, [0, 0, 3, 0, 3, 3, 3, 3, 3, SOMETIMES])
    assert "You do not have to go through this alone" in client.get("/q/done/").content.decode()
    client.post(reverse("login"), {"username": front_desk.username, "password": PASSWORD})
    assert client.get("/q/done/").status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert f"A clinician has been alerted and must see {mother.full_name} (record {mother.record_number}) today" in home
    assert "self-harm" not in home.lower() and "tel:988" not in home and "Crisis Lifeline" not in home
