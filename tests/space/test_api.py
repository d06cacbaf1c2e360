"""Your Space through the JSON API: the same rules as the pages, for every persona (Sam
a member, Dr Amir staff, Grace a coordinator, Tunde Northfield's coordinator with
Northfield's key, and no key at all); another hub's key finds nothing; bad input names
its field and saves nothing; a retried create is one create."""

import json

import pytest

from coproduce.hubs import services as hubs
from coproduce.involve.space import services
from coproduce.involve.space.models import Ballot, Idea, Phase, Round

from .conftest import HOUR, propose, room_round, tenant, to_vote

PERSONAS = ("member", "staff", "coordinator", "other_coordinator", "anonymous")


@pytest.fixture
def call(world, client):
    secrets = {}

    def call(persona, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if persona != "anonymous":
            person = world.persona(persona)
            hub = world.other_hub if persona in ("outsider", "other_coordinator") else world.hub
            if persona not in secrets:
                secrets[persona] = hubs.api_token_create(person=person, hub=hub)[1]
            headers["Authorization"] = f"Bearer {secrets[persona]}"
        response = getattr(client, method)(
            f"/api/v1/hubs/millbrook/space{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=headers,
        )
        return response.status_code, response.json() if response.content else None

    return call


def expect(persona, **outcomes):
    return outcomes.get(persona, outcomes.get("default"))


# Away from Millbrook's key: another hub's key (404), no key (401).
ELSEWHERE = {"other_coordinator": 404, "anonymous": 401}


@pytest.fixture
def counted(world, voting):
    round_, (coffee, homework, football) = voting
    for n, chosen in enumerate([[coffee, football], [football], [homework], [coffee]]):
        services.ballot_cast(actor=tenant(world, n), round_=round_, ideas=chosen)
    services.ballot_cast(actor=world.member, round_=round_, ideas=[coffee, homework])
    return services.round_count(actor=world.coordinator, round_=round_), (
        coffee,
        homework,
        football,
    )


# --- rounds --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_listing_and_reading_rounds(world, call, voting, persona):
    round_, _ = voting
    status, body = call(persona, "get", "/rounds")
    assert status == expect(persona, default=200, **ELSEWHERE)
    status, one = call(persona, "get", f"/rounds/{round_.pk}")
    assert status == expect(persona, default=200, **ELSEWHERE)
    if status != 200:
        assert "community room" not in json.dumps(one).lower()
        return
    assert [r["title"] for r in body["items"]] == ["The community room, spring"]
    assert one["unit"] == "minutes" and one["amount"] == 20 * HOUR
    assert one["amount_words"] == "20 h a week"
    assert one["phase"] == "vote"
    assert one["rule"]["words"].startswith("Tick every project")
    assert one["weighting"]["words"] == "Every voter has an equal share."
    assert one["you_may"]["vote"] is True
    assert one["you_may"]["coordinate"] is (persona == "coordinator")


ROUND_BODY = {
    "title": "Community chest, summer",
    "resource": "money",
    "amount": 1500,
    "max_projects": 3,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_creating_a_round(world, call, persona):
    status, body = call(persona, "post", "/rounds", ROUND_BODY)
    assert status == expect(persona, default=403, coordinator=201, **ELSEWHERE)
    made = Round.objects.filter(hub=world.hub, title="Community chest, summer")
    assert made.count() == (1 if status == 201 else 0)
    if status == 201:
        assert (body["unit"], body["amount"], body["amount_words"]) == ("pounds", 1500, "£1,500")
        assert body["rule"]["max_projects"] == 3
        assert body["rule"]["words"] == "Choose up to 3 projects."


def test_the_same_idempotency_key_twice_creates_one_round(world, call):
    key = {"Idempotency-Key": "round-once-1"}
    first = call("coordinator", "post", "/rounds", ROUND_BODY, key)
    again = call("coordinator", "post", "/rounds", ROUND_BODY, key)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    assert Round.objects.filter(hub=world.hub).count() == 1
    status, body = call("coordinator", "post", "/rounds", {**ROUND_BODY, "amount": 99}, key)
    assert (status, body["field"]) == (409, "idempotency_key")
    assert Round.objects.filter(hub=world.hub).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": 10**12}, "amount"),
        ({"amount": 2 * 10**8}, "amount"),  # past what the service allows: named
        ({"amount": "20"}, "amount"),
        ({"min_projects": 4, "max_projects": 2}, "max_projects"),
        ({"min_spend_percent": 150}, "min_spend_percent"),
        ({"weighting": "deprivation", "extra_share_percent": 50}, "weighting_reason"),
        ({"resource": "gold"}, "resource"),
    ],
)
def test_a_bad_round_names_its_field_and_saves_nothing(world, call, change, field):
    status, body = call("coordinator", "post", "/rounds", {**ROUND_BODY, **change})
    assert status in (400, 422)
    assert field in json.dumps(body)
    assert not Round.objects.filter(hub=world.hub).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_moving_a_round_on(world, call, persona):
    round_ = room_round(world)
    status, _body = call(persona, "post", f"/rounds/{round_.pk}/phase", {"to": "feasibility"})
    assert status == expect(persona, default=403, coordinator=200, **ELSEWHERE)
    round_.refresh_from_db()
    assert round_.phase == ("feasibility" if status == 200 else "ideas")


