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
    raw = open(download.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Step", "Screens", "Lost since the step before", "Of positive screens (%)"]
    assert [r[1] for r in rows[1:]] == ["5", "4", "1", "1", "1", "1"]
    page.get_by_role("link", name="Print-friendly view").click()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    page.goto(page.url.replace("print=1", ""))
    page.get_by_role("link", name="not met PND-E: screened during the pregnancy").click()
    page.get_by_role("heading", name="PND-E: screened during the pregnancy: measure not met").wait_for()
    visit.check_accessibility()
    visit.assert_clean()


def test_every_table_has_a_readable_chart(transactional_db, data, clinic_admin, live_server, page, visit):
    log_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/reports/?start=2026-01-01&end=2026-12-31")
    sections = page.locator("section.report")
    assert sections.count() == 17
    for section in sections.all():
        title = section.get_by_role("heading").first.inner_text()
        if section.get_by_text("Nothing in this period.").count():
            continue
        canvas = section.locator("canvas")
        assert canvas.count() == 1, f"no chart for {title}"
        drawn = canvas.evaluate(
            """c => { const chart = Chart.getChart(c); if (!chart) return null;
                const bars = chart.config.type === "bar";
                const axis = bars ? chart.scales.y : null;
                return {bars, horizontal: chart.options.indexAxis === "y", labels: chart.data.labels.length,
                        ticks: axis ? axis.ticks.length : null, rotation: bars ? chart.scales.x.labelRotation : 0,
                        font: chart.options.font ? chart.options.font.size : Chart.defaults.font.size}; }"""
        )
        assert drawn, f"the chart of {title} was not drawn"
        assert drawn["font"] >= 12, title
        if drawn["bars"]:  # every label shown, level, beside its bar
            assert drawn["horizontal"] and drawn["ticks"] == drawn["labels"] and drawn["rotation"] == 0, title
    visit.assert_clean()


@pytest.mark.parametrize("width", [768, 390])
def test_wide_report_tables_scroll_by_keyboard_and_pass_axe(
    transactional_db, data, clinic_admin, live_server, page, visit, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/reports/?start=2026-01-01&end=2026-12-31")
    visit.check_accessibility()
    wide = page.locator("#table-cascade-by-group").locator("..")  # the scrolling box around the table
    assert wide.evaluate("e => e.scrollWidth > e.clientWidth"), "the table fits: nothing to test at this width"
    section = page.locator("#h-cascade-by-group").locator("xpath=ancestor::section")
    section.get_by_role("link", name="Download CSV").focus()
    page.keyboard.press("Tab")
    assert wide.evaluate("e => e === document.activeElement"), "Tab does not reach the table"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=wide.element_handle(), timeout=3000)  # scrolling is smooth
    visit.assert_clean()
