"""The time bank in a real browser: an exchange from offer to confirmed hours, and a group."""

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
    page.get_by_label("Sam Member").check()
    page.get_by_label("Ron Assisted").check()
    page.get_by_label("Hours for each member").fill("2")
    page.get_by_role("button", name="Record the group").click()
    visitor.check_accessibility()
    assert "each earned 2 h" in page.content()
    assert (balance(bank.member), balance(bank.assisted)) == (120, 120)
    assert balance(bank.health_centre) == -240
    assert services.chest_of(world.hub).balance_minutes == 0
