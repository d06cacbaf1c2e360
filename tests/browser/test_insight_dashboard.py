"""The insight dashboard in a real browser on a phone: a coordinator, with scripts off,
reads the headline, opens a table, downloads a CSV and opens the board report; with
scripts on, axe-core finds nothing on the dashboard, the board report, the settings and
the public summary, and each fits 390 pixels."""

import re

import pytest

from coproduce.insight.models import InsightSettings
from tests.browser.conftest import _visitor
from tests.insight.pages_fixtures import BUSIEST, full  # noqa: F401 (a fixture)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
HEADLINE = "The three most deprived tenths (deciles 1 to 3) are 47% of the people who live here"

pytestmark = pytest.mark.usefixtures("full")


@pytest.fixture
def phone(browser, live_server):
    yield from _visitor(browser, live_server, **PHONE)


@pytest.fixture
def phone_without_scripts(browser, live_server):
    yield from _visitor(
        browser, live_server, java_script_enabled=False, accept_downloads=True, **PHONE
    )


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} pixels wide"


def words_inside_the_charts(page) -> None:
    """Every word drawn in a chart ends inside its SVG (none cut off at the right)."""
    past = page.evaluate(
        """() => [...document.querySelectorAll('.insight-chart svg')].flatMap(svg => {
            const edge = svg.getBoundingClientRect().right + 0.5;
            return [...svg.querySelectorAll('text')]
                .filter(t => t.getBoundingClientRect().right > edge)
                .map(t => t.textContent);
        })"""
    )
    assert past == [], f"cut off at the chart's edge: {past}"


def test_a_coordinator_reads_the_dashboard_without_scripts(world, phone_without_scripts, tmp_path):
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/")
    page.get_by_role("link", name="Insight").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Insight", level=1).is_visible()
    assert page.get_by_text(HEADLINE).is_visible()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    # Open the table behind the chart of deciles.
    table = page.get_by_role("table", name="Taking part and benefit, by deprivation decile")
    assert not table.is_visible()
    page.get_by_text("Show the table: taking part and benefit, by deprivation decile").click()
    assert table.is_visible()
    assert table.get_by_role("row").nth(1).get_by_role("rowheader").inner_text() == "1"
    assert page.get_by_text(BUSIEST).count() == 1  # on the page for the coordinator, folded
    page.screenshot(path=str(tmp_path / "table.png"), full_page=True)

    # A period with a mistake is named, then corrected.
    page.get_by_label("The dates below").check()
    page.get_by_label("From").fill("2026-05-01")
    page.get_by_label("To (included)").fill("2026-04-01")
    page.get_by_role("button", name="Show these figures").click()
    page.wait_for_load_state()
    assert page.get_by_text("The last day must be on or after the first day.").first.is_visible()
    page.get_by_label("The last full quarter").check()
    page.get_by_role("button", name="Show these figures").click()
    page.wait_for_load_state()
    assert page.get_by_text(HEADLINE).is_visible()

    # Download a table as CSV.
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("CSV.*value of the hours given")).click()
    saved = tmp_path / "value.csv"
    downloading.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "The legal minimum wage (a floor),2026,12.71,150:00,1906.50" in text

    # The board report for the quarter, printable.
    page.get_by_role("link", name="The board report for this quarter (printable)").click()
    page.wait_for_load_state()
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith(f"{world.hub.name}: board report")
    )
    assert page.get_by_text("from Coproduce's records").first.is_visible()
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.get_by_text("Back to").first.is_visible()
    fits_the_phone(page)


def test_every_insight_page_passes_axe_on_a_phone(world, phone):
    InsightSettings.objects.create(hub=world.hub, public_summary=True)
    page = phone.visit(f"/hubs/{world.hub.slug}/insight/public/")
    fits_the_phone(page)
    assert page.get_by_text("fewer than 5").first.is_visible()
    phone.sign_in("grace@example.org")
    for path in ["", "?period=this-year", "board/?quarter=2026-Q3", "settings/"]:
        page = phone.visit(f"/hubs/{world.hub.slug}/insight/{path}")
        fits_the_phone(page)
    page = phone.visit(f"/hubs/{world.hub.slug}/insight/")
    for summary in page.locator("summary").all():
        summary.click()
    phone.check_accessibility()
    fits_the_phone(page)
    words_inside_the_charts(page)
    page = phone.visit(f"/hubs/{world.hub.slug}/insight/board/")
    phone.check_accessibility()  # the quarter chooser too
    words_inside_the_charts(page)
    page = phone.visit(f"/hubs/{world.hub.slug}/insight/settings/")
    page.get_by_label("The postcode districts the hub serves").fill("MB1, not a postcode")
    page.get_by_role("button", name="Save the settings").click()
    phone.check_accessibility()
    assert page.get_by_text("is not the first part of a postcode").first.is_visible()
