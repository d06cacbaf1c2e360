"""Erasure in a real browser, on a phone: a member deletes their own account (scripts on,
each page checked by axe-core), and a coordinator erases someone not online with scripts
off."""

from coproduce.hubs.models import Person
from coproduce.insight.models import Erasure
from tests.browser.conftest import fits_the_phone
from tests.conftest import PASSWORD


def test_a_member_deletes_their_account(world, phone, tmp_path):
    phone.sign_in("sam@example.org")
    page = phone.visit("/me/")
    page.get_by_role("link", name="Delete my account").click()
    phone.check_accessibility()
    fits_the_phone(page)
    assert page.get_by_role("heading", name="What is erased").is_visible()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I understand my account will be erased").check()
    page.get_by_role("button", name="Delete my account").click()
    phone.check_accessibility()
    assert page.get_by_text("That is not your password").first.is_visible()
    assert not Erasure.objects.exists()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand my account will be erased").check()
    page.screenshot(path=tmp_path / "delete-account.png", full_page=True)
    page.get_by_role("button", name="Delete my account").click()
    phone.check_accessibility()
    assert page.get_by_role("heading", name="Your account was deleted").is_visible()
    page.screenshot(path=tmp_path / "deleted.png", full_page=True)
    fits_the_phone(page)
    assert Person.objects.get(pk=world.member.pk).email is None
    phone.visit("/me/")
    assert "sign-in" in page.url  # signed out


def test_a_coordinator_erases_someone_not_online_without_scripts(
    world, phone_without_scripts, tmp_path
):
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/")
    page.get_by_role("link", name="Erase their records").click()
    page.wait_for_load_state()
    fits_the_phone(page)
    page.get_by_role("button", name="Erase Ron Assisted's records").click()
    page.wait_for_load_state()
    assert (
        page.get_by_text("Choose how they asked").first.is_visible()
        or page.get_by_text("This field is required").first.is_visible()
    )
    page.get_by_label("By phone").check()
    page.get_by_label("They asked for this").check()
    page.screenshot(path=tmp_path / "member-erase.png", full_page=True)
    page.get_by_role("button", name="Erase Ron Assisted's records").click()
    page.wait_for_load_state()
    ron = Person.objects.get(pk=world.assisted.pk)
    assert page.get_by_text(f"they are now {ron.display_name}").is_visible()
    page.screenshot(path=tmp_path / "member-erased.png", full_page=True)
    assert Erasure.objects.get(person=ron).how_asked == "By phone"


def test_the_erase_pages_pass_axe(world, phone):
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/erase/")
    fits_the_phone(page)
    page.get_by_role("button", name="Erase Ron Assisted's records").click()
    phone.check_accessibility()  # the form with its errors
