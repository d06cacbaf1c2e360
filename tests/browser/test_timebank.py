"""The time bank in a real browser: an exchange from offer to confirmed hours, and a group."""

import re

from coproduce.timebank import services
from coproduce.timebank.models import Account


def balance(account):
    return Account.objects.get(pk=account.pk).balance_minutes


def test_an_offer_becomes_ninety_confirmed_minutes(world, bank, visitor, browser, live_server):
    from tests.browser.conftest import Visitor

    visitor.sign_in("sam@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/")
    page.get_by_role("link", name="Offer or ask for help").click()
    visitor.check_accessibility()
    page.get_by_label("Offer of help").check()
    page.get_by_label("Title").fill("Help in the garden")
    page.get_by_role("button", name="Save listing").click()
    visitor.check_accessibility()

    context = browser.new_context()
    amir = Visitor(context.new_page(), live_server.url)
    amir.sign_in("amir@example.org")
    amir.visit(f"/hubs/{world.hub.slug}/timebank/")
    amir.page.get_by_role("link", name="Help in the garden").click()
    amir.check_accessibility()
    amir.page.get_by_role("button", name="Ask for this help").click()
    amir.check_accessibility()
    exchange_url = amir.page.url

    page = visitor.visit(exchange_url.removeprefix(live_server.url))
    page.get_by_role("button", name="Agree").click()
    visitor.check_accessibility()
    page.get_by_label("Hours").fill("1")
    page.get_by_label("Minutes").fill("30")
    page.get_by_role("button", name="Log hours").click()
    visitor.check_accessibility()
    assert (balance(bank.member), balance(bank.staff)) == (0, 0)

    amir.visit(exchange_url.removeprefix(live_server.url))
    amir.page.get_by_role("button", name="Confirm the hours").click()
    amir.check_accessibility()
    assert "Confirmed" in amir.page.content()
    context.close()
    assert (balance(bank.member), balance(bank.staff)) == (90, -90)

    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/statement/")
    assert "1 h 30 min" in page.content()


def test_the_health_centre_gives_a_group_hours_for_a_workshop(world, bank, visitor):
    visitor.sign_in("amir@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/group/")
    page.get_by_label("What did the group do?").fill("Waiting-room design workshop")
    page.get_by_label("Organisation paying the hours").select_option(
        label="Millbrook Health Centre"
    )
    visitor.pick("Members who took part", "Sam Member")
    visitor.pick("Members who took part", "Ron Assisted")
    page.get_by_label("Hours for each member").fill("2")
    page.get_by_role("button", name="Record the group").click()
    visitor.check_accessibility()
    assert "each earned 2 h" in page.content()
    assert (balance(bank.member), balance(bank.assisted)) == (120, 120)
    assert balance(bank.health_centre) == -240
    assert services.chest_of(world.hub).balance_minutes == 0


def test_a_coordinator_uploads_a_time_sheet_fixes_it_and_records_it(
    world, bank, phone_visitor, tmp_path
):
    phone_visitor.sign_in("grace@example.org")
    page = phone_visitor.visit(f"/hubs/{world.hub.slug}/timebank/import/")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "date,giver,receiver,description,hours\n"
        "2026-03-14,Ron Assisted,Millbrook Health Centre,Flu clinic welcome,2:30\n"
        "2026-03-15,sam@example.org,Ron Asisted,Shopping,1\n"
    )
    page.get_by_label("Time sheet (CSV file)").set_input_files(sheet)
    page.get_by_role("button", name="Record the exchanges").click()
    phone_visitor.check_accessibility()
    assert "Line 3, column 'receiver': no member or organisation here is called Ron Asisted" in (
        page.get_by_role("alert").inner_text()
    )
    assert balance(bank.assisted) == 0
    sheet.write_text(sheet.read_text().replace("Ron Asisted", "Ron Assisted"))
    page.get_by_label("Time sheet (CSV file)").set_input_files(sheet)
    page.get_by_role("button", name="Record the exchanges").click()
    phone_visitor.check_accessibility()
    assert "Recorded 2 exchanges, 3 h 30 min in all." in page.content()
    assert (balance(bank.assisted), balance(bank.member)) == (150 - 60, 60)


def test_a_coordinator_grants_from_the_chest_and_sets_the_rules(world, bank, visitor):
    services.chest_donate(actor=world.staff, account=bank.staff, minutes=240)
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/chest/")
    visitor.pick("Member", "Ron Assisted")
    page.get_by_label("Hours").nth(1).fill("2")
    page.get_by_label("Why do they need these hours?").fill("Lifts to hospital after a fall")
    page.get_by_role("button", name="Grant these hours").click()
    visitor.check_accessibility()
    assert "Granted 2 h to Ron Assisted." in page.content()
    assert balance(bank.assisted) == 120
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/settings/")
    page.get_by_label("Lowest balance, in hours").fill("-5")
    page.get_by_label("Allow it, and flag it to coordinators").check()
    page.get_by_role("button", name="Save the rules").click()
    visitor.check_accessibility()
    assert "Saved." in page.content()
    page.get_by_label("New category").fill("Lifts")
    page.get_by_role("button", name="Add the category").click()
    visitor.check_accessibility()
    assert page.get_by_role("listitem").filter(has_text="Lifts").count() == 1


