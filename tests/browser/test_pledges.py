"""A pledge signed off and published on a phone (390 by 844): a member of staff signs for the
service, a patient for the people who use it, the coordinator publishes it, and anyone
reads the public page without signing in. axe-core checks every page."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _visitor
from tests.pledges.conftest import drafted, statements  # noqa: F401 (fixtures)

# Where to keep screenshots to look at (none are taken unless it is set).
SHOTS = os.environ.get("PLEDGE_SHOTS", "")


@pytest.fixture
def phone(browser, live_server):
    yield from _visitor(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True
    )


def fits(page) -> None:
    """Nothing sticks out sideways: no scrolling left and right on the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} pixels wide"


def shot(page, name: str) -> None:
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_out(phone) -> None:
    phone.page.get_by_role("button", name="Sign out").click()


def test_a_pledge_is_signed_on_both_sides_published_and_read_by_anyone(
    world,
    drafted,  # noqa: F811
    phone,
):
    hub = world.hub.slug
    # Dr Amir signs it off for the service.
    phone.sign_in("amir@example.org")
    page = phone.visit(f"/hubs/{hub}/pledges/")
    page.get_by_role("link", name="Patient experience").click()
    phone.check_accessibility()
    expect(page.get_by_text("Not published yet")).to_be_visible()
    page.get_by_role("link", name="See the draft").click()
    phone.check_accessibility()
    fits(page)
    shot(page, "1-draft-for-staff")
    expect(page.get_by_text("Nobody has signed off the draft as it stands.")).to_be_visible()
    page.get_by_role("button", name="Sign it off for the service").click()
    phone.check_accessibility()
    expect(page.get_by_text("Signed off, for the service (staff).")).to_be_visible()
    expect(page.get_by_text(re.compile("Still needs signing off: for the people"))).to_be_visible()
    sign_out(phone)

    # Sam, a patient, signs it off for the people who use it.
    phone.sign_in("sam@example.org")
    page = phone.visit(f"/hubs/{hub}/pledges/{drafted.slug}/draft/")
    page.get_by_role("button", name="Sign it off for the people who use it").click()
    phone.check_accessibility()
    shot(page, "2-signed-by-both")
    expect(page.get_by_role("button", name=re.compile("Publish"))).to_have_count(0)
    sign_out(phone)

    # Grace, the coordinator, publishes it with a note.
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{hub}/pledges/{drafted.slug}/draft/")
    fits(page)
    page.get_by_label("What this version changes").fill("Agreed at the patient group")
    shot(page, "3-ready-to-publish")
    page.get_by_role("button", name="Publish it").click()
    phone.check_accessibility()
    expect(page.get_by_text("Version 1 is published.")).to_be_visible()
    sign_out(phone)

    # Anyone reads the public page, without signing in.
    page = phone.visit(f"/hubs/{hub}/pledges/{drafted.slug}/")
    fits(page)
    shot(page, "4-public-page")
    expect(page.get_by_role("heading", name="Patient experience", level=1)).to_be_visible()
    expect(page.get_by_text("A GP rings you back the same working day.")).to_be_visible()
    expect(page.get_by_text("Your prescription is ready within 2 working days.")).to_be_visible()
    expect(page.get_by_text("Cancel appointments you cannot keep")).to_be_visible()
    expect(page.get_by_text("Everyone: no votes")).to_be_visible()
    expect(page.get_by_text("Agreed at the patient group")).to_be_visible()
    expect(page.get_by_text(re.compile("by a member of staff for the service"))).to_be_visible()
    expect(page.get_by_text("Dr Amir Staff")).to_have_count(0)
