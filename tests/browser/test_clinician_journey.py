import pytest
from django.utils import timezone

from screening.models import Mother, Screening

from ..conftest import PASSWORD, clinic_today

pytestmark = pytest.mark.browser


def test_clinician_registers_a_mother_enters_an_epds_and_sees_the_self_harm_flag(
    transactional_db, clinician, live_server, page, visit
):
    page.goto(f"{live_server.url}/accounts/login/")
    visit.check_accessibility()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Clinic A: today").wait_for()
    visit.check_accessibility()

    page.get_by_role("link", name="Register a mother").first.click()
    visit.check_accessibility()
    today = clinic_today()
    page.get_by_label("Given name").fill("Sofia")
    page.get_by_label("Family name").fill("Reyes")
    page.get_by_label("Date of birth", exact=False).first.fill("1995-03-02")
    page.get_by_label("Record number").fill("BR-1")
    page.get_by_label("Email", exact=True).fill("sofia@example.org")
    page.get_by_label("Consents to contact by email").check()
    page.get_by_label("Has delivered").check()
    page.get_by_label("Delivery date").fill((today - timezone.timedelta(days=30)).isoformat())
    page.get_by_label("Infant's name (optional)").fill("Lia")
    page.get_by_label("Infant's date of birth").fill((today - timezone.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Sofia Reyes").wait_for()
    visit.check_accessibility()
    mother = Mother.objects.get(record_number="BR-1")
    assert mother.infants.get().given_name == "Lia"

    page.get_by_role("link", name="Enter a screening").click()
    visit.check_accessibility()
    page.get_by_role("link", name="EPDS: Edinburgh Postnatal Depression Scale").click()
    page.get_by_label("Transcribed from paper").check()
    # Submitting half a form keeps what was given and marks the rest.
    page.get_by_role("group", name="1. I have been able to laugh").get_by_label("Not quite so much now").check()
    page.get_by_role("button", name="Save screening").click()
    page.get_by_text("Not saved yet: every item must be answered.").wait_for()
    assert (
        page.get_by_role("group", name="1. I have been able to laugh")
        .get_by_label("Not quite so much now")
        .is_checked()
    )
    visit.check_accessibility()

    answers = {
        "2. I have looked forward": "Rather less than I used to",
        "3. I have blamed myself": "Yes, some of the time",
        "4. I have been anxious": "Yes, sometimes",
        "5. I have felt scared": "Yes, sometimes",
        "6. Things have been getting": "Yes, sometimes I haven't been coping as well as usual",
        "7. I have been so unhappy that I have had": "Yes, sometimes",
        "8. I have felt sad": "Yes, quite often",
        "9. I have been so unhappy that I have been crying": "Yes, quite often",
        "10. The thought of harming myself": "Hardly ever",
    }
    for legend, option in answers.items():
        page.get_by_role("group", name=legend).get_by_label(option, exact=True).check()
    page.get_by_role("button", name="Save screening").click()

    page.get_by_role("heading", name="Self-harm answer", exact=True).wait_for()
    assert page.get_by_text("Urgent: self-harm answer").first.is_visible()
    screening = Screening.objects.get(mother=mother)
    assert (screening.total, screening.self_harm, screening.risk_level) == (17, True, "urgent")
    assert page.get_by_text(f"{screening.total} / 30").is_visible()
    assert page.locator("canvas#trend").is_visible()
    visit.check_accessibility()
    visit.assert_clean()
