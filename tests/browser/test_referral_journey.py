import pytest

from referrals.models import Alert, Provider, Referral

from ..conftest import PASSWORD, enter_epds
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_clinician_acknowledges_a_self_harm_alert_and_follows_an_mip_referral_to_completion(
    transactional_db, clinician, front_desk, mother, live_server, page, visit
):
    Provider.objects.create(
        clinic=mother.clinic, name="Dyad Therapy Center", pathways=["mip"], contact="555-0100", languages=["en"]
    )
    screening = enter_epds(mother, [1, 1, 1, 2, 1, 1, 2, 2, 2, 1], front_desk)  # 15, item 10 "Sometimes"

    log_in(page, live_server, "alice", PASSWORD)
    banner = page.get_by_role("heading", name="Self-harm answer not yet acknowledged")
    banner.wait_for()
    visit.check_accessibility()

    page.get_by_role("link", name=mother.full_name).first.click()
    page.get_by_role("heading", name="Self-harm alert").wait_for()
    assert page.get_by_text("988 Suicide & Crisis Lifeline").is_visible()
    visit.check_accessibility()
    page.get_by_label("Called the mother").check()
    page.get_by_label("Note").fill("Spoke with her; safe at home with her partner; seen tomorrow.")
    page.get_by_role("button", name="Acknowledge alert").click()
    page.get_by_text("Alert acknowledged. Thank you.").wait_for()
    assert banner.count() == 0
    assert Alert.objects.get().acknowledged_by == clinician
    visit.check_accessibility()

    assert page.get_by_text("Mother-infant psychotherapy", exact=True).first.is_visible()
    assert page.get_by_text("-0.25 (95% CI -0.40 to -0.09)").first.is_visible() is False  # folded in <details>
    page.locator("details", has_text="Benefit was shown only in the short term").first.locator("summary").click()
    assert page.get_by_text("Benefit was shown only in the short term").first.is_visible()
    page.get_by_role("radio", name="Mother-infant psychotherapy · recommended").check()
    page.get_by_role("radio", name="Dyad Therapy Center", exact=False).check()
    page.get_by_role("combobox", name="Urgency").select_option("urgent")
    page.get_by_label("Note for the provider").fill("Self-harm thoughts, acknowledged; please see this week.")
    page.get_by_role("button", name="Request referral").click()
    page.get_by_text("Referral requested.").wait_for()
    visit.check_accessibility()

    for target, extra in [
        ("Accepted", {}),
        ("In progress", {"Date of the first session": "2026-11-20"}),
        ("Completed", {"Sessions attended": "8", "Closing note": "Mood much improved."}),
    ]:
        page.get_by_label("Move to").select_option(label=target)
        for label, value in extra.items():
            page.get_by_label(label).fill(value)
        page.get_by_role("button", name="Update referral").click()
        page.get_by_text("Referral updated.").wait_for()

    history = page.get_by_role("table").last
    for step in ("Requested", "Accepted", "In progress", "Completed"):
        assert history.get_by_role("cell", name=step, exact=True).count() >= 1
    referral = Referral.objects.get()
    assert (referral.status, referral.sessions_attended, referral.screening) == ("completed", 8, screening)
    assert [e.to_status for e in referral.events.all()] == ["requested", "accepted", "in-progress", "completed"]
    visit.check_accessibility()
    visit.assert_clean()
