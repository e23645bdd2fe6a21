"""The mother's questionnaire on a phone-sized screen (390 x 844)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from referrals.models import Alert
from screening.models import Invitation, Screening

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True}


def local(link, live_server):
    return live_server.url + link[link.index("/q/") :]


def choose(page, option_text):
    page.get_by_label(option_text, exact=True).check()
    page.get_by_role("button", name=re.compile("^(Next|Check my answers|Siguiente|Revisar mis respuestas)$")).click()


CALM = [
    "As much as I always could",
    "As much as I ever did",
    "No, never",
    "No, not at all",
    "No, not at all",
    "No, I have been coping as well as ever",
    "No, not at all",
    "No, not at all",
    "No, never",
    "Never",
]


def test_a_mother_completes_an_epds_from_her_emailed_link(emailed_link, live_server, page, visit):
    page.goto(local(emailed_link, live_server))
    page.get_by_role("heading", name="A short questionnaire").wait_for()
    visit.check_accessibility()
    page.get_by_role("button", name="Start").click()
    for number, option in enumerate(CALM, start=1):
        page.get_by_text(f"Question {number} of 10").wait_for()
        if number in (1, 10):
            visit.check_accessibility()
        choose(page, option)
    page.get_by_role("heading", name="Check your answers").wait_for()
    visit.check_accessibility()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    visit.check_accessibility()
    assert (Screening.objects.get().total, Screening.objects.get().method) == (0, "online")
    visit.assert_clean()


def test_she_stops_halfway_and_resumes_with_the_same_link(emailed_link, live_server, browser, visit):
    first = browser.new_context(viewport=PHONE)
    tab = first.new_page()
    tab.goto(local(emailed_link, live_server))
    tab.get_by_role("button", name="Start").click()
    for option in CALM[:5]:
        choose(tab, option)
    tab.get_by_text("Question 6 of 10").wait_for()
    first.close()  # the phone's battery runs out

    later = browser.new_context(viewport=PHONE).new_page()
    later.goto(local(emailed_link, live_server))
    later.get_by_text("You have answered 5 of 10.").wait_for()
    later.get_by_role("button", name="Continue").click()
    later.get_by_text("Question 6 of 10").wait_for()
    later.get_by_role("link", name="Back").click()
    assert later.get_by_label("No, not at all", exact=True).is_checked()  # question 5, as she left it
    later.goto(local(emailed_link, live_server) + "6/")
    for option in CALM[5:]:
        choose(later, option)
    later.get_by_role("button", name="Send my answers").click()
    later.get_by_role("heading", name="Thank you").wait_for()
    assert Screening.objects.count() == 1


def test_an_expired_link_gets_a_friendly_page(emailed_link, live_server, page, visit):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page.goto(local(emailed_link, live_server))
    page.get_by_role("heading", name="This link does not open a questionnaire").wait_for()
    assert page.get_by_text("ask for a new link").is_visible()
    visit.check_accessibility()
    visit.assert_clean()


def test_the_self_harm_path_shows_crisis_resources_and_alerts_the_clinic(emailed_link, live_server, page, visit):
    page.goto(local(emailed_link, live_server))
    page.get_by_role("button", name="Start").click()
    for option in [*CALM[:9], "Sometimes"]:
        choose(page, option)
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()
    assert page.get_by_text("988 Suicide & Crisis Lifeline").is_visible()
    visit.check_accessibility()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert page.get_by_role("heading", name="You do not have to go through this alone").is_visible()
    assert page.get_by_text("If you are in danger right now, call 911.").is_visible()
    visit.check_accessibility()
    screening = Screening.objects.get()
    assert screening.self_harm and Alert.objects.filter(screening=screening).exists()
    visit.assert_clean()


def test_the_spanish_interface(emailed_link, live_server, page, visit, mother):
    mother.preferred_language = "es"
    mother.save()
    page.goto(local(emailed_link, live_server))
    page.get_by_role("heading", name="Un cuestionario breve").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_text("todavía no hay una traducción validada").is_visible()
    visit.check_accessibility()
    page.get_by_role("button", name="Empezar").click()
    page.get_by_text("Pregunta 1 de 10").wait_for()
    visit.check_accessibility()
    page.get_by_role("button", name="English").click()
    page.get_by_text("Question 1 of 10").wait_for()
    page.get_by_role("button", name="Español").click()
    for option in CALM:
        choose(page, option)
    page.get_by_role("heading", name="Revise sus respuestas").wait_for()
    visit.check_accessibility()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    page.get_by_role("heading", name="Gracias").wait_for()
    visit.check_accessibility()
    assert Screening.objects.get().language == "en"  # the questions she answered were the English original
    page.goto(f"{live_server.url}/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    page.get_by_role("heading", name="Este enlace no abre ningún cuestionario").wait_for()
    visit.check_accessibility()
    visit.assert_clean()


def test_the_form_can_be_completed_with_the_keyboard_alone(emailed_link, live_server, page):
    page.goto(local(emailed_link, live_server))
    page.get_by_role("button", name="Start").focus()
    page.keyboard.press("Enter")
    for number in range(1, 11):
        page.get_by_text(f"Question {number} of 10").wait_for()
        page.keyboard.press("Tab")  # into the radio group
        while page.evaluate("document.activeElement.name") != "answer":
            page.keyboard.press("Tab")
        page.keyboard.press("Space")  # choose the focused answer
        page.keyboard.press("ArrowDown")  # a different answer, by arrow key
        while page.evaluate("document.activeElement.type") != "submit":
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your answers").wait_for()
    while page.evaluate("document.activeElement.textContent.trim()") != "Send my answers":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Thank you").wait_for()
    screening = Screening.objects.get()
    assert screening.answers == [1] * 10


def test_labels_and_fieldsets_read_correctly_for_a_screen_reader(emailed_link, live_server, page):
    page.goto(local(emailed_link, live_server) + "1/")
    group = page.get_by_role("group", name="I have been able to laugh and see the funny side of things")
    assert group.get_by_role("radio").count() == 4
    assert group.get_by_role("radio", name="Not quite so much now").count() == 1
    assert page.get_by_role("progressbar").get_attribute("aria-labelledby") == "progress-label"
    page.get_by_role("button", name="Next").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Choose one answer to continue."
    assert page.get_by_role("group").get_attribute("aria-describedby") == "answer-error"


def test_the_form_works_at_200_percent_zoom(emailed_link, live_server, browser):
    zoomed = browser.new_context(
        viewport={"width": PHONE["width"] // 2, "height": PHONE["height"] // 2}, device_scale_factor=2
    ).new_page()
    zoomed.goto(local(emailed_link, live_server))
    zoomed.get_by_role("button", name="Start").click()
    zoomed.goto(local(emailed_link, live_server) + "6/")  # the longest answers
    assert zoomed.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    longest = zoomed.get_by_label("Yes, most of the time I haven't been able to cope at all", exact=True)
    longest.check()
    zoomed.get_by_role("button", name="Next").click()
    zoomed.get_by_text("Question 7 of 10").wait_for()
    assert Invitation.objects.get().draft["6"] == 0


def test_the_please_wait_page_passes_axe_in_english_and_spanish(transactional_db, settings, live_server, page, visit):
    """Rate limits count in one-minute windows: the clock is held still so that no window boundary
    falls between the requests (the browser keeps its own clock)."""
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, 30, tzinfo=UTC), tick=False):
        _please_wait_in_both_languages(settings, live_server, page, visit)


def _please_wait_in_both_languages(settings, live_server, page, visit):
    settings.ONLINE_MISSES_PER_MINUTE = "1/m"
    for attempt in range(2):
        page.goto(f"{live_server.url}/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA{attempt:02d}/")
    page.goto(f"{live_server.url}/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA99/")
    page.get_by_role("heading", name="Please wait a moment").wait_for()
    visit.check_accessibility()
    spanish = page.context.browser.new_context(
        viewport=PHONE, locale="es-ES", extra_http_headers={"Accept-Language": "es"}
    )
    tab = spanish.new_page()
    tab.goto(f"{live_server.url}/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA98/")
    tab.get_by_role("heading", name="Espere un momento").wait_for()
    from axe_playwright_python.sync_playwright import Axe

    assert Axe().run(tab).violations_count == 0
    visit.assert_clean()


WIDER_THAN_THE_SCREEN = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
    || e.scrollWidth > e.clientWidth + 1)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .concat([document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth])"""


