from datetime import timedelta

import time_machine
from django.test import Client, TestCase
from django.utils import timezone

from referrals.models import Alert
from screening import instruments, invitations
from screening.models import Invitation, Screening

from .conftest import answer_all

CALM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]
SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]  # item 10 "Hardly ever"


def test_a_mother_completes_an_epds_and_it_is_scored_once(client, invited):
    invitation, token = invited
    start = client.get(f"/q/{token}/")
    assert start.status_code == 200 and "A short questionnaire" in start.content.decode()
    assert "Br J Psychiatry 1987" in start.content.decode()  # the EPDS citation
    assert client.post(f"/q/{token}/").url == f"/q/{token}/1/"
    response = answer_all(client, token, CALM)
    assert response.url == "/q/done/"
    done = client.get("/q/done/").content.decode()
    assert "Thank you" in done and "out of" not in done  # no score unless the clinic turns it on
    screening = Screening.objects.get()
    assert (screening.method, screening.total, screening.entered_by) == ("online", 0, None)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.screening) == ("completed", screening)


def test_she_resumes_where_she_stopped(invited):
    invitation, token = invited
    Client().post(f"/q/{token}/1/", {"answer": "2"})
    Client().post(f"/q/{token}/2/", {"answer": "1"})
    later = Client()  # another day, another browser
    page = later.get(f"/q/{token}/").content.decode()
    assert "You have answered 2 of 10." in page and "Continue" in page
    assert later.post(f"/q/{token}/").url == f"/q/{token}/3/"
    back = later.get(f"/q/{token}/2/").content.decode()
    assert 'value="1" checked' in back
    invitation.refresh_from_db()
    assert invitation.status == "in_progress" and invitation.draft == {"1": 2, "2": 1}


def test_a_double_submit_or_a_second_tab_creates_one_screening(client, invited):
    _, token = invited
    answer_all(client, token, CALM)
    second = client.post(f"/q/{token}/submit/")
    assert second.url == "/q/done/"
    other_tab = Client()
    assert other_tab.post(f"/q/{token}/submit/").status_code == 404
    assert Screening.objects.count() == 1


def test_an_incomplete_form_is_never_scored(client, invited):
    _, token = invited
    client.post(f"/q/{token}/1/", {"answer": "1"})
    response = client.post(f"/q/{token}/submit/")
    assert response.url == f"/q/{token}/review/"
    review = client.get(response.url).content.decode()
    assert "Some questions have no answer yet" in review and f"/q/{token}/10/" in review
    assert not Screening.objects.exists()


def test_a_missing_or_invalid_answer_keeps_her_on_the_question(client, invited):
    invitation, token = invited
    client.post(f"/q/{token}/1/", {"answer": "3"})
    for bad in ({}, {"answer": "9"}, {"answer": "-1"}, {"answer": "x"}):
        response = client.post(f"/q/{token}/1/", bad)
        assert response.status_code == 400 and "Choose one answer to continue" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.draft == {"1": 3}


def test_a_self_harm_answer_shows_crisis_resources_at_once_and_alerts_clinicians(client, invited, clinician):
    _, token = invited
    for number, position in enumerate(SELF_HARM, start=1):
        client.post(f"/q/{token}/{number}/", {"answer": str(position)})
    review = client.get(f"/q/{token}/review/").content.decode()
    assert "You do not have to go through this alone" in review and "988" in review
    with TestCase.captureOnCommitCallbacks() as scoring:
        client.post(f"/q/{token}/submit/")
    done = client.get("/q/done/").content.decode()
    assert "You do not have to go through this alone" in done and "1-833-852-6262" in done
    assert Alert.objects.filter(screening=None).exists() and not Screening.objects.exists()  # alerted, not yet scored
    for worker_step in scoring:
        worker_step()
    screening = Screening.objects.get()
    assert screening.self_harm and Alert.objects.filter(screening=screening).exists()


def test_crisis_resources_are_in_her_language(client, invited, mother):
    mother.preferred_language = "es"
    mother.save()
    _, token = invited
    answer_all(client, token, SELF_HARM)
    done = client.get("/q/done/").content.decode()
    assert "No tiene que pasar por esto sola" in done and "Línea de Prevención del Suicidio" in done
    assert '<html lang="es">' in done


