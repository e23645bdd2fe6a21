"""The jobs staff do dozens of times a day, counted in clicks, keystrokes and page loads, each
held to its budget (issue 18)."""

import pytest
from django.urls import reverse

from screening.models import Method, Screening

from ..conftest import PASSWORD, make_mother
from .conftest import log_in

pytestmark = pytest.mark.browser


class Effort:
    """Does what a person does, and counts it."""

    def __init__(self, page):
        self.page, self.clicks, self.keys, self.loads = page, 0, 0, 0
        page.on("load", self._loaded)

    def _loaded(self, _page):
        self.loads += 1

    def click(self, locator):
        locator.click()
        self.clicks += 1

    def type(self, text):
        self.page.keyboard.type(text)
        self.keys += len(text)

    def press(self, key):
        self.page.keyboard.press(key)
        self.keys += 1

    def reset(self):
        self.clicks = self.keys = self.loads = 0


def test_a_paper_epds_for_a_mother_found_from_the_header_takes_two_clicks_and_eleven_keys(
    transactional_db, clinic_a, front_desk, live_server, page, visit
):
    mother = make_mother(clinic_a, front_desk, record_number="PB-7")
    log_in(page, live_server, front_desk.username, PASSWORD)
    page.get_by_role("heading", name="Clinic A: today").wait_for()
    effort = Effort(page)

    effort.click(page.get_by_role("searchbox", name="Find a mother"))
    effort.type("pb-7")
    effort.press("Enter")
    page.get_by_role("heading", name=mother.full_name).wait_for()
    visit.check_accessibility()
    assert (effort.clicks, effort.loads) == (1, 1)

    effort.reset()
    effort.click(page.get_by_role("link", name="Paper EPDS"))
    page.get_by_role("heading", name="Edinburgh Postnatal Depression Scale (EPDS)").wait_for()
    visit.check_accessibility()
    assert page.get_by_label("Transcribed from paper").is_checked()  # from where she came
    # The ticked box's number from the top, as on the paper (never its score), and a letter for item 10.
    effort.type("212213424")
    effort.type("d")
    effort.press("Enter")
    page.get_by_text("The EPDS is saved").wait_for()
    visit.check_accessibility()

    assert effort.clicks == 1 and effort.keys == 11 and effort.loads == 2  # the form, then the saved page
    saved = Screening.objects.get(mother=mother)
    assert saved.method == Method.PAPER
    assert list(saved.instrument.score(saved.answers).item_scores) == [1, 0, 2, 1, 3, 1, 0, 2, 0, 0]
    visit.assert_clean()


def test_keyed_digits_are_the_box_on_the_paper_on_every_reverse_scored_item(
    transactional_db, clinic_a, front_desk, live_server, page, visit
):
    """Issue 30: digits meant the score, so on the EPDS's reverse-scored items (3 and 5-10, scored 3
    to 0 down the page) a clerk typing "1" for the first box recorded the last one."""
    mother = make_mother(clinic_a, front_desk, record_number="PB-8")
    log_in(page, live_server, front_desk.username, PASSWORD)
    page.goto(f"{live_server.url}/mothers/{mother.code}/screenings/new/EPDS/?method=paper")
    page.get_by_role("heading", name="Edinburgh Postnatal Depression Scale (EPDS)").wait_for()
    typed = "1234123414"  # boxes from the top, item by item (item 10: the last box, "Never")
    page.keyboard.type(typed[:3])
    shown = page.locator("[data-item]").nth(2).locator("[data-keyed-answer]")
    first_box = page.locator("[data-item]").nth(2).locator("label").nth(0).inner_text().strip()
    assert shown.inner_text() == f"3: {page.locator('[data-item]').nth(2).locator('label').nth(2).inner_text().strip()}"
    assert first_box not in shown.inner_text()
    page.keyboard.type(typed[3:])
    visit.check_accessibility()
    page.keyboard.press("Enter")
    page.get_by_text("The EPDS is saved").wait_for()
    saved = Screening.objects.get(mother=mother)
    assert saved.answers == [int(digit) - 1 for digit in typed]  # the boxes ticked, whatever they score
    # item 3 box 3 scores 1; items 5-10 boxes 1, 2, 3, 4, 1, 4 score 3, 2, 1, 0, 3, 0
    assert list(saved.instrument.score(saved.answers).item_scores) == [0, 1, 1, 3, 3, 2, 1, 0, 3, 0]
    visit.assert_clean()


SELF_HARM = [1, 1, 1, 2, 1, 1, 2, 2, 2, 1]  # 15, item 10 "Sometimes"
POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 0]  # 13, no self-harm answer