def test_every_page_holds_at_200_percent_text_on_a_320_pixel_screen(emailed_link, live_server, browser):
    small = browser.new_context(viewport={"width": 320, "height": 640}, has_touch=True).new_page()
    # her phone's text size at 200%: the browser's default font size doubled, as its setting does
    small.context.new_cdp_session(small).send("Page.setFontSizes", {"fontSizes": {"standard": 32}})
    fits = "document.documentElement.scrollWidth <= window.innerWidth"

    def check(name):
        assert small.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
        wide = small.evaluate(WIDER_THAN_THE_SCREEN)
        assert small.evaluate(fits), f"sideways scroll on {name}: {wide}"

    small.goto(local(emailed_link, live_server))
    check("the start page")
    small.get_by_role("button", name="Start").click()
    for number, option in enumerate(CALM, start=1):
        small.get_by_text(f"Question {number} of 10").wait_for()
        check(f"question {number}")
        choose(small, option)
    small.get_by_role("heading", name="Check your answers").wait_for()
    check("the review page")
    small.get_by_role("button", name="Send my answers").click()
    small.get_by_role("heading", name="Thank you").wait_for()
    check("the thank-you page")


def test_the_hint_under_the_last_question_names_its_button(emailed_link, live_server, page):
    page.goto(local(emailed_link, live_server) + "10/")
    page.get_by_text("Question 10 of 10").wait_for()
    assert page.get_by_role("button", name="Check my answers").is_visible()
    assert page.locator("#save-hint").inner_text() == "Your answers are saved when you tap Check my answers."
    page.goto(local(emailed_link, live_server) + "1/")
    assert page.locator("#save-hint").inner_text() == "Each answer is saved when you tap Next."


