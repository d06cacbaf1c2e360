"""A pledge's scorecard in a real browser: read by anyone on a small phone (the chart, and
its figures in tables, with the reports closed without a fix in their own column),
printed for a board, and the users' side counted by staff; axe checks every page.
Screenshots go to /tmp/scorecard/shots/ for a person to look at."""

import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coproduce.pledges.models import UserSideCount
from tests.pledges.scorecard_world import (
    closed_on_time_without_a_fix,
    published_pledge,
    reports_over_time,
)

SHOTS = Path(tempfile.gettempdir()) / "scorecard" / "shots"


@pytest.fixture
def pledge(world):
    pledge = published_pledge(world)
    reports_over_time(world, pledge)
    closed_on_time_without_a_fix(world, pledge, ["no_further_action", "duplicate"])
    return pledge


def fits(page) -> bool:
    """Nothing makes the page itself scroll sideways (wide tables scroll in their box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_anyone_reads_the_scorecard_on_a_phone_and_staff_count_the_users_side(
    world, pledge, phone_visitor, visitor
):
    address = f"/hubs/{world.hub.slug}/pledges/{pledge.slug}/scorecard/"
    page = phone_visitor.visit(address)
    expect(page.get_by_role("heading", level=1)).to_contain_text(pledge.title)
    expect(page.get_by_role("img", name="Reports kept and not kept, by month")).to_be_visible()
    expect(page.get_by_text("too few to judge (3)").first).to_be_visible()
    expect(page.locator(".lede")).to_contain_text("from 6 reports, 2 of them closed without a fix.")
    month_table = page.get_by_role("table", name="Month by month, every category")
    expect(month_table.get_by_role("columnheader", name="Closed without a fix")).to_be_visible()
    expect(page.get_by_text("Closed without a fix (lined)")).to_be_visible()
    assert fits(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "phone.png", full_page=True)
    page.get_by_text("How this is counted").click()
    expect(page.get_by_text("Time to close is counted in calendar time")).to_be_visible()
    page.get_by_text("GP call-back, month by month").click()
    phone_visitor.check_accessibility()

    page.get_by_role("link", name="Print view for a board").click()
    phone_visitor.check_accessibility()
    expect(page.get_by_role("heading", level=1)).to_contain_text(pledge.title)

    visitor.sign_in("amir@example.org")
    staff = visitor.visit(address)
    staff.get_by_label("Which commitment?").select_option("Cancel appointments you cannot keep")
    staff.get_by_label("How many times was it not kept?").fill("")
    staff.get_by_role("button", name="Save the count").click()
    visitor.check_accessibility()  # the error, named beside its field
    expect(staff.get_by_text("There is a problem")).to_be_visible()
    staff.get_by_label("How many times was it not kept?").fill("4")
    staff.get_by_role("button", name="Save the count").click()
    visitor.check_accessibility()
    expect(staff.get_by_text("Counted 4 for")).to_be_visible()
    month = timezone.localdate().replace(day=1)
    assert UserSideCount.objects.get().month == month
    expect(staff.locator("#users-side-section td", has_text="4").first).to_be_visible()
