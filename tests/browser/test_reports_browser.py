import csv
import io

import pytest

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_an_admin_filters_the_reports_and_downloads_a_csv(
    transactional_db,
    data,
    clinic_admin,
    live_server,
    page,  # noqa: F811
    visit,
):
    log_in(page, live_server, "ada", PASSWORD)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("heading", name="Referral and quality reports").wait_for()
    visit.check_accessibility()
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-08-31")
    page.get_by_label("Pathway", exact=True).select_option(label="Mother-infant psychotherapy")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_text("From Jan. 1, 2026 to Aug. 31, 2026").wait_for()
    funnel = page.locator("#table-funnel")
    assert funnel.locator("tbody tr").first.inner_text().split("\t")[:2] == ["Positive screens", "5"]
    assert page.locator("#chart-funnel").is_visible()
    first = page.locator("section.report").first
    assert first.get_by_role("heading").first.inner_text() == "Treatment cascade"  # the first chart admins see
    assert first.locator("#chart-cascade").is_visible()
    visit.check_accessibility()
    with page.expect_download() as download:
        page.locator("#h-funnel").locator("..").get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert rows[0] == ["Step", "Screens", "Lost since the step before", "Of positive screens (%)"]
    assert [r[1] for r in rows[1:]] == ["5", "4", "1", "1", "1", "1"]
    page.get_by_role("link", name="Print-friendly view").click()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    page.goto(page.url.replace("print=1", ""))
    page.get_by_role("link", name="not met PND-E: screened during the pregnancy").click()
    page.get_by_role("heading", name="PND-E: screened during the pregnancy: measure not met").wait_for()
    visit.check_accessibility()
    visit.assert_clean()
