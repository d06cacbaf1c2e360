"""Whole journeys in a real browser, with axe-core checking every page on the way."""

import re

from django.core import mail

from coproduce.hubs.models import AuditEvent, Invitation, Membership, Person
from tests.conftest import PASSWORD


def test_a_member_signs_in_and_edits_their_profile(world, visitor):
    visitor.sign_in("sam@example.org")
    page = visitor.page
    assert page.get_by_role("heading", level=1).count() == 1
    page.get_by_role("link", name="My profile").first.click()
    visitor.check_accessibility()
    page.get_by_role("link", name="Change my profile").click()
    visitor.check_accessibility()

    page.get_by_label("Postcode area").fill("not a postcode")
    page.get_by_role("button", name="Save profile").click()
    visitor.check_accessibility()  # the page with errors is accessible too
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Postcode area").get_attribute("aria-invalid") == "true"

    page.get_by_label("Postcode area").fill("MB4")
    page.get_by_label("What you can give").fill("gardening, baking")
    page.get_by_label("Saturday mornings").check()
    page.get_by_role("button", name="Save profile").click()
    visitor.check_accessibility()
    assert "Your profile has been saved" in page.content()
    world.member.refresh_from_db()
    assert world.member.assets == ["gardening", "baking"]
    assert world.member.postcode_district == "MB4"
    assert "sat-am" in world.member.availability


def test_a_coordinator_invites_someone_who_joins_from_the_emailed_link(
    world, visitor, browser, live_server
):
    visitor.sign_in("grace@example.org")
    visitor.visit(f"/hubs/{world.hub.slug}/coordinate/")
    visitor.page.get_by_role("link", name="Invite someone").click()
    visitor.check_accessibility()
    visitor.page.get_by_label("Their email address").fill("newcomer@example.org")
    visitor.page.get_by_role("button", name="Send invitation").click()
    visitor.check_accessibility()
    assert "Invitation sent to newcomer@example.org" in visitor.page.content()
    assert Invitation.objects.filter(hub=world.hub, email="newcomer@example.org").exists()

    message = next(m for m in mail.outbox if m.to == ["newcomer@example.org"])
    link = re.search(r"https?://\S+(/invitations/\S+/)", message.body).group(1)
    context = browser.new_context()
    from tests.browser.conftest import Visitor

    newcomer = Visitor(context.new_page(), live_server.url)
    newcomer.visit(link)
    newcomer.page.get_by_label("Your name").fill("Nia Newcomer")
    newcomer.page.get_by_label("Password").fill(PASSWORD)
    newcomer.page.get_by_role("button", name="Create account and join").click()
    newcomer.check_accessibility()
    assert "Welcome to Millbrook Time Bank" in newcomer.page.content()
    context.close()
    person = Person.objects.get(email="newcomer@example.org")
    assert Membership.objects.filter(hub=world.hub, person=person, is_active=True).exists()


def test_someone_not_online_is_given_an_email_and_invited_to_sign_in(
    world, visitor, browser, live_server
):
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/members/{world.assisted.pk}/")
    page.get_by_role("link", name="Edit profile for them").click()
    page.get_by_label("Email address").fill("ron@example.org")
    page.get_by_role("button", name="Save profile").click()
    visitor.check_accessibility()  # the member page, now with the button
    page.get_by_role("button", name=re.compile("link to choose a password")).click()
    visitor.check_accessibility()
    assert "a link to choose a password" in page.content()

    message = next(m for m in mail.outbox if m.to == ["ron@example.org"])
    link = re.search(r"https?://\S+(/accounts/password-reset/\S+/)", message.body).group(1)
    context = browser.new_context()
    from tests.browser.conftest import Visitor

    ron = Visitor(context.new_page(), live_server.url)
    ron.visit(link)
    ron.page.get_by_label("New password", exact=True).fill("ron-chooses-a-passphrase")
    ron.page.get_by_label("New password confirmation").fill("ron-chooses-a-passphrase")
    ron.page.get_by_role("button", name="Save new password").click()
    ron.check_accessibility()
    ron.sign_in("ron@example.org", "ron-chooses-a-passphrase")
    assert ron.page.get_by_role("link", name="My profile").count() >= 1
    context.close()


