"""Your Space after the vote in a real browser, on a phone: the public result, a voter's
share, the override and delivery forms and the import, each checked by axe-core and
fitting 390 pixels; a coordinator books the room with scripts off."""

from tests.browser.conftest import fits_the_phone
from tests.space.conftest import date_words, tuesday_to_come
from tests.space.test_result_pages import GOOD, counted


def test_every_result_page_on_a_phone(world, phone, tmp_path):
    round_, _football, shed, coffee = counted(world)
    base = f"/hubs/{world.hub.slug}/space/{round_.pk}/"
    page = phone.visit(base + "result/")
    fits_the_phone(page)
    assert page.get_by_text("Equal shares funds Coffee morning").is_visible()
    phone.sign_in("sam@example.org")
    page = phone.visit(base + "result/")
    assert page.get_by_role("heading", name="How your share was spent").is_visible()
    phone.page.get_by_role("button", name="Sign out").click()
    phone.sign_in("grace@example.org")
    for path in [
        "override/",
        f"ideas/{shed.pk}/deliver/",
        f"ideas/{coffee.pk}/book/",
        f"ideas/{coffee.pk}/progress/",
    ]:
        fits_the_phone(phone.visit(base + path))
    page = phone.visit(f"/hubs/{world.hub.slug}/space/import/")
    fits_the_phone(page)
    bad = tmp_path / "bad.pb"
    bad.write_text(GOOD.replace("10;B1", "10;C9"))
    page.get_by_label("The .pb file").set_input_files(str(bad))
    page.get_by_label("Title of the round").fill("Golden")
    page.get_by_role("button", name="Read and count it").click()
    phone.check_accessibility()
    assert page.get_by_text("line 24: voter 10 approves unknown project C9").first.is_visible()


def test_booking_the_room_without_scripts(world, phone_without_scripts):
    round_, _football, _shed, coffee = counted(world)
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/space/{round_.pk}/ideas/{coffee.pk}/book/")
    page.get_by_label("Day of the week").select_option("Tuesday")
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Length: hours").fill("2")
    page.get_by_label("First date").fill(tuesday_to_come().isoformat())
    page.get_by_role("button", name="Book it").click()
    page.wait_for_load_state()
    words = f"Tuesdays 10:00 to 12:00 from {date_words(tuesday_to_come())}"
    assert page.get_by_text(words).first.is_visible()
    fits_the_phone(page)
