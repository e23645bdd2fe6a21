"""Crisis help she can use: lines she can tap, in her language, that she can take with her, and the
clinic's own lines beside the national ones (issue 12)."""

from django.urls import reverse

from screening.crisis import resources_for
from screening.models import CrisisResource

from .conftest import answer_all

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 1]


def test_her_crisis_lines_are_tel_and_sms_links_and_only_round_the_clock_lines_say_any_hour(client, invited):
    invitation, token = invited
    client.post(f"/q/{token}/10/", {"answer": "1"})
    page = client.get(f"/q/{token}/review/").content.decode()
    for href in (
        'href="tel:988"',
        'href="sms:988"',
        'href="tel:911"',
        'href="tel:+18338526262"',
        'href="tel:+18009444773"',
    ):
        assert href in page
    psi = page.split("Postpartum Support International HelpLine")[1].split("</li>")[0]
    assert "any hour" not in psi  # a support line with office hours does not promise the night
    assert "any hour" in page.split("988 Suicide")[1].split("</li>")[0]


def test_in_spanish_988_takes_a_text_in_spanish_and_psi_its_spanish_option(client, invited, mother):
    mother.preferred_language = "es"
    mother.save()
    invitation, token = invited
    client.post(f"/q/{token}/10/", {"answer": "1"})
    page = client.get(f"/q/{token}/review/").content.decode()
    assert "sms:988?&amp;body=AYUDA" in page and "oprima 2" in page
    assert "oprima 1 para español" in page and 'href="sms:+19712037773"' in page


def test_a_clinics_own_lines_come_after_the_national_ones_and_never_replace_them(clinic_a):
    CrisisResource.objects.create(
        clinic=clinic_a, language="en", name="County line", contact="555-0199", call="555-0199"
    )
    names = [r.name for r in resources_for(clinic_a, "en")]
    assert names[:2] == ["988 Suicide & Crisis Lifeline", "Emergency services"] and names[-1] == "County line"
    assert resources_for(clinic_a, "en")[-1].call_href == "tel:5550199"


def test_her_start_page_says_who_reads_her_answers_and_links_to_help(client, invited, clinic_a):
    invitation, token = invited
    page = client.get(f"/q/{token}/").content.decode()
    assert "Your answers go to the care team at Clinic A" in page
    help_link = reverse("crisis_help", args=[clinic_a.code])
    assert f'href="{help_link}?lang=en"' in page and "Need help now?" in page
    assert page.index("Need help now?") < page.index("Cox JL")  # the citation is at the bottom


def test_the_page_she_takes_with_her_lists_the_lines_and_nothing_about_her(client, clinic_a, mother):
    page = client.get(reverse("crisis_help", args=[clinic_a.code]) + "?lang=es").content.decode()
    assert 'href="tel:988"' in page and "AYUDA" in page
    assert mother.given_name not in page and mother.family_name not in page
    assert client.get("/help/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_on_the_tablet_she_gets_a_qr_code_of_that_page(client, front_desk, mother, epds_permission):
    client.force_login(front_desk)
    token = client.post(reverse("tablet_start", args=[mother.code]), {"instrument": "EPDS"}).url.split("/")[2]
    answer_all(client, token, SELF_HARM)
    done = client.get("/q/done/").content.decode()
    assert "Take these numbers with you" in done and "data:image/svg+xml" in done


def test_staff_alert_page_shows_her_phone_and_email_as_links(login, clinician, invited, client, mother):
    invitation, token = invited
    client.post(f"/q/{token}/10/", {"answer": "1"})
    mother.phone = "+15550100"
    mother.save()
    alert = mother.alerts.get()
    page = login(clinician).get(reverse("alert_detail", args=[alert.code])).content.decode()
    assert 'href="tel:+15550100"' in page and 'href="mailto:maria@example.org"' in page and 'href="tel:988"' in page


def test_the_crisis_card_is_scoped_to_the_clinic(login, outsider, mother):
    assert login(outsider).get(reverse("crisis_card", args=[mother.code])).status_code == 404
