"""Messages on an exchange: the proposer's note reaches the listing's holder, both sides
write and read, the other side is emailed, and someone not online is reached through the
coordinators."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.timebank import services
from coproduce.timebank.models import ExchangeMessage, ListingKind


@pytest.fixture
def offer(world, bank):
    return services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )


def test_a_proposal_with_a_message_reaches_the_helper_on_the_page_and_by_email(
    world, offer, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        exchange = services.exchange_propose(
            actor=world.staff, listing=offer, note="Flat 2, Oak Tower, on Saturday?"
        )
    [email] = mailoutbox
    assert email.to == ["sam@example.org"]
    assert "Flat 2, Oak Tower, on Saturday?" in email.body
    page = client_for(world.member).get(
        reverse("exchange-detail", args=[world.hub.slug, exchange.pk])
    )
    assert "Flat 2, Oak Tower, on Saturday?" in page.text


def test_both_sides_write_and_the_other_is_told(
    world, offer, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    exchange = services.exchange_propose(actor=world.staff, listing=offer)
    client = client_for(world.member)
    url = reverse("exchange-action", args=[world.hub.slug, exchange.pk, "message"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Saturday at 10 <b>works</b> & I'll bring tools"})
    assert response.status_code == 302
    [email] = mailoutbox
    assert email.to == ["amir@example.org"]
    assert "Saturday at 10 <b>works</b> & I'll bring tools" in email.body  # plain text
    page = client_for(world.staff).get(
        reverse("exchange-detail", args=[world.hub.slug, exchange.pk])
    )
    assert "Saturday at 10 &lt;b&gt;works&lt;/b&gt; &amp; I&#x27;ll bring tools" in page.text
    assert AuditEvent.objects.filter(event="exchange_message.sent").count() == 1
    # An empty message is refused, naming the field, and nothing is saved.
    response = client.post(url, {"text": "   "})
    assert response.status_code == 400
    assert ExchangeMessage.objects.count() == 1


def test_only_the_people_in_the_exchange_write_on_it(world, offer):
    exchange = services.exchange_propose(actor=world.staff, listing=offer)
    for person in (world.assisted, world.outsider, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.exchange_message_send(actor=person, exchange=exchange, text="Hello")
    services.exchange_message_send(actor=world.coordinator, exchange=exchange, text="I can help")
    with pytest.raises(ApplicationError) as error:
        services.exchange_message_send(actor=world.member, exchange=exchange, text="x" * 2001)
    assert error.value.field == "text"
    services.exchange_cancel(actor=world.member, exchange=exchange)
    with pytest.raises(ApplicationError, match="cancelled"):
        services.exchange_message_send(actor=world.member, exchange=exchange, text="Still on?")


def test_a_message_to_someone_not_online_goes_to_the_coordinators(
    world, bank, mailoutbox, django_capture_on_commit_callbacks
):
    request = services.listing_create(
        actor=world.coordinator,
        account=bank.assisted,
        kind=ListingKind.REQUEST,
        title="Lift to the surgery",
    )
    exchange = services.exchange_propose(actor=world.member, listing=request)
    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_message_send(
            actor=world.member, exchange=exchange, text="Tuesday at 9, Ron?"
        )
    # Each coordinator (Grace, and Helen the admin) is asked to pass it on.
    assert sorted(m.to[0] for m in mailoutbox) == ["grace@example.org", "helen@example.org"]
    for email in mailoutbox:
        assert email.subject == "For Ron Assisted: A message about Lift to the surgery"
        assert "This is for Ron Assisted, who is not online. Please pass it on" in email.body
        assert "Tuesday at 9, Ron?" in email.body
