"""The scorecard in the JSON API and on the command line: the page's figures."""

import json

import pytest
from django.core.management import CommandError, call_command

from coproduce.hubs import services as hubs
from coproduce.pledges import selectors
from tests.pledges.scorecard_world import (
    closed_on_time_without_a_fix,
    published_pledge,
    reports_over_time,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(world):
    pledge = published_pledge(world)
    reports_over_time(world, pledge)
    return pledge


def test_the_api_gives_the_scorecard_of_a_pledge_of_the_keys_hub(client, world, pledge):
    key = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    response = client.get(
        f"/api/v1/pledges/{pledge.slug}/scorecard", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["pledge"]["title"] == pledge.title
    assert body["total"]["reports"] == 4
    assert body["total"]["kept"] == 1 and body["total"]["not_kept"] == 2
    assert body["total"]["enough_to_judge"] is False
    assert {c["name"] for c in body["categories"]} == {"GP call-back", "Test results"}
    assert body["users_side"][0]["commitment"] == "Cancel appointments you cannot keep"
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/pledges/{pledge_slug}/scorecard" in schema["paths"]
    tally = schema["components"]["schemas"]["TallyOut"]["properties"]
    assert "neither kept nor not kept" in tally["closed_without_fix"]["description"]


def test_the_api_and_the_command_count_closures_without_a_fix_apart(
    client, tmp_path, capsys, world
):
    pledge = published_pledge(world)
    closed_on_time_without_a_fix(world, pledge)
    key = hubs.api_token_create(person=world.member, hub=world.hub)[1]
    body = client.get(
        f"/api/v1/pledges/{pledge.slug}/scorecard", headers={"Authorization": f"Bearer {key}"}
    ).json()
    total = body["total"]
    assert (total["reports"], total["closed"], total["fixed_on_time"], total["kept"]) == (
        5,
        5,
        0,
        0,
    )
    assert (total["closed_not_fixed"], total["not_kept"], total["closed_without_fix"]) == (1, 1, 4)
    assert total["share_kept"] == 0 and total["median_hours_to_close"] is None
    assert "closed as fixed" in body["rules"]["kept"]
    callback = next(c for c in body["categories"] if c["name"] == "GP call-back")
    assert callback["total"]["closed_without_fix"] == 4

    out = tmp_path / "scorecard.json"
    call_command("pledges", "scorecard", "--hub", world.hub.slug, "--json", str(out))
    [written] = json.loads(out.read_text())["pledges"]
    assert written["total"] == total
    printed = capsys.readouterr().out
    assert (
        "Our surgery promise: too few to judge (1), 5 reports, 4 closed without a fix." in printed
    )


def test_another_hubs_key_finds_no_such_pledge(client, world, pledge):
    key = hubs.api_token_create(person=world.outsider, hub=world.other_hub)[1]
    response = client.get(
        f"/api/v1/pledges/{pledge.slug}/scorecard", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 404
    assert pledge.title not in response.content.decode()


def test_the_command_writes_the_hubs_scorecards(tmp_path, capsys, world, pledge):
    out = tmp_path / "scorecard.json"
    call_command("pledges", "scorecard", "--hub", world.hub.slug, "--json", str(out))
    body = json.loads(out.read_text())
    assert body["hub"] == world.hub.slug
    [written] = body["pledges"]
    expected = selectors.pledge_scorecard(pledge).as_json()
    assert written["total"] == expected["total"]
    assert written["categories"] == expected["categories"]
    printed = capsys.readouterr().out
    assert "Our surgery promise: too few to judge (3), 4 reports." in printed


def test_the_command_names_what_is_wrong(tmp_path, world, pledge):
    with pytest.raises(CommandError, match="--hub"):
        call_command("pledges", "scorecard", "--hub", "nowhere", "--json", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="--pledge"):
        call_command(
            "pledges", "scorecard", "--hub", world.hub.slug, "--pledge", "nope",
            "--json", str(tmp_path / "x"),
        )  # fmt: skip
    with pytest.raises(CommandError, match="--json"):
        call_command(
            "pledges", "scorecard", "--hub", world.hub.slug, "--json", str(tmp_path / "no/dir/x")
        )
