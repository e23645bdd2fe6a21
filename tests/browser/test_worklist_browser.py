"""A clinician works the per-mother worklist: triage order, reasons, filters, closing the loop."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from referrals import services
from referrals.models import Concern

from ..conftest import enter_epds, make_mother
from .conftest import log_in

pytestmark = pytest.mark.browser

PROBABLE = [3, 3, 0, 3, 2, 3, 3, 3, 3, 3]
SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]
CALM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]


def test_a_clinician_triages_the_worklist_and_closes_a_concern_in_remission(
    transactional_db, clinic_a, clinician, front_desk, live_server, page, visit
):
    from ..conftest import PASSWORD

    waiting = make_mother(clinic_a, front_desk, record_number="WAIT", given_name="Wendy", preferred_language="es")
    with time_machine.travel(timezone.now() - timedelta(days=5), tick=False):
        screening = enter_epds(waiting, PROBABLE, front_desk)
    referral = services.create_referral(mother=waiting, screening=screening, pathway="cbt", actor=clinician)
    services.transition(referral, "rejected", actor=clinician, reason="No capacity")
    alerted = make_mother(clinic_a, front_desk, record_number="ALRT", given_name="Alba")
    enter_epds(alerted, SELF_HARM, front_desk)

    log_in(page, live_server, "alice", PASSWORD)
    page.get_by_role("link", name="Worklist").first.click()
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-mother") == "ALRT"  # the alert first, though she waited less
    assert "Referral ended without completion" in rows.nth(1).inner_text()
    assert page.get_by_text("2 mothers need a clinician.").is_visible()
    visit.check_accessibility()

    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Filter").click()
    assert rows.count() == 1 and rows.nth(0).get_attribute("data-mother") == "WAIT"
    visit.check_accessibility()

    # She comes back negative; the clinician closes her concern as remission.
    enter_epds(waiting, CALM, front_desk)
    rows.nth(0).get_by_role("link", name="Wendy Lopez").click()
    page.get_by_role("heading", name="Concern", exact=True).wait_for()
    visit.check_accessibility()
    page.get_by_label("Remission on a negative full-length rescreen").check()
    page.get_by_role("button", name="Close concern").click()
    page.get_by_text("Concern closed.").wait_for()
    assert not Concern.objects.open().filter(mother=waiting).exists()

    page.get_by_role("link", name="Worklist").first.click()
    assert rows.count() == 1 and rows.nth(0).get_attribute("data-mother") == "ALRT"
    visit.check_accessibility()
    visit.assert_clean()
