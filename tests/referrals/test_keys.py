"""Referrals, answers to offers and turns on a rota, sent twice with one key: saved once
(no second referral, no second person, no second turn), the first result given back and
the page says so; the same key with other content refused; racing requests make one."""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs import services as hubs
from coproduce.hubs.models import AuditEvent, Person
from coproduce.idempotency import replayed
from coproduce.referrals import schedule, services
from coproduce.referrals.models import Assignment, MatchOffer, OfferStatus, Referral
from tests.timebank.test_concurrency import run_at_once

from .conftest import friend_on_the_phone, triage
from .test_api import referral_body
from .test_projects import at


def referral_form(key, **changes):
    return {
        "person": "new",
        "new_name": "Albert Shaw",
        "consent_given": "on",
        "consent_given_by": "The person themselves",
        "consent_method": "phone",
        "consent_given_on": timezone.localdate().isoformat(),
        "consent_purpose": "To be referred",
        "description": "Lonely since his wife died.",
        "urgency": "routine",
        "key": key,
        **changes,
    }


def alberts():
    return Person.objects.filter(display_name="Albert Shaw").count()


def test_the_referral_form_sent_twice_refers_once(world, scene, client_for):
    client = client_for(world.staff)
    url = f"/hubs/{world.hub.slug}/referrals/new/"
    key = re.search(r'name="key" value="([0-9a-f]+)"', client.get(url).text)[1]
    # Refused for want of consent first: the key is not used up by a failed attempt.
    refused = client.post(url, referral_form(key, consent_given=""))
    assert refused.status_code == 400
    first = client.post(url, referral_form(key))
    again = client.post(url, referral_form(key), follow=True)
    assert first.status_code == 302
    assert again.redirect_chain[0][0] == first["Location"]
    assert "already saved" in again.text
    assert Referral.objects.filter(person__display_name="Albert Shaw").count() == 1
    assert alberts() == 1
    changed = client.post(url, referral_form(key, description="Needs lifts."))
    assert changed.status_code == 400
    assert "different details" in changed.text
    assert Referral.objects.count() == 2  # Molly's, and Albert's once


def test_the_referral_form_sent_again_after_going_back_refers_once(world, scene, client_for):
    """Back fetches the form again, with a new key, and the browser fills the fields in
    as they were: sent again, it is the same referral (one person, one notice)."""
    from coproduce.notify.models import Notification

    client = client_for(world.staff)
    url = f"/hubs/{world.hub.slug}/referrals/new/"

    def notices():
        return Notification.objects.filter(subject="New referral: urgent").count()

    first = client.post(url, referral_form(key_of(client.get(url)), urgency="urgent"))
    told = notices()
    again = client.post(url, referral_form(key_of(client.get(url)), urgency="urgent"), follow=True)
    assert first.status_code == 302 and told >= 1
    assert again.redirect_chain[0][0] == first["Location"]
    assert "already saved" in again.text
    assert Referral.objects.filter(person__display_name="Albert Shaw").count() == 1
    assert alberts() == 1
    assert notices() == told
    # Something else for the same person is a new referral.
    other = client.post(url, referral_form(key_of(client.get(url)), new_name="Alan Shaw"))
    assert other["Location"] != first["Location"]


def key_of(response) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', response.text)[1]


def test_the_api_refers_once_per_key(world, scene, client):
    secret = hubs.api_token_create(person=world.staff, hub=world.hub)[1]

    def post(body, key):
        response = client.post(
            "/api/v1/referrals",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key},
        )
        return response.status_code, response.json()

    first, again = post(referral_body(), "r-1"), post(referral_body(), "r-1")
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    status, error = post(referral_body(urgency="urgent"), "r-1")
    assert (status, error["field"]) == (409, "idempotency_key")
    assert alberts() == 1
    assert AuditEvent.objects.filter(event="referral.created", subject_id=first[1]["id"]).exists()
    assert AuditEvent.objects.filter(event="referral.created").count() == 2  # Molly, Albert


def test_one_persons_key_is_not_anothers(world, scene):
    from .conftest import consent

    def refer(actor):
        return services.referral_create(
            actor=actor,
            hub=world.hub,
            consent=consent(),
            description="Lifts",
            new_person={"display_name": "Albert Shaw"},
            key="same",
        )

    assert refer(world.staff).pk != refer(world.coordinator).pk


