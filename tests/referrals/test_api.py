"""Referrals, offers and escalations through the JSON API: the same rules as the pages.
Who may call each endpoint is in the permission matrix, tests/test_permission_matrix.py."""

import json

import pytest
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.referrals import escalations
from coproduce.referrals.models import Referral

from .conftest import triage
from .test_escalations import age


@pytest.fixture
def call(world, client):
    secrets = {}

    def call(person, method, path, body=None):
        hub = world.other_hub if person == world.outsider else world.hub
        if person.pk not in secrets:
            secrets[person.pk] = hubs.api_token_create(person=person, hub=hub)[1]
        response = getattr(client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secrets[person.pk]}"},
        )
        return response.status_code, response.json() if response.content else None

    return call


def referral_body(**changes):
    body = {
        "new_person_name": "Albert Shaw",
        "consent": {
            "given": True,
            "given_by": "The person themselves",
            "method": "phone",
            "given_on": timezone.localdate().isoformat(),
            "purpose": "To be referred to the time bank",
        },
        "description": "Lonely since his wife died; deaf in one ear.",
        "urgency": "soon",
        "preferred_times": ["mon-am"],
        "postcode_district": "mb 3",
    }
    return {**body, **changes}


def test_a_practice_system_refers_with_consent(world, scene, call):
    status, body = call(
        world.staff,
        "post",
        "/referrals",
        referral_body(consent={**referral_body()["consent"], "given": False}),
    )
    assert (status, body["field"]) == (400, "consent_given")
    assert Referral.objects.count() == 1
    status, body = call(world.staff, "post", "/referrals", referral_body())
    assert status == 201
    assert (body["status"], body["area"], body["person"]) == ("new", "MB3", "Albert Shaw")
    status, listed = call(world.staff, "get", "/referrals")
    assert {r["person"] for r in listed["items"]} == {"Albert Shaw", "Molly Jenkins"}
    assert listed["count"] == 2


def test_a_volunteer_sees_only_what_is_shared_and_answers(world, scene, call):
    from coproduce.referrals import services

    referral = triage(world, scene.referral)
    offer = services.offer_send(
        actor=world.coordinator, referral=referral, volunteer=scene.volunteer
    )
    status, listed = call(scene.volunteer, "get", "/offers")
    [mine] = listed["items"]
    assert (status, mine["id"], mine["status"]) == (200, offer.pk, "sent")
    status, seen = call(scene.volunteer, "get", f"/referrals/{referral.pk}")
    assert seen["person"] == "Molly"
    assert seen["description"] is None and seen["phone"] is None
    assert "hard of hearing" in seen["shared_note"]
    assert call(scene.unchecked, "post", f"/offers/{offer.pk}/accept")[0] == 404
    status, answered = call(scene.volunteer, "post", f"/offers/{offer.pk}/accept")
    assert (status, answered["status"]) == (200, "accepted")
    assert call(scene.volunteer, "get", f"/referrals/{referral.pk}")[1]["phone"] == "01632 960 555"
    status, progress = call(world.staff, "get", f"/referrals/{referral.pk}")
    assert progress["status"] == "matched" and progress["phone"] is None


def test_staff_list_and_resolve_escalations(world, scene, call):
    age(scene.referral, 30)
    [escalation] = escalations.sweep(hub=world.hub)
    status, listed = call(world.staff, "get", "/escalations?show=mine")
    [open_one] = listed["items"]
    assert (status, open_one["id"], open_one["assigned_to"]) == (
        200,
        escalation.pk,
        "Dr Amir Staff",
    )
    status, body = call(
        world.staff, "post", f"/escalations/{escalation.pk}/resolve", {"resolution": ""}
    )
    assert (status, body["field"]) == (400, "resolution")
    status, body = call(
        world.staff, "post", f"/escalations/{escalation.pk}/resolve", {"resolution": "Rang him."}
    )
    assert (status, body["status"]) == (200, "resolved")