def test_with_the_clinics_auto_advance_a_tap_saves_the_answer_and_goes_on(emailed_link, live_server, page, visit):
    from screening.models import Clinic

    Clinic.objects.update(auto_advance=True)
    page.goto(local(emailed_link, live_server) + "1/")
    page.get_by_text("Question 1 of 10").wait_for()
    assert page.locator("#save-hint").inner_text() == "Each answer is saved as soon as you tap it."
    page.get_by_label(CALM[0], exact=True).click()  # check() re-reads the radio after the page moved on
    page.get_by_text("Question 2 of 10").wait_for()
    assert Invitation.objects.get().draft == {"1": 0}
    visit.check_accessibility()
    visit.assert_clean()


def test_a_spanish_speaking_mother_answers_in_an_installed_translation(
    emailed_link, live_server, page, visit, mother, clinician
):
    """The clinic installs a pack (a fake one here); she answers in it, and her result says which
    language and which translation, with its citation."""
    from django.core.management import call_command
    from django.urls import reverse

    from screening.models import TranslationPack

    from ..conftest import PASSWORD
    from ..instruments.test_translations import FAKE_PACK
    from .conftest import log_in

    call_command("install_translation", str(FAKE_PACK), stdout=open("/dev/null", "w"))
    mother.preferred_language = "es"
    mother.save()
    page.goto(local(emailed_link, live_server))
    page.get_by_role("heading", name="Un cuestionario breve").wait_for()
    assert not page.get_by_text("todavía no hay una traducción validada").count()
    assert page.get_by_text("PAQUETE FALSO DE PRUEBA").is_visible()
    assert page.get_by_text("FAKE TEST PACK (tests only)").is_visible()
    page.get_by_role("button", name="Empezar").click()
    for number in range(1, 11):
        page.get_by_text(f"PRUEBA pregunta {number}", exact=True).wait_for()
        assert page.get_by_text("PRUEBA: en los últimos 7 días").is_visible()
        choose(page, f"PRUEBA {number}d")
    page.get_by_role("heading", name="Revise sus respuestas").wait_for()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    page.get_by_role("heading", name="Gracias").wait_for()
    screening = Screening.objects.get()
    assert (screening.language, screening.translation) == ("es", TranslationPack.objects.get())
    assert screening.answers == [3] * 10
    log_in(page, live_server, clinician.username, PASSWORD)
    page.goto(live_server.url + reverse("screening_detail", args=[screening.code]))
    assert page.locator("#questions-language").inner_text() == "Spanish (installed translation)"
    assert "FAKE TEST PACK (tests only)" in page.locator("#translation-source").inner_text()
    visit.check_accessibility()
    visit.assert_clean()


@pytest.mark.parametrize("width", [1366, 768, 390])
def test_next_without_an_answer_says_so_readably_at_every_size(emailed_link, live_server, page, visit, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(local(emailed_link, live_server))
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Next").click()
    assert page.get_by_role("alert").inner_text() == "Choose one answer to continue."
    visit.check_accessibility()  # the message's colour contrast included
    visit.assert_clean()
