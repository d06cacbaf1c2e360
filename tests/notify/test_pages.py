"""What's new, its count in the header, and choosing how one is told, as pages."""

import pytest

from coproduce.notify import services
from coproduce.notify.models import Delivery, Kind, Preference
from coproduce.timebank import services as timebank
from coproduce.timebank.models import ListingKind

pytestmark = pytest.mark.django_db


def message_for(world, bank, text="Tuesday at 9?"):
    """Sam answers a request of Dr Amir's with a message: Amir is told."""
    listing = timebank.listing_create(
        actor=world.staff, account=bank.staff, kind=ListingKind.REQUEST, title="Lift to town"
    )
    return timebank.exchange_propose(actor=world.member, listing=listing, note=text)


def test_a_proposal_with_a_message_reaches_the_other_side_in_the_list_and_header(
    world, bank, client_for
):
    exchange = message_for(world, bank, text="Flat 2, Oak Tower, on <Saturday>")
    page = client_for(world.staff).get("/whats-new/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sam Member answered your listing: Lift to town" in text
    assert f"/hubs/millbrook/timebank/exchanges/{exchange.pk}/" in text
    assert "Flat 2, Oak Tower, on &lt;Saturday&gt;" in text  # escaped on the page
    # The link in the message's words can be followed from the page too.
    assert f'/hubs/millbrook/timebank/exchanges/{exchange.pk}/" rel="nofollow">http' in text
    assert '(1<span class="visually-hidden"> unread</span>)' in text  # the header's count
    assert '<span class="tag">New</span>' in text  # not by colour alone
    # Sam, who wrote it, is not told of his own message.
    assert "Lift to town" not in client_for(world.member).get("/whats-new/").content.decode()


def tell(world, person, subject):
    [made] = services.tell(
        [person],
        kind=Kind.MESSAGE,
        hub=world.hub,
        subject=subject,
        template="hubs/email/join_decision.txt",
        context={"join_request": None, "hub": world.hub},
    )
    return made


def test_mark_all_read_up_to_what_was_shown(world, bank, client_for):
    message_for(world, bank)
    client = client_for(world.staff)
    newest = tell(world, world.staff, "Shown")
    arrived_later = tell(world, world.staff, "Later")
    response = client.post("/whats-new/read/", {"up_to": newest.pk})
    assert response.status_code == 302 and response["Location"] == "/whats-new/"
    page = client.get("/whats-new/?show=unread").content.decode()
    assert "Later" in page and "Shown" not in page
    client.post("/whats-new/read/", {"notification": arrived_later.pk})
    arrived_later.refresh_from_db()
    assert arrived_later.read_at is not None
    assert "unread</span>)" not in client.get("/whats-new/").content.decode()


def test_marking_read_refuses_another_site_as_next(world, client_for):
    response = client_for(world.member).post(
        "/whats-new/read/", {"up_to": 1, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/whats-new/"


def test_bad_input_to_mark_read_is_not_an_error(world, client_for):
    client = client_for(world.member)
    for data in ({"up_to": "x"}, {"notification": "99999999999999999999999"}, {}):
        assert client.post("/whats-new/read/", data).status_code == 302


def test_choosing_how_one_is_told(world, client_for):
    client = client_for(world.member)
    page = client.get("/me/notifications/").content.decode()
    assert "Messages and proposals" in page and "In a daily email" in page
    choices = {kind.value: Delivery.NOW for kind in Kind} | {Kind.ROTA: Delivery.WEEKLY}
    response = client.post("/me/notifications/", choices)
    assert response.status_code == 302
    assert Preference.objects.get(person=world.member, kind=Kind.ROTA).delivery == "weekly"
    bad = client.post("/me/notifications/", choices | {Kind.ROTA: "hourly"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert "How we tell you" in client.get("/me/").content.decode()


def test_a_coordinator_chooses_what_someone_not_online_is_told(world, client_for):
    url = f"/hubs/millbrook/members/{world.assisted.pk}/notifications/"
    client = client_for(world.coordinator)
    detail = client.get(f"/hubs/millbrook/members/{world.assisted.pk}/").content.decode()
    assert url in detail
    page = client.get(url).content.decode()
    assert "Pass it on to them" in page and "In a weekly email" not in page
    choices = {kind.value: Delivery.NOW for kind in Kind} | {Kind.PROJECT: Delivery.NEVER}
    assert client.post(url, choices).status_code == 302
    assert Preference.objects.get(person=world.assisted, kind=Kind.PROJECT).delivery == "never"
    # Someone who signs in chooses for themselves.
    own = f"/hubs/millbrook/members/{world.member.pk}/notifications/"
    assert client.post(own, choices).status_code == 403
    assert not Preference.objects.filter(person=world.member).exists()
    assert own not in client.get(f"/hubs/millbrook/members/{world.member.pk}/").content.decode()
    # A member cannot choose for Ron.
    assert client_for(world.member).get(url).status_code == 403