def test_a_coordinator_on_a_phone_reverses_confirmed_hours_and_a_member_asks_them_to(
    world, bank, browser, live_server
):
    from tests.browser.conftest import Visitor

    offer = services.listing_create(
        actor=world.member, account=bank.member, kind="offer", title="Help in the garden"
    )
    done = services.exchange_propose(actor=world.staff, listing=offer)
    services.exchange_agree(actor=world.member, exchange=done)
    services.exchange_log_done(actor=world.member, exchange=done, minutes=90)
    confirmed = services.exchange_propose(actor=world.staff, listing=offer)
    services.exchange_agree(actor=world.member, exchange=confirmed)
    services.exchange_log_done(actor=world.member, exchange=confirmed, minutes=60)
    services.exchange_confirm(actor=world.staff, exchange=confirmed)
    assert balance(bank.member) == 60

    # Sam, without JavaScript, cannot cancel logged hours: he is told to ask a coordinator.
    context = browser.new_context(java_script_enabled=False)
    sam = Visitor(context.new_page(), live_server.url, javascript=False)
    sam.sign_in("sam@example.org")
    page = sam.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/{done.pk}/")
    assert page.get_by_role("button", name="Cancel this exchange").count() == 0
    assert "To cancel logged hours, ask a coordinator." in page.content()
    page = sam.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/{confirmed.pk}/")
    assert page.get_by_role("button", name="Reverse the hours").count() == 0
    context.close()

    # Grace, on a phone, reverses the confirmed hour with a reason.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    grace = Visitor(context.new_page(), live_server.url)
    grace.sign_in("grace@example.org")
    page = grace.visit(f"/hubs/{world.hub.slug}/timebank/exchanges/{confirmed.pk}/")
    page.get_by_role("button", name="Reverse the hours").click()
    grace.check_accessibility()
    assert page.get_by_role("alert").count() >= 1  # the reason is required
    assert balance(bank.member) == 60
    page.get_by_label("Why are these hours being reversed?").fill(
        "Logged twice: the same hour as last week"
    )
    page.get_by_role("button", name="Reverse the hours").click()
    grace.check_accessibility()
    assert "Reversed: the hours went back" in page.content()
    assert "Logged twice: the same hour as last week" in page.content()
    assert balance(bank.member) == 0
    context.close()


def test_a_coordinators_grant_to_herself_waits_for_the_admin(
    world, bank, visitor, browser, live_server
):
    from tests.browser.conftest import Visitor

    services.chest_donate(actor=world.staff, account=bank.staff, minutes=240)
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/chest/")
    visitor.pick("Member", "Grace Coordinator")
    page.get_by_label("Hours").nth(1).fill("1")
    page.get_by_label("Why do they need these hours?").fill("Housebound this month")
    page.get_by_role("button", name="Grant these hours").click()
    visitor.check_accessibility()
    assert "a second coordinator must approve" in page.content()
    assert balance(bank.coordinator) == 0
    page.get_by_role("link", name="1 h from the chest to Grace Coordinator").click()
    visitor.check_accessibility()
    assert "Another coordinator must decide what you asked" in page.content()
    helen = Visitor(browser.new_context().new_page(), live_server.url)
    helen.sign_in("helen@example.org")
    page = helen.visit(f"/hubs/{world.hub.slug}/timebank/ledger/")
    page.get_by_role("link", name="1 h from the chest to Grace Coordinator").click()
    helen.check_accessibility()
    page.get_by_label("Approve: the hours move now").check()
    page.get_by_role("button", name="Send my decision").click()
    helen.check_accessibility()
    assert "Approved: the hours moved." in page.content()
    assert balance(bank.coordinator) == 60


def test_a_coordinator_finds_a_balance_and_prints_a_statement_to_post(world, bank, visitor):
    exchange = services.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.assisted,
        title="Shopping for Ron",
        minutes=90,
    )
    services.exchange_confirm(actor=world.admin, exchange=exchange)
    visitor.sign_in("grace@example.org")
    page = visitor.visit(f"/hubs/{world.hub.slug}/timebank/ledger/")
    assert "The last 12 months" in page.content()
    page.get_by_role("link", name="Month before").click()
    visitor.check_accessibility()
    page.get_by_role("link", name="Everyone's balance, and anyone's statement").click()
    visitor.check_accessibility()
    page.get_by_role("link", name=re.compile(r"^Balance\W+sort ascending")).click()
    visitor.check_accessibility()
    rows = page.locator("tbody tr")
    assert "Ron Assisted" in rows.first.inner_text()
    page.get_by_role("link", name="Ron Assisted").click()
    visitor.check_accessibility()
    assert "Statement: Ron Assisted" in page.content()
    page.get_by_role("link", name="Print this statement to post to Ron Assisted").click()
    visitor.check_accessibility()
    assert "Statement for Ron Assisted" in page.content()
    assert "1 h 30 min" in page.content()