def test_moving_on_to_a_phase_out_of_turn_is_refused(world, call):
    round_ = room_round(world)
    status, body = call("coordinator", "post", f"/rounds/{round_.pk}/phase", {"to": "result"})
    assert (status, body["field"]) == (400, "phase")
    status, body = call("coordinator", "post", f"/rounds/{round_.pk}/phase", {"to": "later"})
    assert status == 422


def test_rounds_of_another_hub_and_unknown_ones_are_not_found(world, call, client):
    other = room_round(world, actor=world.other_coordinator, hub=world.other_hub)
    assert call("coordinator", "get", f"/rounds/{other.pk}")[0] == 404
    assert call("coordinator", "get", f"/rounds/{2**70}")[0] == 404
    key = hubs.api_token_create(person=world.coordinator, hub=world.hub)[1]
    response = client.get(
        f"/api/v1/hubs/northfield/space/rounds/{other.pk}",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 404


# --- ideas ---------------------------------------------------------------------------------


IDEA = {"title": "Men's shed", "description": "Fix bikes.", "cost": 3 * HOUR, "run_by": "Ron"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_proposing_an_idea(world, call, persona):
    round_ = room_round(world)
    status, body = call(persona, "post", f"/rounds/{round_.pk}/ideas", IDEA)
    assert status == expect(persona, default=201, **ELSEWHERE)
    assert Idea.objects.filter(round=round_).count() == (1 if status == 201 else 0)
    if status == 201:
        assert (body["cost"], body["cost_words"], body["unit"]) == (180, "3 h a week", "minutes")
        assert body["proposer"] == world.persona(persona).display_name


def test_a_coordinator_proposes_for_someone_not_online(world, call):
    round_ = room_round(world)
    body = {**IDEA, "person_id": world.assisted.pk}
    status, idea = call("coordinator", "post", f"/rounds/{round_.pk}/ideas", body)
    assert status == 201
    assert (idea["proposer"], idea["entered_by"]) == ("Ron Assisted", "Grace Coordinator")
    status, refused = call("member", "post", f"/rounds/{round_.pk}/ideas", body)
    assert status == 403
    status, refused = call(
        "coordinator", "post", f"/rounds/{round_.pk}/ideas", {**body, "person_id": 2**40}
    )
    assert (status, refused["field"]) == (400, "person_id")
    assert Idea.objects.filter(round=round_).count() == 1


def test_an_idea_costing_more_than_the_round_is_refused(world, call):
    round_ = room_round(world)
    status, body = call("member", "post", f"/rounds/{round_.pk}/ideas", {**IDEA, "cost": 21 * 60})
    assert (status, body["field"]) == (400, "cost")
    assert "20 h a week" in body["detail"]
    status, body = call("member", "post", f"/rounds/{round_.pk}/ideas", {**IDEA, "cost": 10**30})
    assert status == 422 and "cost" in json.dumps(body)
    assert not Idea.objects.filter(round=round_).exists()


def test_the_same_idempotency_key_twice_proposes_once(world, call):
    round_ = room_round(world)
    key = {"Idempotency-Key": "idea-once"}
    first = call("member", "post", f"/rounds/{round_.pk}/ideas", IDEA, key)
    again = call("member", "post", f"/rounds/{round_.pk}/ideas", IDEA, key)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    assert Idea.objects.filter(round=round_).count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_checking_an_idea(world, call, persona):
    round_ = room_round(world)
    idea = propose(world, round_, "Coffee morning", 2)
    path = f"/rounds/{round_.pk}/ideas/{idea.pk}/check"
    status, body = call(persona, "post", path, {"feasible": False, "reason": "The room is damp."})
    assert status == expect(persona, default=200, member=403, **ELSEWHERE)
    idea.refresh_from_db()
    assert idea.feasibility == ("not_feasible" if status == 200 else "pending")
    if status == 200:
        assert body["feasibility_reason"] == "The room is damp."


def test_the_reason_is_for_the_proposer_and_staff(world, call):
    round_ = room_round(world)
    idea = propose(world, round_, "Coffee morning", 2, by=world.coordinator)
    services.idea_check(actor=world.staff, idea=idea, feasible=False, reason="No kitchen.")
    reasons = {
        p: call(p, "get", f"/rounds/{round_.pk}/ideas")[1][0]["feasibility_reason"]
        for p in ("member", "staff", "coordinator")
    }
    assert reasons == {"member": None, "staff": "No kitchen.", "coordinator": "No kitchen."}
    status, body = call(
        "staff", "post", f"/rounds/{round_.pk}/ideas/{idea.pk}/check", {"feasible": False}
    )
    assert (status, body["field"]) == (400, "reason")


@pytest.mark.parametrize("persona", PERSONAS)
def test_listing_ideas(world, call, voting, persona):
    round_, ideas = voting
    status, body = call(persona, "get", f"/rounds/{round_.pk}/ideas")
    assert status == expect(persona, default=200, **ELSEWHERE)
    if status == 200:
        assert sorted(i["id"] for i in body) == sorted(i.pk for i in ideas)
        assert {i["cost_words"] for i in body} == {"2 h a week", "6 h a week", "14 h a week"}


# --- ballots -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_casting_and_reading_my_ballot(world, call, voting, persona):
    round_, (coffee, homework, football) = voting
    path = f"/rounds/{round_.pk}/ballot"
    status, body = call(persona, "post", path, {"ideas": [coffee.pk, football.pk]})
    assert status == expect(persona, default=200, **ELSEWHERE)
    if status != 200:
        assert not Ballot.objects.filter(round=round_).exists()
        return
    assert body["ideas"] == sorted([coffee.pk, football.pk])
    status, body = call(persona, "post", path, {"ideas": [homework.pk]})
    assert (status, body["titles"]) == (200, ["Homework club"])
    status, mine = call(persona, "get", path)
    assert (status, mine["ideas"]) == (200, [homework.pk])
    assert Ballot.objects.filter(round=round_).count() == 1


def test_no_ballot_yet_is_not_found(world, call, voting):
    round_, _ = voting
    assert call("member", "get", f"/rounds/{round_.pk}/ballot")[0] == 404


def test_a_coordinator_enters_a_paper_ballot_for_someone_not_online(world, call, voting):
    round_, (coffee, _, _) = voting
    path = f"/rounds/{round_.pk}/ballot"
    body = {"ideas": [coffee.pk], "person_id": world.assisted.pk, "paper": True}
    status, ballot = call("coordinator", "post", path, body)
    assert status == 200
    assert (ballot["voter"], ballot["paper"], ballot["entered_by"]) == (
        "Ron Assisted",
        True,
        "Grace Coordinator",
    )
    assert call("member", "post", path, body)[0] == 403
    assert call("member", "post", path, {"ideas": [coffee.pk], "paper": True})[0] == 403
    assert Ballot.objects.filter(round=round_).count() == 1


@pytest.mark.parametrize(
    "ideas",
    [[2**40], [1, 1], "nonsense", [True], [-3], [2**70]],
    ids=["unknown", "twice", "text", "true", "negative", "huge"],
)
def test_a_bad_ballot_names_ideas_and_saves_nothing(world, call, voting, ideas):
    round_, _ = voting
    status, body = call("member", "post", f"/rounds/{round_.pk}/ballot", {"ideas": ideas})
    assert status in (400, 422)
    assert "ideas" in json.dumps(body)
    assert not Ballot.objects.filter(round=round_).exists()


def test_a_ballot_outside_the_rule_is_refused(world, call):
    round_ = room_round(world, max_projects=1)
    ideas = [propose(world, round_, "Coffee morning", 2), propose(world, round_, "Shed", 3)]
    to_vote(world, round_, ideas)
    status, body = call(
        "member", "post", f"/rounds/{round_.pk}/ballot", {"ideas": [i.pk for i in ideas]}
    )
    assert (status, body["field"]) == (400, "ideas")
    assert body["detail"] == "Choose at most 1 projects."
    assert not Ballot.objects.filter(round=round_).exists()


def test_a_vote_after_the_close_is_refused(world, call, counted):
    round_, (coffee, _, _) = counted
    status, body = call("member", "post", f"/rounds/{round_.pk}/ballot", {"ideas": [coffee.pk]})
    assert (status, body["field"]) == (400, "ideas")
    assert body["detail"] == "The vote has closed."


# --- the result and overrides --------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_result(world, call, counted, persona):
    round_, (coffee, homework, _football) = counted
    status, body = call(persona, "get", f"/rounds/{round_.pk}/result")
    assert status == expect(persona, default=200, **ELSEWHERE)
    if status != 200:
        return
    stored = {i.pk: i for i in Idea.objects.filter(round=round_)}
    assert body["voters"] == 5
    assert body["funded"] == sorted(pk for pk, i in stored.items() if i.funded)
    assert set(body["equal_shares"]["selected"]) == {
        pk for pk, i in stored.items() if i.funded_by_count
    }
    assert set(body["greedy"]["selected"]) == {pk for pk, i in stored.items() if i.funded_by_greedy}
    for idea in body["ideas"]:
        assert idea["needed"] == stored[idea["id"]].needed
    assert body["areas"] == [{"area": "", "voters": 5}]  # fewer than five in any one area
    assert body["override"] is None
    share = body["my_share"]
    if persona == "member":
        assert share["share"] == 20 * HOUR // 5
        assert share["share_words"] == "4 h a week"
        assert {p["idea_id"] for p in share["paid"]} <= {coffee.pk, homework.pk}
    else:
        assert share is None


def test_no_result_before_the_count(world, call, voting):
    round_, _ = voting
    assert call("member", "get", f"/rounds/{round_.pk}/result")[0] == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_overriding_a_result(world, call, counted, persona):
    round_, (_coffee, homework, _football) = counted
    body = {"funded": [homework.pk], "reason": "The football pitch is closed for repairs."}
    status, answer = call(persona, "post", f"/rounds/{round_.pk}/override", body)
    assert status == expect(persona, default=403, coordinator=200, **ELSEWHERE)
    round_.refresh_from_db()
    assert bool(round_.override_reason) is (status == 200)
    if status == 200:
        assert answer["funded"] == [homework.pk]
        assert answer["override"]["reason"] == body["reason"]
        assert answer["override"]["by"] == "Grace Coordinator"


def test_an_override_needs_a_reason_and_must_fit(world, call, counted):
    round_, (coffee, homework, football) = counted
    path = f"/rounds/{round_.pk}/override"
    status, body = call("coordinator", "post", path, {"funded": [homework.pk], "reason": "no"})
    assert (status, body["field"]) == (400, "reason")
    everything = [coffee.pk, homework.pk, football.pk]
    status, body = call(
        "coordinator", "post", path, {"funded": everything, "reason": "Everyone wants it all."}
    )
    assert (status, body["field"]) == (400, "funded")  # 22 h: more than the 20 h shared
    status, body = call(
        "coordinator", "post", path, {"funded": [2**40], "reason": "Everyone wants it all."}
    )
    assert (status, body["field"]) == (400, "funded")
    round_.refresh_from_db()
    assert round_.override_reason == ""


def test_a_whole_round_through_the_api(world, call):
    status, round_ = call(
        "coordinator",
        "post",
        "/rounds",
        {"title": "Room", "resource": "room", "amount": 10 * HOUR, "space_name": "Room"},
    )
    base = f"/rounds/{round_['id']}"
    ids = []
    for title, hours in (("Coffee morning", 2), ("Homework club", 8)):
        status, idea = call(
            "member",
            "post",
            base + "/ideas",
            {"title": title, "description": "Weekly.", "cost": hours * HOUR, "run_by": "Sam"},
        )
        ids.append(idea["id"])
    assert call("coordinator", "post", base + "/phase", {"to": "feasibility"})[0] == 200
    for pk in ids:
        assert call("staff", "post", f"{base}/ideas/{pk}/check", {"feasible": True})[0] == 200
    assert call("coordinator", "post", base + "/phase", {"to": "vote"})[0] == 200
    assert call("member", "post", base + "/ballot", {"ideas": ids})[0] == 200
    status, counted = call("coordinator", "post", base + "/phase", {"to": "result"})
    assert (status, counted["phase"]) == (200, Phase.RESULT)
    status, result = call("member", "get", base + "/result")
    assert sorted(result["funded"]) == sorted(ids)
    assert result["my_share"]["left"] == 0


def test_the_schema_lists_every_space_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/hubs/{slug}/space/rounds"
    for path, method in [
        (base, "get"),
        (base, "post"),
        (base + "/{round_id}", "get"),
        (base + "/{round_id}/phase", "post"),
        (base + "/{round_id}/ideas", "get"),
        (base + "/{round_id}/ideas", "post"),
        (base + "/{round_id}/ideas/{idea_id}/check", "post"),
        (base + "/{round_id}/ballot", "post"),
        (base + "/{round_id}/ballot", "get"),
        (base + "/{round_id}/result", "get"),
        (base + "/{round_id}/override", "post"),
    ]:
        assert method in paths[path], (path, method)
    proposed = paths[base + "/{round_id}/ideas"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in proposed["parameters"]}