def test_a_coordinator_adds_someone_who_is_not_online(world, visitor):
    visitor.sign_in("grace@example.org")
    visitor.visit(f"/hubs/{world.hub.slug}/coordinate/")
    page = visitor.page
    page.get_by_role("link", name="Add someone who is not online").click()
    visitor.check_accessibility()
    page.get_by_label("Name", exact=True).fill("Edna Price")
    page.get_by_label("Phone number").fill("01632 960 555")
    page.get_by_label("What they can give").fill("knitting, stories")
    page.get_by_label("What has the person agreed to?").fill("To be a member")
    page.get_by_label("In person", exact=True).check()
    page.get_by_role("button", name="Add member").click()
    visitor.check_accessibility()
    assert page.get_by_role("heading", level=1).inner_text() == "Edna Price"
    edna = Person.objects.get(display_name="Edna Price")
    assert edna.email is None
    assert AuditEvent.objects.filter(actor=world.coordinator, on_behalf_of=edna).exists()


def test_the_directory_filters_as_you_type(world, visitor):
    visitor.sign_in("amir@example.org")
    visitor.visit(f"/hubs/{world.hub.slug}/members/")
    page = visitor.page
    page.get_by_label("Search by name, area or skill").fill("garden")
    page.get_by_text("1 member matching").wait_for()
    visitor.check_accessibility()
    assert page.get_by_role("link", name="Sam Member").is_visible()
    assert page.get_by_role("link", name="Ron Assisted").count() == 0


def test_the_directory_search_works_without_javascript(world, no_script_visitor):
    # A coordinator: Ron, added by one, is not listed to members until he chooses.
    no_script_visitor.sign_in("grace@example.org")
    page = no_script_visitor.visit(f"/hubs/{world.hub.slug}/members/")
    page.get_by_label("Search by name, area or skill").fill("ron")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert "q=ron" in page.url
    assert page.get_by_role("link", name="Ron Assisted").is_visible()
    assert page.get_by_role("link", name="Sam Member").count() == 0


def test_the_audit_log_reads_as_sentences_and_filters_without_javascript(world, no_script_visitor):
    no_script_visitor.sign_in("grace@example.org")
    page = no_script_visitor.visit(f"/hubs/{world.hub.slug}/audit/")
    assert page.get_by_text("Grace Coordinator added Ron Assisted, who is not online").is_visible()
    page.get_by_label("Kind of change").select_option(label="Consent given")
    no_script_visitor.pick("Done by or for (optional)", "Ron Assisted")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    no_script_visitor.check_accessibility()
    assert "kind=consent.given" in page.url
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "Ron Assisted's consent was recorded (by phone) by Grace Coordinator" in (
        rows.first.inner_text()
    )


def test_pages_fit_a_narrow_old_phone(world, phone_visitor):
    phone_visitor.sign_in("grace@example.org")
    for path in [
        "/",
        "/me/",
        "/me/edit/",
        f"/hubs/{world.hub.slug}/",
        f"/hubs/{world.hub.slug}/members/",
        f"/hubs/{world.hub.slug}/members/{world.member.pk}/",
        f"/hubs/{world.hub.slug}/coordinate/",
        f"/hubs/{world.hub.slug}/audit/",
    ]:
        page = phone_visitor.visit(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"


def test_the_skip_link_is_the_first_thing_the_keyboard_reaches(world, visitor):
    page = visitor.visit("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused.lower().startswith("skip to")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_public_and_error_pages_are_accessible(world, visitor):
    for path in [
        "/",
        f"/hubs/{world.hub.slug}/",
        "/accounts/sign-up/",
        "/accounts/password-reset/",
        "/no-such-page/",
    ]:
        visitor.visit(path)
    visitor.sign_in("sam@example.org")
    visitor.visit(f"/hubs/{world.hub.slug}/coordinate/")
    assert "You cannot see this page" in visitor.page.content()
