"""A postal address in a real browser, on a phone: the coordinator, with scripts off,
sees that Ron's letter has no address, adds it on his profile and prints the packs to
post, his name and address at the top of his pack for a windowed envelope; the same
pages with scripts on pass axe-core. Set SCREENSHOTS to a folder to keep the pictures
(and a PDF of the packs as printed on A4)."""

import os
from pathlib import Path

from tests.browser.conftest import fits_the_phone
from tests.conftest import account
from tests.involve.people_setup import build_involvement


def shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"address-{name}.png"), full_page=True)


def test_adding_ron_s_address_and_printing_his_letter_without_scripts(world, phone_without_scripts):
    build_involvement(world)
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    packs = f"/hubs/{world.hub.slug}/involvement/packs/print/"
    page = visitor.visit(packs)
    fits_the_phone(page)
    warning = page.locator("li", has_text="Ron Assisted")
    assert warning.get_by_text("no postal address").is_visible()
    shoot(page, "packs-no-address")
    warning.get_by_role("link", name="add one for Ron Assisted").click()
    page.wait_for_load_state()
    box = page.get_by_label("Postal address, for letters")
    assert box.is_visible()
    box.fill("14 Larkspur Row\nMillbrook\nMB2 4QT")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_load_state()
    assert page.get_by_text("14 Larkspur Row").is_visible()
    shoot(page, "ron-profile")
    page = visitor.visit(packs)
    assert page.get_by_text("Every pack to post has an address.").is_visible()
    page.emulate_media(media="print")
    block = page.locator(".letter-address").first
    assert block.inner_text().splitlines() == [
        "Ron Assisted",
        "14 Larkspur Row",
        "Millbrook",
        "MB2 4QT",
    ]
    assert not page.get_by_role("heading", name="Who to ring").is_visible()
    shoot(page, "packs-as-printed")
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.pdf(path=str(Path(folder) / "address-packs.pdf"), format="A4")
    # His time bank statement, printed to post, starts the same way.
    ron = account(world, world.assisted)
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/statement/?account={ron.pk}&print=1")
    page.emulate_media(media="print")
    assert page.locator(".letter-address").inner_text().splitlines()[:2] == [
        "Ron Assisted",
        "14 Larkspur Row",
    ]
    shoot(page, "statement-as-printed")


def test_the_same_pages_pass_axe_with_a_too_long_address(world, phone):
    build_involvement(world)
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/edit/")
    # Past the box's own limit (a browser without it, or a pasted address).
    page.eval_on_selector(
        "textarea[name=postal_address]", "box => box.removeAttribute('maxlength')"
    )
    page.get_by_label("Postal address, for letters").fill("A long street\n" * 30)
    page.get_by_role("button", name="Save profile").click()
    phone.check_accessibility()
    assert page.get_by_text("Use 300 characters or fewer").first.is_visible()
    fits_the_phone(page)
    shoot(page, "too-long")
    page = phone.visit(f"/hubs/{world.hub.slug}/involvement/packs/print/")
    fits_the_phone(page)