def test_acknowledging_an_alert_takes_three_clicks_with_what_the_call_needs_on_the_page(
    transactional_db, clinician, front_desk, mother, live_server, page, visit
):
    from referrals.models import Alert

    from ..conftest import enter_epds

    mother.phone = "+15555550123"
    mother.save()
    enter_epds(mother, SELF_HARM, front_desk)
    log_in(page, live_server, clinician.username, PASSWORD)
    page.get_by_role("heading", name="Self-harm answer not yet acknowledged").wait_for()
    effort = Effort(page)

    effort.click(page.get_by_role("link", name=mother.full_name).first)
    page.get_by_role("heading", name="Self-harm alert").wait_for()
    visit.check_accessibility()
    answer = page.locator("#self-harm-answer")
    assert "The thought of harming myself has occurred to me" in answer.inner_text()
    assert "Her answer: Sometimes" in answer.inner_text() and "EPDS total 15" in answer.inner_text()
    assert "Leo" in page.locator("#mother-facts").inner_text()  # the infant's age
    assert page.get_by_role("link", name="+15555550123").get_attribute("href") == "tel:+15555550123"
    assert page.get_by_role("link", name=mother.email).get_attribute("href") == f"mailto:{mother.email}"
    effort.click(page.get_by_label("Called the mother"))
    effort.click(page.get_by_role("button", name="Acknowledge alert"))
    page.get_by_text("Alert acknowledged. Thank you.").wait_for()

    assert effort.clicks <= 3
    assert Alert.objects.get().acknowledged_by == clinician
    visit.assert_clean()


def test_referring_a_positive_mother_takes_three_clicks_from_her_result(
    transactional_db, clinician, front_desk, mother, live_server, page, visit
):
    from referrals.models import Provider, Referral

    from ..conftest import enter_epds

    Provider.objects.create(
        clinic=mother.clinic, name="Harbor CBT", pathways=["cbt"], contact="555-0101", languages=["en", "es"]
    )
    Provider.objects.create(
        clinic=mother.clinic, name="Dyad Center", pathways=["mip"], contact="555-0102", typical_wait_weeks=5
    )
    screening = enter_epds(mother, POSITIVE, front_desk)
    log_in(page, live_server, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}/screenings/{screening.code}/")
    effort = Effort(page)

    harbor = page.get_by_role("radio", name="Harbor CBT", exact=False)
    dyad = page.get_by_role("radio", name="Dyad Center", exact=False)
    effort.click(page.get_by_role("radio", name="Cognitive behavioural therapy", exact=False))
    assert harbor.is_visible() and not dyad.is_visible()  # the list narrows to the pathway
    label = page.locator(f"label[for='{harbor.get_attribute('id')}']").inner_text()
    assert "English, Spanish" in label and "accepting new clients" in label and "typical wait 2 weeks" in label
    pathway = page.locator("label", has_text="Cognitive behavioural therapy").first.inner_text()
    assert "Urgent (within a week)" in pathway  # probable depression: urgent, visible before choosing
    visit.check_accessibility()
    effort.click(harbor)
    effort.click(page.get_by_role("button", name="Request referral"))
    page.get_by_text("Referral requested.").wait_for()

    assert effort.clicks <= 4
    referral = Referral.objects.get()
    assert (referral.pathway, referral.provider.name) == ("cbt", "Harbor CBT")
    visit.assert_clean()


def test_an_invitation_has_a_copy_button_and_a_handout_that_prints_alone_and_names_no_mother(
    transactional_db, front_desk, mother, live_server, page, visit
):
    log_in(page, live_server, front_desk.username, PASSWORD)
    page.goto(f"{live_server.url}/mothers/{mother.code}/invite/")
    page.get_by_role("button", name="Create invitation").click()
    page.get_by_role("heading", name="Hand over the link").wait_for()
    visit.check_accessibility()
    assert page.get_by_role("button", name="Copy link").is_visible()
    assert page.get_by_role("button", name="Print a handout").is_visible()
    handout = page.locator("#handout")
    link = page.locator("#hand-over-link").inner_text()
    assert link in handout.inner_text() and "Clinic A" in handout.inner_text()
    assert mother.given_name not in handout.inner_text() and mother.family_name not in handout.inner_text()
    page.emulate_media(media="print")
    assert handout.is_visible() and not page.get_by_role("heading", name="Hand over the link").is_visible()
    visit.assert_clean()


