"""Recording help already given, retried: the same key and content give the first
exchange; the same key with other content is refused; racing requests make one."""

import json
import re
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from coproduce.hubs import services as hubs
from coproduce.timebank.models import Exchange, ExchangeStatus

RECORD = {"other_account_id": None, "direction": "gave", "title": "Lift", "minutes": 45}


def api_post(client, secret, body, key=None):
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.post(
        "/api/v1/exchanges",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    return response.status_code, response.json()


def page_form(client, hub, other, key, title="Lift to the clinic"):
    return {
        "direction": "gave",
        "other": other.membership.person_id if other.membership_id else f"org-{other.pk}",
        "title": title,
        "hours": "1",
        "minutes": "0",
        "key": key,
    }


def test_the_record_page_sent_twice_records_once(world, bank, client_for):
    client = client_for(world.member)
    url = reverse("exchange-record", args=[world.hub.slug])
    key = re.search(r'name="key" value="([0-9a-f]+)"', client.get(url).content.decode())[1]
    sent = page_form(client, world.hub, bank.staff, key)
    first = client.post(url, sent)
    again = client.post(url, sent)
    exchange = Exchange.objects.get(hub=world.hub)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert again["Location"] == reverse("exchange-detail", args=[world.hub.slug, exchange.pk])
    assert exchange.status == ExchangeStatus.DONE


def test_the_record_page_resent_with_other_details_is_refused(world, bank, client_for):
    client = client_for(world.member)
    url = reverse("exchange-record", args=[world.hub.slug])
    assert client.post(url, page_form(client, world.hub, bank.staff, "k1")).status_code == 302
    changed = client.post(url, page_form(client, world.hub, bank.staff, "k1", title="Shopping"))
    assert changed.status_code == 400
    assert "already sent once with different details" in changed.content.decode()
    assert Exchange.objects.filter(hub=world.hub).count() == 1
    # A new page load is a new key: a second, different exchange is fine.
    again = page_form(client, world.hub, bank.staff, "k2", title="Shopping")
    assert client.post(url, again).status_code == 302
    assert Exchange.objects.filter(hub=world.hub).count() == 2


def test_the_page_key_is_the_persons_own(world, bank, client_for):
    url = reverse("exchange-record", args=[world.hub.slug])
    member = client_for(world.member)
    assert member.post(url, page_form(member, world.hub, bank.staff, "same")).status_code == 302
    staff = client_for(world.staff)
    assert staff.post(url, page_form(staff, world.hub, bank.member, "same")).status_code == 302
    assert Exchange.objects.filter(hub=world.hub).count() == 2


def test_the_api_honours_the_idempotency_key(world, bank, client):
    secret = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    body = {**RECORD, "other_account_id": bank.staff.pk}
    status, first = api_post(client, secret, body, key="retry-1")
    assert status == 201
    status, again = api_post(client, secret, body, key="retry-1")
    assert status == 201 and again["id"] == first["id"]
    status, error = api_post(client, secret, {**body, "minutes": 50}, key="retry-1")
    assert status == 409
    assert error["field"] == "idempotency_key"
    assert "different exchange" in error["detail"]
    assert Exchange.objects.filter(hub=world.hub).count() == 1
    # Without a key every call records: that is what the key is for.
    assert api_post(client, secret, body)[0] == 201
    assert Exchange.objects.filter(hub=world.hub).count() == 2


def test_an_overlong_idempotency_key_is_refused(world, bank, client):
    secret = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    body = {**RECORD, "other_account_id": bank.staff.pk}
    status, _error = api_post(client, secret, body, key="k" * 81)
    assert status in (400, 422)
    assert not Exchange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_racing_requests_with_the_same_key_record_one_exchange(world, bank):
    secret = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    body = {**RECORD, "other_account_id": bank.staff.pk}
    count = 6
    start = threading.Barrier(count)
    answers, errors = [], []

    def worker():
        try:
            start.wait()
            answers.append(api_post(Client(), secret, body, key="race"))
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert [status for status, _ in answers] == [201] * count
    assert len({answer["id"] for _, answer in answers}) == 1
    assert Exchange.objects.filter(hub=world.hub).count() == 1
