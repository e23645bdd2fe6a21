"""Issue 16's journey in a browser: a clinician refers and emails the provider a private link; the
provider, with no account, accepts, books and records the first session; the clinic sees it on
the referral, the worklist, the reports' cascade and the audit log."""

import re

import pytest
from django.core import mail
from django.utils.formats import date_format

from referrals.models import Provider, Referral, Status

from ..conftest import PASSWORD, clinic_today, enter_epds
from .conftest import Visit, log_in

pytestmark = pytest.mark.browser
POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]  # no self-harm answer


def test_the_provider_accepts_and_confirms_the_first_session_through_the_link(
    transactional_db, clinician, clinic_admin, front_desk, mother, live_server, page, visit, browser
):
    harbor = Provider.objects.create(
        clinic=mother.clinic,
        name="Harbor Therapy",
        pathways=["cbt"],
        contact="555-0100",
        referral_email="in@harbor.test",
    )
    screening = enter_epds(mother, POSITIVE, front_desk)

    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/screenings/{screening.code}/refer/")
    page.locator("input[name=pathway][value=cbt]").check()
    page.locator(f"input[name=provider][value='{harbor.pk}']").check()
    page.get_by_label("Note for the provider").fill("Low mood and poor sleep since the birth.")
    page.get_by_role("button", name="Request referral").click()
    page.get_by_text("Referral requested.").wait_for()
    page.get_by_role("button", name="Email a new link to in@harbor.test").click()
    page.get_by_text("A new link is on its way to in@harbor.test.").wait_for()
    visit.check_accessibility()
    page.goto(f"{live_server.url}/worklist/")
    assert page.get_by_role("link", name=mother.full_name).count() >= 1  # waiting for the provider

    (message,) = mail.outbox
    path = re.search(r"https?://\S+?(/p/[A-Za-z0-9_-]+/)", message.body).group(1)  # SITE_URL is not the test server
    link = live_server.url + path
    provider = browser.new_context().new_page()
    provider.set_default_timeout(10_000)
    seen = Visit(provider, live_server.url)
    provider.goto(link)
    provider.get_by_role("heading", name=re.compile(mother.full_name)).wait_for()
    seen.check_accessibility()
    provider.get_by_role("button", name="Accept the referral").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()
    today = clinic_today().isoformat()
    provider.get_by_label("First appointment on").fill(today)
    provider.get_by_role("button", name="Save the appointment").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()
    provider.get_by_label("She came on").fill(today)
    provider.get_by_role("button", name="She came to her first session").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()
    seen.check_accessibility()
    seen.assert_clean()

    referral = Referral.objects.get()
    assert referral.status == Status.IN_PROGRESS and referral.contact_confirmed_by_provider
    page.goto(f"{live_server.url}/referrals/{referral.code}/")
    assert page.get_by_text("confirmed by the provider").is_visible()
    history = page.get_by_role("table").last
    assert history.get_by_role("cell", name="provider via link").count() == 3
    written = history.inner_text()  # dates and times in the clinic's format, never ISO
    assert f"First appointment booked for {date_format(clinic_today())}" in written
    assert not re.search(r"\d{4}-\d{2}-\d{2}", written), written
    page.goto(f"{live_server.url}/worklist/")
    assert page.get_by_role("link", name=mother.full_name).count() == 0  # under way: nothing to chase
    visit.check_accessibility()

    admin = browser.new_context().new_page()
    admin.set_default_timeout(10_000)
    log_in(admin, live_server, "ada", PASSWORD)
    admin.goto(f"{live_server.url}/reports/")
    cascade = admin.locator("table", has_text="Screened positive").first
    row = cascade.get_by_role("row", name=re.compile("of which confirmed by the provider"))
    assert row.get_by_role("cell").nth(1).inner_text() == "1"
    admin.goto(f"{live_server.url}/clinic/audit/")
    assert admin.get_by_text("requested -> accepted (provider via link)").count() == 1
    assert admin.get_by_text("accepted -> in-progress (provider via link)").count() == 1
    visit.assert_clean()


def test_she_came_today_is_the_default_and_a_future_date_gets_one_plain_message(
    transactional_db, clinician, front_desk, mother, live_server, browser
):
    """Issue 30: "She came on" was pre-filled with the booked date; booked ahead, marking attendance
    failed with two messages, one in ISO dates."""
    from datetime import timedelta

    from referrals import provider_links, services

    screening = enter_epds(mother, POSITIVE, front_desk)
    referral = services.create_referral(mother=mother, pathway="cbt", actor=clinician, screening=screening)
    link = provider_links.create(referral, actor=clinician)
    provider = browser.new_context().new_page()
    provider.set_default_timeout(10_000)
    provider.goto(f"{live_server.url}/p/{provider_links.token_for(link)}/")
    provider.get_by_role("button", name="Accept the referral").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()
    ahead = clinic_today() + timedelta(days=7)
    provider.get_by_label("First appointment on").fill(ahead.isoformat())
    provider.get_by_role("button", name="Save the appointment").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()
    came = provider.get_by_label("She came on")
    assert came.input_value() == clinic_today().isoformat()  # today, not the booked day
    came.fill(ahead.isoformat())
    provider.get_by_role("button", name="She came to her first session").click()
    errors = provider.get_by_text(re.compile("future|Enter a date between"))
    errors.first.wait_for()
    assert set(errors.all_inner_texts()) == {"This date is in the future."}  # one message, however often shown
    assert ahead.isoformat() not in provider.locator("main").inner_text()  # no ISO dates shown
    came.fill(clinic_today().isoformat())
    provider.get_by_role("button", name="She came to her first session").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()
    assert Referral.objects.get().status == Status.IN_PROGRESS


def test_after_the_provider_discharges_her_the_referral_page_says_what_is_known_and_what_is_not(
    transactional_db, clinician, front_desk, mother, live_server, page, browser, visit
):
    """Issue 30: after discharge the page showed the referral's own screen as "Mother's next score",
    an invented "7 a.m." end time, and "Sessions attended: -"."""
    from datetime import timedelta

    from referrals import provider_links, services

    screening = enter_epds(mother, POSITIVE, front_desk)
    referral = services.create_referral(mother=mother, pathway="cbt", actor=clinician, screening=screening)
    services.transition(referral, Status.ACCEPTED, actor=clinician)
    started = clinic_today() - timedelta(days=20)
    services.transition(referral, Status.IN_PROGRESS, actor=clinician, first_session_on=started)
    link = provider_links.create(referral, actor=clinician)
    provider = browser.new_context().new_page()
    provider.set_default_timeout(10_000)
    provider.goto(f"{live_server.url}/p/{provider_links.token_for(link)}/")
    ended = clinic_today() - timedelta(days=2)
    provider.get_by_label("Treatment ended on").fill(ended.isoformat())
    provider.get_by_label("Closing note for the referring clinic").fill("Six sessions; much better.")
    provider.get_by_role("button", name="Discharge").click()
    provider.get_by_text("Thank you: the referring clinic sees this now.").wait_for()

    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/referrals/{referral.code}/")
    shown = page.locator("[data-ended]").inner_text()
    assert str(ended.year) in shown and not re.search(r"\d(:\d\d)? ?[ap]\.?m\.?", shown)  # a day, no invented hour
    assert page.locator("[data-sessions]").inner_text() == "not recorded"
    assert page.locator("[data-next-screen]").inner_text() == "none yet"  # not the screen she was referred from
    visit.check_accessibility()
