"""Pledges in the JSON API: public without a key, drafts for the hub's members, names of
who signed for members only, and the schema. Who gets what is also in the permission
matrix (tests/test_permission_matrix.py)."""

import pytest

from coproduce.hubs import services as hubs
from coproduce.pledges import services


def key(person, hub):
    return {"Authorization": f"Bearer {hubs.api_token_create(person=person, hub=hub)[1]}"}


def test_a_published_pledge_needs_no_key(client, world, published):
    found = client.get(f"/api/v1/pledges/{published.pk}").json()
    assert found["version"] == 1 and found["status"] == "published"
    [callback, prescriptions] = found["targets"]
    assert callback["target"] == "the same working day"
    assert prescriptions["questions"][0]["required"] is True
    assert found["user_commitments"] == [
        {"text": "Cancel appointments you cannot keep", "measure": "Missed appointments"}
    ]
    # Below five votes, neither a share nor the counts: a public figure of a few people.
    grown = found["grown_from"][0]
    assert grown["agree_share"] is grown["agree"] is grown["disagree"] is grown["passed"] is None
    [version] = found["versions"]
    assert version["changes"] == ["First version: 2 targets."]
    assert {s["role"] for s in version["sign_offs"]} == {"staff", "users"}
    assert all(s["name"] is None for s in version["sign_offs"])
    listed = client.get("/api/v1/pledges?hub=millbrook").json()
    assert [p["slug"] for p in listed] == [published.slug]


def test_drafts_are_for_the_hub_s_members(client, world, drafted):
    assert client.get(f"/api/v1/pledges/{drafted.pk}").status_code == 404
    outsider = key(world.outsider, world.other_hub)
    assert client.get(f"/api/v1/pledges/{drafted.pk}", headers=outsider).status_code == 404
    assert client.get("/api/v1/pledges?hub=millbrook", headers=outsider).json() == []
    member = key(world.member, world.hub)
    found = client.get(f"/api/v1/pledges/{drafted.pk}", headers=member).json()
    assert found["status"] == "draft" and found["version"] is None
    assert [p["id"] for p in client.get("/api/v1/pledges", headers=member).json()] == [drafted.pk]


def test_names_of_who_signed_are_for_members(client, world, published):
    member = key(world.member, world.hub)
    found = client.get(f"/api/v1/pledges/{published.pk}", headers=member).json()
    names = {s["name"] for s in found["versions"][0]["sign_offs"]}
    assert names == {"Dr Amir Staff", "Sam Member"}


def test_lineage_both_ways(client, world, published):
    services.pledge_offer_as_template(actor=world.coordinator, pledge=published, offered=True)
    local = services.pledge_adopt(
        actor=world.other_coordinator, template=published, hub=world.other_hub
    )
    tunde = key(world.other_coordinator, world.other_hub)
    found = client.get(f"/api/v1/pledges/{local.pk}", headers=tunde).json()
    assert found["adopted_from"] == published.pk and found["changed_from_template"] == []
    template = client.get(f"/api/v1/pledges/{published.pk}").json()
    assert template["adopted_by"] == []  # a draft is not shown until it is published


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/pledges", 400, "hub"),
        ("/api/v1/pledges?hub=nowhere", 404, "hub"),
    ],
)
def test_bad_requests_name_the_field(client, world, path, status, field):
    response = client.get(path)
    assert response.status_code == status and response.json()["field"] == field


def test_a_bad_key_is_refused_even_where_none_is_needed(client, world, published):
    bad = {"Authorization": "Bearer cp_made-up"}
    assert client.get(f"/api/v1/pledges/{published.pk}", headers=bad).status_code == 401


def test_the_schema_lists_the_pledge_calls(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/pledges" in paths and "/api/v1/pledges/{pledge_id}" in paths
