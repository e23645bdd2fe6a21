from django.core import mail
from django.urls import reverse

from screening.models import Invitation

from ..conftest import assert_outcomes


def test_every_invitation_url_answers_each_persona_exactly(login, personas, invited, mother):
    invitation, _ = invited
    table = [
        ("invite", "get", reverse("invite", args=[mother.code]), "login", 200, 200, 200, 404),
        ("invitation", "get", reverse("invitation_detail", args=[invitation.code]), "login", 200, 200, 200, 404),
        ("cancel GET", "get", reverse("invitation_cancel", args=[invitation.code]), 405, 405, 405, 405, 405),
        ("tablet GET", "get", reverse("tablet_start", args=[mother.code]), 405, 405, 405, 405, 405),
        (
            "outsider cancels",
            "post",
            reverse("invitation_cancel", args=[invitation.code]),
            "login",
            None,
            None,
            None,
            404,
        ),
    ]
    assert_outcomes(login, personas, table)
    invitation.refresh_from_db()
    assert invitation.status == "sent"


def test_front_desk_invites_by_email_and_sees_the_link_and_qr_code(
    login, front_desk, mother, django_capture_on_commit_callbacks
):
    client = login(front_desk)
    page = client.get(reverse("invite", args=[mother.code])).content.decode()
    assert "The EPDS is not offered online here" in page and 'value="EPDS"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invite", args=[mother.code]), {"instrument": "PHQ-9", "channels": ["email"]})
    invitation = Invitation.objects.get()
    assert response.url == reverse("invitation_detail", args=[invitation.code])
    assert invitation.channels == ["email", "link"] and invitation.sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [mother.email]
    detail = client.get(response.url).content.decode()
    assert "/q/" in detail and 'src="data:image/svg+xml' in detail and "Sent" in detail
    mother_page = client.get(reverse("mother_detail", args=[mother.code])).content.decode()
    assert "PHQ-9" in mother_page and "Sent" in mother_page


def test_an_invitation_cannot_use_a_channel_without_consent(login, front_desk, mother):
    mother.email_consent = False
    mother.save()
    client = login(front_desk)
    assert (
        "She has not consented to email or text" in client.get(reverse("invite", args=[mother.code])).content.decode()
    )
    client.post(reverse("invite", args=[mother.code]), {"instrument": "PHQ-9", "channels": ["email"]})
    assert Invitation.objects.get().channels == ["link"]
    assert not mail.outbox


def test_cancelling_asks_first_then_kills_the_link(login, front_desk, invited, client):
    invitation, token = invited
    staff = login(front_desk)
    asked = staff.post(reverse("invitation_cancel", args=[invitation.code]))
    assert "Cancel this invitation?" in asked.content.decode()
    invitation.refresh_from_db()
    assert invitation.state() != "cancelled"
    staff.post(reverse("invitation_cancel", args=[invitation.code]), {"confirmed": "yes"})
    invitation.refresh_from_db()
    assert invitation.state() == "cancelled"
    assert client.get(f"/q/{token}/").status_code == 404


def test_tablet_mode_logs_staff_out_shows_only_the_form_then_returns_to_login(
    login, front_desk, mother, epds_permission
):
    from referrals.models import Alert

    client = login(front_desk)
    response = client.post(reverse("tablet_start", args=[mother.code]), {"instrument": "EPDS"})
    assert response.url.startswith("/q/")
    token = response.url.split("/")[2]
    assert client.get(reverse("home")).status_code == 302  # staff are logged out
    start = client.get(response.url).content.decode()
    assert "Log out" not in start and "/mothers/" not in start
    for number in range(1, 11):
        client.post(f"/q/{token}/{number}/", {"answer": "3" if number != 10 else "2"})
    client.post(f"/q/{token}/submit/")
    done = client.get("/q/done/").content.decode()
    assert "Please hand the device back to the staff" in done and reverse("login") in done
    assert Invitation.objects.get().tablet is True and Alert.objects.count() == 1


def test_staff_inviting_a_spanish_speaking_mother_are_told_which_questionnaires_she_would_answer_in_english(
    login, front_desk, mother
):
    page = login(front_desk).get(reverse("invite", args=[mother.code])).content.decode()
    assert "no validated" not in page  # she prefers English
    mother.preferred_language = "es"
    mother.save()
    page = login(front_desk).get(reverse("invite", args=[mother.code])).content.decode()
    assert (
        "She prefers Spanish, but no validated Spanish version of PHQ-9, PHQ-2, GAD-7, Whooley, GAD-2 is installed"
        in page
    )
