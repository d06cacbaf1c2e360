"""People pickers in Chromium on a phone (390 by 844): with scripts, matches come as one
types and what is ticked stays ticked across searches (axe on the page with matches
shown); without them, "Find" brings the same form back with the matches and keeps
what was typed."""

import datetime
import os
import re
from pathlib import Path

from coproduce.referrals.models import Referral
from coproduce.timebank.models import Exchange

SHOTS = Path(os.environ.get("PICKER_SCREENSHOTS", "/nonexistent"))  # a folder to look at


def shot(page, name):
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_coordinator_records_a_group_by_searching_with_scripts(world, bank, phone):
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/group/")
    assert page.locator("select[name=members], option").count() == 0 or (
        page.locator("option").count() < 5  # the organisation's list only
    )
    page.get_by_label("What did the group do?").fill("Repair café")
    page.get_by_label("Organisation paying the hours").select_option(
        label="Millbrook Health Centre"
    )
    box = page.get_by_label("Members who took part", exact=True)
    box.fill("sam")
    results = page.locator("#id_members_results")
    assert results.get_attribute("aria-live") == "polite"
    results.get_by_label(re.compile("^Sam Member")).check()
    phone.check_accessibility()  # with the matches shown
    box.fill("ron")
    results.get_by_label(re.compile("^Ron Assisted")).check()
    # Sam stays ticked after the second search.
    assert results.get_by_label(re.compile("^Sam Member")).is_checked()
    assert not page.url.endswith("_find=members")  # no page load: the search came by htmx
    shot(page, "group-with-scripts")
    phone.check_accessibility()
    page.get_by_label("Hours for each member").fill("2")
    page.get_by_role("button", name="Record the group").click()
    assert "2 members each earned 2 h" in page.content()
    exchange = Exchange.objects.get()
    assert exchange.title == "Repair café"


def test_keyboard_reaches_the_matches(world, bank, phone):
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/group/")
    box = page.get_by_label("Members who took part", exact=True)
    box.focus()
    page.keyboard.type("sam")
    page.locator("#id_members_results").get_by_label(re.compile("^Sam Member")).wait_for()
    page.keyboard.press("Tab")  # past Find
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#id_members_results").get_by_label(re.compile("^Sam Member")).is_checked()


def test_enter_in_the_search_searches_and_keeps_the_place(world, bank, phone):
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/group/")
    page.get_by_label("What did the group do?").fill("Repair café")
    box = page.get_by_label("Members who took part", exact=True)
    box.focus()
    page.keyboard.type("sam")
    page.keyboard.press("Enter")
    page.locator("#id_members_results").get_by_label(re.compile("^Sam Member")).wait_for()
    assert "_find" not in page.url  # no page load: the form was not sent
    assert page.evaluate("document.activeElement.name") == "members__q"
    assert page.get_by_label("What did the group do?").input_value() == "Repair café"


def test_staff_refer_a_member_without_scripts(world, phone_without_scripts):
    visitor = phone_without_scripts
    visitor.sign_in("amir@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/referrals/new/")
    page.get_by_label("What does the person need?").fill("Lifts to the clinic on Tuesdays.")
    page.get_by_label("Who are you referring?", exact=True).fill("sam")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    # The same form, with what was typed kept and the matches to choose from.
    assert page.get_by_label("What does the person need?").input_value() == (
        "Lifts to the clinic on Tuesdays."
    )
    assert "There is a problem" not in page.content()
    shot(page, "referral-without-scripts-found")
    page.get_by_label(re.compile("^Sam Member")).check()
    page.get_by_label("In person").check()
    page.get_by_label("Soon: within a week").check()
    page.get_by_label("The person agreed to be referred").check()
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_load_state()
    shot(page, "referral-without-scripts-sent")
    assert "the referral is with the coordinators" in page.content()
    assert Referral.objects.get().person == world.member


def test_staff_refer_a_member_with_scripts(world, phone):
    phone.sign_in("amir@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/referrals/new/")
    phone.pick("Who are you referring?", "Sam Member")
    shot(page, "referral-with-scripts")
    phone.check_accessibility()
    page.get_by_label("What does the person need?").fill("Lifts to the clinic on Tuesdays.")
    page.get_by_label("In person").check()
    page.get_by_label("Soon: within a week").check()
    page.get_by_label("The person agreed to be referred").check()
    page.get_by_role("button", name="Send the referral").click()
    assert "the referral is with the coordinators" in page.content()
    assert Referral.objects.get().person == world.member


def test_a_coordinator_records_a_group_without_scripts(world, bank, phone_without_scripts):
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/group/")
    page.get_by_label("What did the group do?").fill("Repair café")
    page.get_by_label("Organisation paying the hours").select_option(
        label="Millbrook Health Centre"
    )
    visitor.pick("Members who took part", "Sam Member")
    visitor.pick("Members who took part", "Ron Assisted")
    # Sam, found first, is still ticked after the second Find.
    assert page.get_by_label(re.compile("^Sam Member")).is_checked()
    assert page.get_by_label("What did the group do?").input_value() == "Repair café"
    shot(page, "group-without-scripts")
    page.get_by_label("Hours for each member").fill("2")
    page.get_by_role("button", name="Record the group").click()
    page.wait_for_load_state()
    assert "2 members each earned 2 h" in page.content()


def test_a_coordinator_adds_slots_for_a_referral_found_by_its_need_with_scripts(world, phone):
    from coproduce.referrals.models import Slot
    from tests.referrals.conftest import friend_on_the_phone, refer_molly

    project = friend_on_the_phone(world, training="")
    referral = refer_molly(world)
    phone.sign_in("grace@example.org")
    page = phone.visit(f"/hubs/{world.hub.slug}/projects/{project.pk}/slots/new/")
    assert page.locator("option").count() == 1  # the project's one job: no list of referrals
    phone.pick("For a referral (optional)", "Molly Jenkins", search="housebound")
    assert "_find" not in page.url  # the search came by htmx
    shot(page, "slots-referral-with-scripts")
    phone.check_accessibility()
    page.get_by_label("Start time").fill("10:00")
    page.get_by_role("button", name="Add the slots").click()
    assert "Added 1 slot." in page.content()
    assert Slot.objects.get(project=project).referral == referral


def test_a_coordinator_records_a_past_turn_for_a_referral_without_scripts(
    world, phone_without_scripts
):
    from coproduce.referrals.models import Assignment
    from tests.referrals.conftest import friend_on_the_phone, refer_molly

    project = friend_on_the_phone(world, training="")
    referral = refer_molly(world)
    visitor = phone_without_scripts
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/projects/{project.pk}/turns/record/")
    page.get_by_label("How long, in minutes").fill("45")
    visitor.pick("Who did it", "Sam Member")
    visitor.pick("For a referral (optional)", "Molly Jenkins", search="molly")
    # Sam, chosen before the second Find, is still chosen; what was typed is kept.
    assert page.get_by_label(re.compile("^Sam Member")).is_checked()
    assert page.get_by_label("How long, in minutes").input_value() == "45"
    shot(page, "turn-referral-without-scripts")
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    page.get_by_label("Date", exact=True).fill(yesterday.isoformat())
    page.get_by_label("Start time").fill("15:00")
    page.get_by_role("button", name="Record the turn").click()
    page.wait_for_load_state()
    assert "Recorded: 45 min for Sam Member." in page.content()
    assert Assignment.objects.get(person=world.member).slot.referral == referral