def test_the_score_is_shown_only_when_the_clinic_turns_it_on(client, invited, clinic_a):
    clinic_a.show_scores_to_mother = True
    clinic_a.save()
    _, token = invited
    answer_all(client, token, [1, 1, 1, 1, 2, 2, 2, 1, 3, 3])
    assert "Your total is 10 out of 30" in client.get("/q/done/").content.decode()


def test_spanish_interface_from_her_preference_and_switchable(client, invited, mother):
    mother.preferred_language = "es"
    mother.save()
    _, token = invited
    page = client.get(f"/q/{token}/").content.decode()
    assert "Un cuestionario breve" in page and "Empezar" in page
    assert "validated translation" not in page and "traducción validada" in page  # the English-text note
    assert "I have been able to laugh" not in page  # items come one per screen
    item = client.get(f"/q/{token}/1/").content.decode()
    assert "Pregunta 1 de 10" in item and 'lang="en"' in item and "I have been able to laugh" in item
    client.post(f"/q/{token}/language/", {"language": "en", "next": f"/q/{token}/1/"})
    assert "Question 1 of 10" in client.get(f"/q/{token}/1/").content.decode()


def test_the_start_page_says_how_long_her_questionnaire_takes(client, invited, mother, clinician):
    _, token = invited
    assert "10 short questions about how you have been feeling. It takes about 5 minutes." in (
        client.get(f"/q/{token}/").content.decode()
    )
    brief = invitations.create_invitation(mother=mother, instrument=instruments.PHQ2, created_by=clinician)
    page = Client().get(f"/q/{invitations.token_for(brief)}/").content.decode()
    assert "2 short questions about how you have been feeling. It takes about a minute." in page
    mother.preferred_language = "es"
    mother.save()
    assert "10 preguntas breves sobre cómo se ha sentido. Lleva unos 5 minutos." in (
        Client().get(f"/q/{token}/").content.decode()
    )


def test_wrong_expired_and_spent_links_get_the_same_friendly_page(client, invited, clinician, mother):
    invitation, token = invited
    wrong = Client().get("/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        expired = Client().get(f"/q/{token}/")
    answer_all(client, token, CALM)
    spent = Client().get(f"/q/{token}/")
    pages = [r.content.decode().replace(r.wsgi_request.path, "") for r in (wrong, expired, spent)]
    assert {r.status_code for r in (wrong, expired, spent)} == {404}
    assert "This link does not open a questionnaire" in pages[0]
    assert pages[0] == pages[1] == pages[2]
    for page in pages:
        assert mother.clinic.name not in page and mother.given_name not in page


def test_wrong_token_guesses_are_rate_limited_per_address(settings, invited):
    from django.core.cache import cache

    cache.clear()
    settings.ONLINE_MISSES_PER_MINUTE = "5/m"
    _, token = invited
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get(f"/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA{n:02d}/").status_code for n in range(7)]
    assert codes == [404] * 5 + [429] * 2  # five wrong guesses a minute, then wait
    blocked = client.get("/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA99/")
    assert "Please wait a moment" in blocked.content.decode()
    # a real link is looked up first: wrong guesses from the same address never block it
    assert client.get(f"/q/{token}/").status_code == 200
    cache.clear()


def test_a_mother_answering_is_not_throttled_by_her_own_pages(settings, client, invited):
    settings.ONLINE_MISSES_PER_MINUTE = "5/m"
    _, token = invited
    for _ in range(3):
        for number in range(1, 11):
            assert client.get(f"/q/{token}/{number}/").status_code == 200


def test_opening_the_link_marks_the_invitation_opened(client, invited):
    invitation, token = invited
    client.get(f"/q/{token}/")
    invitation.refresh_from_db()
    assert invitation.status == "opened" and invitation.opened_at is not None


def test_public_pages_send_no_referrer_and_are_not_cached(client, invited):
    _, token = invited
    response = client.get(f"/q/{token}/")
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_completing_a_cancelled_invitation_is_impossible(client, invited, clinician):
    from screening import invitations

    invitation, token = invited
    client.post(f"/q/{token}/1/", {"answer": "1"})
    invitations.cancel(invitation, clinician)
    assert client.post(f"/q/{token}/2/", {"answer": "1"}).status_code == 404
    assert Invitation.objects.get().draft == {"1": 1}
