"""A disclosure on a phone reaches a clinician even if she never sends the form; the clinic's
tablet hands back nothing of her answers; the help she is shown can be tapped (issue 12)."""

import re

import pytest
from django.urls import reverse

from ..conftest import PASSWORD
from .conftest import log_in
from .test_mother_online import CALM, choose, local

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True}


def test_a_self_harm_answer_then_closing_the_page_reaches_the_clinicians_worklist(
    emailed_link, live_server, page, visit, browser, clinician, mother
):
    page.goto(local(emailed_link, live_server))
    page.get_by_role("button", name="Start").click()
    for option in CALM[:9]:
        choose(page, option)
    choose(page, "Sometimes")  # item 10: the thought of harming herself
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()
    assert page.get_by_text("Your care team has been told").is_visible()
    calls = [a.get_attribute("href") for a in page.locator("a[href^='tel:']").all()]
    assert "tel:988" in calls and "tel:911" in calls
    assert page.locator("a[href^='sms:988']").count() == 1
    visit.check_accessibility()
    page.close()  # she never sends her answers

    staff = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(staff, live_server, clinician.username, PASSWORD)
    staff.goto(f"{live_server.url}{reverse('worklist')}")
    row = staff.locator(f"tr[data-mother='{mother.record_number}']")
    assert "Self-harm alert to acknowledge" in row.inner_text()
    assert "from answers not yet sent" in row.inner_text()
    staff.close()
    visit.assert_clean()


def test_the_tablet_hand_back_shows_front_desk_nothing_of_her_answers(
    transactional_db, live_server, page, visit, front_desk, mother, clinic_a
):
    clinic_a.epds_online_permission = True
    clinic_a.save()
    log_in(page, live_server, front_desk.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('invite', args=[mother.code])}")
    page.get_by_role("button", name="Start on this device").click()
    page.get_by_role("button", name="Start").click()
    for option in CALM[:9]:
        choose(page, option)
    choose(page, "Hardly ever")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Take these numbers with you").wait_for()
    visit.check_accessibility()
    page.get_by_role("link", name="Please hand the device back to the staff").click()
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    notice = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="A clinician must see her today"))
    notice.wait_for()
    said = notice.inner_text()
    assert f"A clinician has been alerted and must see {mother.full_name} (record {mother.record_number}) today" in said
    assert "Do not let her leave before a clinician has seen her" in said
    assert "Tell the clinician on duty now" in said
    assert notice.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"  # not a pale line
    visit.check_accessibility()
    body = page.locator("main").inner_text()
    assert "Hardly ever" not in body and "Crisis Lifeline" not in body and not re.search(r"self-harm", body, re.I)
    page.goto(f"{live_server.url}/q/done/")
    assert "This link does not open a questionnaire" in page.content()
    visit.assert_clean()


def test_the_crisis_lines_hold_at_200_percent_text_on_a_320_px_screen(
    transactional_db, live_server, page, visit, clinic_a
):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server.url}{reverse('crisis_help', args=[clinic_a.code])}?lang=es")
    page.evaluate("document.documentElement.style.fontSize = '200%'")  # text zoom, as the browser setting does
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow} px of sideways scroll"
    assert page.locator("a[href='tel:988']").is_visible()
    visit.check_accessibility()
    visit.assert_clean()
