"""Corrections, group exchanges and the chest, sent twice with one key: saved once, the
first result given back and the page says so; the same key with other content refused."""

import json
import re

import pytest
from django.urls import reverse

from coproduce.audit import AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.hubs.models import AuditEvent
from coproduce.idempotency import replayed
from coproduce.timebank import services
from coproduce.timebank.models import Exchange, ListingKind, Transfer, TransferKind


def confirmed_exchange(world, bank):
    listing = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Garden"
    )
    exchange = services.exchange_propose(actor=world.staff, listing=listing)
    services.exchange_agree(actor=world.member, exchange=exchange)
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=60)
    return services.exchange_confirm(actor=world.staff, exchange=exchange)


def hidden_key(html: str, name: str = "key") -> str:
    return re.search(rf'name="{name}" value="([0-9a-f]+)"', html)[1]


def test_a_reversal_sent_again_with_its_key_gives_the_first(world, bank):
    exchange = confirmed_exchange(world, bank)
    first = services.exchange_reverse(
        actor=world.coordinator, exchange=exchange, reason="Typo", key="k"
    )
    again = services.exchange_reverse(
        actor=world.coordinator, exchange=exchange, reason="Typo", key="k"
    )
    assert again.pk == first.pk and replayed(again) and not replayed(first)
    with pytest.raises(ApplicationError, match="different details") as refused:
        services.exchange_reverse(
            actor=world.coordinator, exchange=exchange, reason="Other", key="k"
        )
    assert refused.value.status == 409
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1
    assert AuditEvent.objects.filter(event=AuditKind.TRANSFER_REVERSED).count() == 1
    # Without the key a second reversal is refused as before.
    with pytest.raises(ApplicationError, match="already been reversed"):
        services.exchange_reverse(actor=world.coordinator, exchange=exchange, reason="Typo")


def test_the_reverse_form_sent_twice_says_it_was_already_saved(world, bank, client_for):
    exchange = confirmed_exchange(world, bank)
    client = client_for(world.coordinator)
    page = client.get(reverse("exchange-detail", args=[world.hub.slug, exchange.pk])).text
    key = hidden_key(page, "reverse-key")
    url = reverse("exchange-reverse", args=[world.hub.slug, exchange.pk])
    sent = {"reverse-reason": "Logged twice", "reverse-key": key}
    assert client.post(url, sent).status_code == 302
    again = client.post(url, sent, follow=True)
    assert "already saved" in again.text
    changed = client.post(url, {**sent, "reverse-reason": "Something else"})
    assert changed.status_code == 400
    assert "different details" in changed.text
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1


def test_the_api_reversal_honours_the_idempotency_key(world, bank, client):
    exchange = confirmed_exchange(world, bank)
    secret = hubs.api_token_create(person=world.coordinator, hub=world.hub)[1]

    def post(reason, key):
        return client.post(
            f"/api/v1/transfers/{exchange.transfer_id}/reverse",
            json.dumps({"reason": reason}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key},
        )

    first, again = post("Typo", "r1"), post("Typo", "r1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    refused = post("Another reason", "r1")
    assert refused.status_code == 409 and refused.json()["field"] == "idempotency_key"
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1


def test_a_group_sent_twice_with_its_key_is_recorded_once(world, bank, client_for):
    client = client_for(world.staff)
    url = reverse("group-record", args=[world.hub.slug])
    key = hidden_key(client.get(url).text)
    sent = {
        "title": "Workshop",
        "organisation": bank.health_centre.pk,
        "members": [world.member.pk, world.assisted.pk],
        "hours": "1",
        "minutes": "0",
        "key": key,
    }
    first = client.post(url, sent)
    again = client.post(url, sent, follow=True)
    assert first.status_code == 302
    assert "already saved" in again.text
    assert Exchange.objects.filter(is_group=True).count() == 1
    changed = client.post(url, {**sent, "title": "Another workshop"})
    assert changed.status_code == 400 and "different details" in changed.text
    assert Exchange.objects.filter(is_group=True).count() == 1
    bank.member.refresh_from_db()
    assert bank.member.balance_minutes == 60


def test_the_chest_page_sent_twice_gives_once_and_says_so(world, bank, client_for):
    client = client_for(world.member)
    url = reverse("chest", args=[world.hub.slug])
    key = hidden_key(client.get(url).text, "donate-key")
    sent = {"form": "donate", "donate-hours": "0", "donate-minutes": "30", "donate-key": key}
    client.post(url, sent)
    again = client.post(url, sent, follow=True)
    assert "already saved" in again.text
    bank.member.refresh_from_db()
    assert bank.member.balance_minutes == -30
    assert AuditEvent.objects.filter(event=AuditKind.CHEST_DONATED).count() == 1
    # Another person sending the same key gives their own hours: keys are per person.
    other = client_for(world.staff)
    other.post(url, sent)
    assert Transfer.objects.filter(kind=TransferKind.DONATION).count() == 2


def test_answering_a_listing_twice_with_its_key_proposes_once(world, bank, client_for):
    listing = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Garden"
    )
    staff = client_for(world.staff)
    url = reverse("listing-detail", args=[world.hub.slug, listing.pk])
    sent = {"note": "Saturday?", "key": hidden_key(staff.get(url).text)}
    first = staff.post(url, sent)
    again = staff.post(url, sent, follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    assert "already saved" in again.text
    assert Exchange.objects.filter(listing=listing).count() == 1
    refused = staff.post(url, {**sent, "note": "Sunday?"}, follow=True)
    assert "different details" in refused.text
    assert Exchange.objects.filter(listing=listing).count() == 1


def test_a_gift_to_the_chest_sent_again_with_a_new_key_is_given_once(world, bank, client_for):
    """Back, then Give again: the page fetched anew has a new key, the boxes are filled
    in as before, and the hours move once."""
    from django.urls import reverse

    from coproduce.timebank.models import Transfer, TransferKind

    client = client_for(world.member)
    url = reverse("chest", args=[world.hub.slug])
    form = {"form": "donate", "donate-hours": "1", "donate-minutes": "0"}
    for key in ("k-first", "k-second"):
        response = client.post(url, {**form, "donate-key": key}, follow=True)
        assert response.status_code == 200
    assert Transfer.objects.filter(hub=world.hub, kind=TransferKind.DONATION).count() == 1
    assert "already saved" in response.text
    bank.member.refresh_from_db()
    assert bank.member.balance_minutes == -60