@pytest.mark.django_db(transaction=True)
def test_racing_referrals_with_the_same_key_make_one_referral_and_one_person(world, scene):
    secret = hubs.api_token_create(person=world.staff, hub=world.hub)[1]
    answers = []

    def work(_index):
        response = Client().post(
            "/api/v1/referrals",
            json.dumps(referral_body()),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "race"},
        )
        answers.append((response.status_code, response.json()))

    assert run_at_once(work, 6) == []
    assert [status for status, _ in answers] == [201] * 6
    assert len({body["id"] for _, body in answers}) == 1
    assert alberts() == 1
    assert Referral.objects.filter(person__display_name="Albert Shaw").count() == 1


def test_an_answer_to_an_offer_sent_twice_is_given_once(world, scene, client_for):
    referral = triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer, key="ask"
    )
    assert (
        services.offer_send(
            actor=world.coordinator, referral=referral, volunteer=scene.volunteer, key="ask"
        ).pk
        == offer.pk
    )
    client = client_for(scene.volunteer)
    url = f"/hubs/{world.hub.slug}/offers/{offer.pk}/"
    key = re.search(
        r'name="key" value="([0-9a-f]+)"',
        client.get(f"/hubs/{world.hub.slug}/referrals/{referral.pk}/").text,
    )[1]
    client.post(url, {"answer": "accept", "key": key})
    again = client.post(url, {"answer": "accept", "key": key}, follow=True)
    assert "already saved" in again.text
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    # Declining with the key used to accept is refused, and changes nothing.
    with pytest.raises(ApplicationError, match="different details"):
        services.offer_decline(actor=scene.volunteer, offer=offer, key=key)
    assert MatchOffer.objects.get(pk=offer.pk).status == OfferStatus.ACCEPTED


@pytest.fixture
def turns(world, scene):
    project = friend_on_the_phone(world)
    slots = services.slots_add(
        actor=world.coordinator,
        project=project,
        periods=schedule.weekly(at(2), weeks=3, minutes=30),
        role="caller",
        places=3,
    )
    services.training_record(actor=world.coordinator, project=project, person=world.member)
    return project, slots


def test_a_turn_taken_twice_with_its_key_is_taken_once(world, turns, client_for):
    project, slots = turns
    client = client_for(world.member)
    page = client.get(f"/hubs/{world.hub.slug}/projects/{project.pk}/").text
    key = re.search(r'name="key" value="([0-9a-f]+)"', page)[1]
    url = f"/hubs/{world.hub.slug}/rota/slots/{slots[0].pk}/take/"
    client.post(url, {"key": key})
    again = client.post(url, {"key": key}, follow=True)
    assert "already saved" in again.text
    assert Assignment.objects.filter(person=world.member).count() == 1
    other = client.post(f"/hubs/{world.hub.slug}/rota/slots/{slots[1].pk}/take/", {"key": key})
    assert "different details" in client.get(other["Location"]).text
    assert Assignment.objects.filter(person=world.member).count() == 1


def test_several_turns_sent_twice_are_taken_once(world, turns):
    _project, slots = turns
    first = services.assignments_take(actor=world.member, slots=slots[:2], key="many")
    again = services.assignments_take(actor=world.member, slots=slots[1::-1], key="many")
    assert [a.pk for a in again] == [a.pk for a in first] and replayed(again)
    with pytest.raises(ApplicationError, match="different details"):
        services.assignments_take(actor=world.member, slots=slots, key="many")
    assert Assignment.objects.filter(person=world.member).count() == 2


@pytest.mark.django_db(transaction=True)
def test_racing_requests_for_the_same_turns_take_them_once(world, turns):
    project, slots = turns
    secret_client = Client()
    secret_client.force_login(world.member)
    cookie = secret_client.cookies
    statuses = []

    def work(_index):
        client = Client()
        client.cookies = cookie
        response = client.post(
            f"/hubs/{world.hub.slug}/projects/{project.pk}/take/",
            {"slots": [slots[0].pk, slots[1].pk], "key": "race"},
            follow=True,
        )
        statuses.append((response.status_code, "already on this slot" in response.text))

    assert run_at_once(work, 6) == []
    assert statuses == [(200, False)] * 6
    assert Assignment.objects.filter(person=world.member).count() == 2