def test_twins_are_registered_in_one_go_and_a_likely_duplicate_is_asked_about_first(
    transactional_db, clinic_a, front_desk, live_server, page, visit
):
    from screening.models import Mother

    existing = make_mother(clinic_a, front_desk, record_number="OLD-1", given_name="Ana", family_name="Ruiz")
    log_in(page, live_server, front_desk.username, PASSWORD)
    page.goto(f"{live_server.url}/mothers/new/")
    page.get_by_label("Given name").fill("ana")
    page.get_by_label("Family name").fill("Ruiz")
    page.get_by_label("Date of birth", exact=False).first.fill(existing.date_of_birth.isoformat())
    page.get_by_label("Record number").fill("NEW-2")
    page.get_by_label("Has delivered").check()
    page.get_by_label("Delivery date").fill("2026-11-01")
    page.get_by_label("Infant's name (optional)").fill("Luz")
    page.get_by_label("Infant's date of birth").fill("2026-11-01")
    page.get_by_role("button", name="Add another infant (twins or more)").click()
    page.get_by_label("Infant's name (optional)").nth(1).fill("Sol")
    assert page.get_by_label("Infant's date of birth").nth(1).input_value() == "2026-11-01"
    page.get_by_role("button", name="Save").click()

    warning = page.locator("#likely-duplicate")
    warning.wait_for()
    assert "OLD-1" in warning.inner_text() and not Mother.objects.filter(record_number="NEW-2").exists()
    assert page.locator("#error-summary").evaluate("node => node === document.activeElement")
    visit.check_accessibility()
    page.locator("#error-summary").get_by_role("link", name="This is a different mother: register her").click()
    assert page.get_by_label("This is a different mother: register her").evaluate(
        "node => node === document.activeElement"
    )  # the summary names the field and takes her to it
    page.get_by_label("This is a different mother: register her").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="ana Ruiz").wait_for()

    twins = Mother.objects.get(record_number="NEW-2").infants.order_by("given_name")
    assert [(i.given_name, i.date_of_birth.isoformat()) for i in twins] == [
        ("Luz", "2026-11-01"),
        ("Sol", "2026-11-01"),
    ]
    visit.assert_clean()


@pytest.mark.parametrize("width", [768, 1366])
def test_the_staff_navigation_fits_the_screen_at_tablet_and_laptop_width(
    transactional_db, clinic_admin, live_server, page, visit, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, clinic_admin.username, PASSWORD)
    page.get_by_role("heading", name="Clinic A: today").wait_for()
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits)
    if width == 768:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Clinic admin").click()
    page.get_by_role("link", name="Audit log").wait_for()
    assert page.get_by_role("link", name="Audit log").is_visible()
    assert page.get_by_role("searchbox", name="Find a mother").is_visible()
    assert page.evaluate(fits)
    visit.check_accessibility()
    for wide_tables in ("reports", "audit_log", "worklist"):
        page.goto(live_server.url + reverse(wide_tables))
        assert page.evaluate(fits), wide_tables
    visit.assert_clean()


def test_a_spanish_speaking_mothers_crisis_card_is_spanish_with_numbers_to_dial_and_read(
    transactional_db, clinic_a, front_desk, live_server, page, visit
):
    """Issue 30: the card's buttons were English ("Call 988", "any hour") and its numbers a run of
    digits."""
    mother = make_mother(clinic_a, front_desk, record_number="ES-1", preferred_language="es")
    log_in(page, live_server, front_desk.username, PASSWORD)
    page.goto(f"{live_server.url}/mothers/{mother.code}/crisis-card/")
    card = page.locator("section[lang=es]")
    card.get_by_role("heading", name="Si necesita a alguien ahora").wait_for()
    text = card.inner_text()
    assert "Llamar al 988" in text and "a cualquier hora" in text
    assert "Call" not in text and "any hour" not in text
    psi = card.get_by_role("link", name="Llamar al 1-800-944-4773")
    assert psi.get_attribute("href") == "tel:+18009444773"
    visit.check_accessibility()


def test_the_staff_header_is_one_line_at_1366_px(transactional_db, clinic_admin, clinic_a, live_server, page, visit):
    """Issue 30: a clinic admin's header wrapped onto two lines on a 1366 px laptop."""
    clinic_a.name = "Riverside Family Clinic"
    clinic_a.save()
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, live_server, clinic_admin.username, PASSWORD)
    page.get_by_role("link", name="Reports").wait_for()
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('#nav .nav-link, #nav form, #nav .link-light')]
             .filter(e => e.offsetParent !== null)
             .map(e => { const r = e.getBoundingClientRect(); return [Math.round(r.top + r.height / 2), r.right]; })"""
    )
    middles = [middle for middle, _right in boxes]
    assert max(middles) - min(middles) <= 6, f"header items at heights {sorted(set(middles))}"
    assert max(right for _middle, right in boxes) <= 1366, "the header runs off the screen"
    assert page.get_by_role("link", name="Riverside Family Clinic").get_attribute("title").endswith("(Clinic admin)")
    visit.assert_clean()
