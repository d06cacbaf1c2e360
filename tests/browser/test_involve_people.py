"""The people side of involvement in a real browser, on a phone: every page checked by
axe-core; choosing how much to be asked with scripts off; the pack and the certificate
as printed (each posted pack starts a new page). Set SCREENSHOTS to a folder to keep a
picture of each page."""

import os
import re
from pathlib import Path

from tests.browser.conftest import fits_the_phone
from tests.involve.people_setup import build_involvement


def shoot(page, name: str, *, full: bool = True) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full)


def test_every_people_page_on_a_phone(world, phone):
    involved = build_involvement(world)
    slug, sam = world.hub.slug, world.member.pk
    base = f"/hubs/{slug}/involvement/"
    phone.sign_in("grace@example.org")
    for name, path in [
        ("choices-for-ron", f"choices/?person={world.assisted.pk}"),
        ("pack", f"packs/{involved.pack.pk}/"),
        ("packs-print", "packs/print/"),
        ("record-sam", f"record/{sam}/"),
        ("certificate", f"record/{sam}/certificate/"),
        ("figures", "figures/"),
        ("payments", "payments/"),
        ("settings", "settings/"),
        ("training", "training/"),
    ]:
        page = phone.visit(base + path)
        shoot(page, name)
        fits_the_phone(page)
    # Approve Sam's mileage, and mark what is approved paid.
    page = phone.visit(base + "payments/")
    page.get_by_role("button", name=re.compile("^Approve Sam Member")).click()
    phone.check_accessibility()
    assert "claim of £2.93: approved" in page.content()
    page.get_by_role("button", name="Mark paid up to this day").click()
    phone.check_accessibility()
    assert "Marked 2 payments and expenses paid" in page.content()
    # A mistake in the rules is named next to its field.
    page = phone.visit(base + "settings/")
    page.get_by_label("Payment for each block of time (£)").fill("lots")
    page.get_by_role("button", name="Save the rules").click()
    phone.check_accessibility()
    assert "Enter an amount in pounds" in page.content()
    shoot(page, "settings-error")


def test_choosing_how_much_to_be_asked_with_scripts_off(world, phone_without_scripts):
    visitor = phone_without_scripts
    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/involvement/choices/")
    fits_the_phone(page)
    # Until they choose, every kind is ticked: Sam wants panels only.
    for box in page.locator("input[name=kinds]").all():
        box.uncheck()
    page.get_by_label(re.compile("^Co-managing")).check()
    page.get_by_label("A monthly pack").check()
    page.get_by_label("Email").check()
    page.get_by_label("Time credits in my time bank account").check()
    page.get_by_role("button", name="Save my choices").click()
    visitor.check_accessibility()
    said = "You will get a monthly pack of ways to be involved about co-managing (only), by email."
    assert page.get_by_text(said).first.is_visible()
    shoot(page, "choices-saved-no-js")


def test_the_pack_and_the_certificate_print(world, phone):
    involved = build_involvement(world)
    base = f"/hubs/{world.hub.slug}/involvement/"
    phone.sign_in("grace@example.org")
    page = phone.visit(base + "packs/print/")
    page.emulate_media(media="print")
    breaks = page.eval_on_selector_all(
        ".printed-pack", "els => els.map(e => getComputedStyle(e).breakBefore)"
    )
    assert breaks[1:] == ["page"] * (len(breaks) - 1) and breaks
    assert not page.locator(".site-header").is_visible()
    shoot(page, "packs-print-as-printed")
    page = phone.visit(base + f"packs/{involved.assisted_pack.pk}/?large=1")
    page.emulate_media(media="print")
    assert not page.get_by_role("link", name="Normal print").is_visible()
    shoot(page, "pack-large-print-as-printed")
    page = phone.visit(base + f"record/{world.member.pk}/certificate/")
    page.emulate_media(media="print")
    assert page.get_by_text("This is to certify that").is_visible()
    assert not page.get_by_text("Print this page").is_visible()
    shoot(page, "certificate-as-printed")
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.pdf(path=str(Path(folder) / "certificate.pdf"), format="A4")
