"""The report says how much evidence each figure rests on: how many people are behind
each group's and role's share, "too few votes" instead of a share, the predicted share
of all participants with its range, and finer groups on request (a few people never
shown as figures of their own). The stored result and the command line's JSON carry the
sub-groups and predictions, and the command line's common ground is in the engine's
order."""

import csv
import io
import json
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from coproduce.deliberation import engine, evidence, polis, selectors, services
from coproduce.deliberation.models import AnalysisResult, StatementTally
from coproduce.deliberation.services.analysis import (
    READABLE_FORMATS,
    RESULT_FORMAT,
    analysis_as_json,
)
from coproduce.deliberation.templatetags.deliberation import predicted_cell, predicted_words

DATA = Path(__file__).resolve().parent.parent / "data" / "polis"
SEEDS = [
    "Repairs should get a date within a week.",
    "The bins should be emptied twice a week.",
    "Cars should be kept out of the courtyards.",
    "The community room should open on Sundays.",
]


@pytest.fixture
def conversation(world):
    return services.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What would make the estate better?",
        seeds=SEEDS,
    )


def url(conversation, name=""):
    return f"/hubs/{conversation.hub.slug}/conversations/{conversation.pk}/{name}"


def store(conversation, decided=None, **changes) -> dict:
    """A stored analysis in the current shape: two groups (A of 30, B of 20); group A
    made of a finer group of 27 and one of 3. Each statement's running tally is the sum
    of the groups' (or, for a statement in `decided`, those agrees of that many)."""
    repairs, bins, cars, room = (s.pk for s in conversation.statements.order_by("id")[:4])
    result = {
        "format": RESULT_FORMAT,
        "ready": True,
        "message": "",
        "k": 2,
        "min_voters": evidence.MIN_VOTERS,
        "participants": {},
        "map": {},
        "staff": [],
        "groups": [
            {
                "id": 0,
                "size": 30,
                "staff": 4,
                "users": 26,
                "representative": [
                    {"statement": str(cars), "direction": "agree", "agree_share": 0.8, "votes": 25}
                ],
            },
            {
                "id": 1,
                "size": 20,
                "staff": 2,
                "users": 18,
                "representative": [
                    # Three people in group B took a side: no share to show.
                    {"statement": str(room), "direction": "agree", "agree_share": 1.0, "votes": 3}
                ],
            },
        ],
        "subgroups": [
            {
                "id": 0,
                "group": 0,
                "size": 27,
                "representative": [
                    {"statement": str(bins), "direction": "agree", "agree_share": 0.9, "votes": 20}
                ],
            },
            {
                "id": 1,
                "group": 0,
                "size": 3,
                "representative": [
                    {
                        "statement": str(room),
                        "direction": "disagree",
                        "agree_share": 0.333,
                        "votes": 3,
                    }
                ],
            },
            {"id": 2, "group": 1, "size": 20, "representative": []},
        ],
        "tallies": {
            str(repairs): [[44, 48], [19, 20]],
            str(bins): [[20, 25], [2, 4]],
            str(cars): [[20, 25], [3, 19]],
            str(room): [[1, 3], [3, 3]],
        },
        "predicted": {
            str(repairs): [0.72, 0.64, 0.8],
            str(bins): [0.55, 0.3, 0.8],
            str(cars): [0.5, 0.41, 0.6],
            str(room): [0.51, 0.2, 0.83],
        },
        "consensus": [str(repairs)],
        # What the engine ranks common ground by: the least sure group's 90% lower bound.
        "surely": {
            str(repairs): math.floor(100 * float(evidence.lower_bound([44, 19], [48, 20]).min()))
        },
        "divides": [str(cars)],
        "role_consensus": [],
        "role_divides": [],
    }
    result.update(changes)
    AnalysisResult.objects.update_or_create(conversation=conversation, defaults={"result": result})
    for statement, per_group in result["tallies"].items():
        agree, voted = (sum(column) for column in zip(*per_group, strict=True))
        agree, voted = (decided or {}).get(int(statement), (agree, voted))
        StatementTally.objects.update_or_create(
            statement_id=int(statement),
            defaults={
                "conversation": conversation,
                "agree": agree,
                "disagree": voted - agree,
            },
        )
    return result


def test_each_share_says_how_many_people_it_rests_on_and_too_few_is_not_a_share(
    world, conversation, client_for
):
    store(conversation)
    page = client_for(world.member).get(url(conversation, "report/"))
    assert page.status_code == 200
    body = page.content.decode()
    # Common ground: each group's share with the people behind it, and everyone predicted.
    assert "Group A: 92% agree (44 of 48)" in body
    assert "Group B: 95% agree (19 of 20)" in body
    assert "About 72% of all participants would agree (between 64% and 80%)." in body
    assert "ordered by how sure we can be that every group agrees" in body
    assert "at least 5 people in every group" in body
    assert body.count('id="predicted-explained"') == 1
    # The table of every statement: group B's four votes on the bins are too few.
    assert 'data-label="Group B agrees">too few (4)</td>' in body
    assert 'data-label="Group A agrees">80% of 25</td>' in body
    assert "about 55% (30% to 80%)" in body
    # What sets a group apart: with its count, or too few votes.
    assert "Group A: 80% agree (20 of 25)" in body
    assert "Group B: too few votes (3)" in body
    assert "100%" not in body  # three of three is not "100%"


def test_a_conversation_may_ask_for_more_voters_before_a_share_is_shown(
    world, conversation, client_for
):
    store(conversation, min_voters=30)
    report = selectors.report(conversation)
    assert report["min_voters"] == 30
    for row in report["statements"]:
        for _letter, share, votes in row.by_group:
            assert share is None or votes >= 30
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert "Group A: too few votes (25)" in body  # what sets A apart: 25 < 30
    assert "at least 30 people in every group" in body


def test_finer_groups_are_shown_on_request_and_a_few_people_never_as_figures(
    world, conversation, client_for
):
    store(conversation)
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    start = body.index("<details")
    details = body[start : body.index("</details>", start)]
    assert "<summary>Finer groups inside group A</summary>" in details
    assert "Finer group A1: 27 people" in details
    assert "Group A1: 90% agree (18 of 20)" in details
    assert "Finer group A2: a few people" in details
    assert "33%" not in details and "The community room" not in details
    # Group B is not divided further: nothing about finer groups.
    assert body.count("<details") == 1
    assert "inside group B" not in body
    # The print view shows them opened.
    printed = client_for(world.member).get(url(conversation, "report/print/")).content.decode()
    assert '<details class="subgroups" open>' in printed


def test_with_one_finer_group_per_group_nothing_is_said_about_them(world, conversation, client_for):
    store(
        conversation,
        subgroups=[
            {"id": 0, "group": 0, "size": 30, "representative": []},
            {"id": 1, "group": 1, "size": 20, "representative": []},
        ],
    )
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert "<details" not in body and "Finer group" not in body


def test_a_result_in_the_old_shape_is_worked_out_again(world, conversation, client_for):
    store(conversation, format=min(READABLE_FORMATS) - 1)
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert "The groups are being worked out again" in body
    assert "would agree" not in body


def test_the_csv_has_the_people_behind_each_share_and_the_prediction(
    world, conversation, client_for
):
    store(conversation)
    download = client_for(world.member).get(url(conversation, "report.csv"))
    rows = {r["statement"]: r for r in csv.DictReader(io.StringIO(b"".join(download).decode()))}
    bins = rows[SEEDS[1]]
    assert bins["group A agree share"] == "0.800"
    assert bins["group B agree share"] == ""  # too few votes: no share
    assert bins["group B people who agreed or disagreed"] == "4"
    assert bins["all participants would agree (predicted)"] == "0.550"
    assert (bins["predicted low"], bins["predicted high"]) == ("0.300", "0.800")


def small_votes():
    """Two outlooks of twelve people each on eight statements, all voting."""
    log = []
    for person in range(24):
        for statement in range(8):
            side = 1 if person < 12 else -1
            value = 1 if statement < 3 else side * (1 if statement % 2 else -1)
            log.append((person, statement, value))
    return engine.Votes.from_log(log)


def test_the_stored_result_has_sub_groups_predictions_and_the_minimum_of_voters():
    analysis = engine.analyse(small_votes())
    result = analysis_as_json(analysis)
    assert result["format"] == RESULT_FORMAT
    assert result["min_voters"] == evidence.MIN_VOTERS
    # Everything from before is kept.
    for key in ("participants", "groups", "consensus", "divides", "map", "tallies", "k"):
        assert key in result
    assert "subgroup_of" not in result  # for the command line only
    groups = {g["id"] for g in result["groups"]}
    assert result["subgroups"]
    for sub in result["subgroups"]:
        assert set(sub) == {"id", "group", "size", "representative"}
        assert sub["group"] in groups and sub["size"] > 0
    sizes = {g["id"]: g["size"] for g in result["groups"]}
    for gid, size in sizes.items():
        assert sum(s["size"] for s in result["subgroups"] if s["group"] == gid) == size
    assert set(result["predicted"]) == {str(s) for s in range(8)}
    for share, low, high in result["predicted"].values():
        assert 0 <= low <= share <= high <= 1
        assert all(round(x, 3) == x for x in (share, low, high))
    json.dumps(result)  # storable as it is


def test_the_command_line_common_ground_is_the_engine_order(tmp_path):
    directory = DATA / "15-per-hour-seattle"
    out = tmp_path / "out.json"
    printed = io.StringIO()
    call_command("opinion", "analyse", str(directory), "--json", str(out), stdout=printed)
    written = json.loads(out.read_text())
    export = polis.read_export(directory)
    analysis = engine.analyse(engine.Votes.from_log(export.votes))
    assert written["consensus"] == [str(s) for s in analysis.consensus]
    assert written["divides"] == [str(s) for s in analysis.divides]
    said = printed.getvalue()
    assert f"{len(export.votes):,} votes from {len(written['participants'])} people: " in said
    assert "common-ground statement" in said and "(surest first)" in said
    assert set(written["subgroup_of"]) == set(written["participants"])
    subgroup_ids = {s["id"] for s in written["subgroups"]}
    for participant, sub in written["subgroup_of"].items():
        assert sub is None or sub in subgroup_ids
        if sub is not None:
            group = next(s["group"] for s in written["subgroups"] if s["id"] == sub)
            assert written["participants"][participant] == group
    assert set(written["predicted"]) >= set(written["consensus"])


def test_the_json_export_has_no_figures_of_a_few_people(world, conversation, client_for):
    store(conversation)
    download = client_for(world.member).get(url(conversation, "report.json"))
    analysis = json.loads(b"".join(download))["analysis"]
    few = [s for s in analysis["subgroups"] if s.get("few")]
    assert few == [{"id": 1, "group": 0, "size": None, "few": True, "representative": []}]
    assert {s["size"] for s in analysis["subgroups"]} == {27, 20, None}
    assert analysis["predicted"] and analysis["min_voters"] == evidence.MIN_VOTERS


@pytest.mark.parametrize(
    ("predicted", "words", "cell"),
    [
        # Everyone has voted: no range, no "about".
        ((0.83, 0.83, 0.834), "83% of all participants agree.", "83%"),
        ((1.0, 0.996, 1.0), "All participants who took a side agree.", "100%"),
        ((0.997, 0.995, 0.999), "99% of all participants agree.", "99%"),
        ((0.003, 0.0, 0.004), "1% of all participants agree.", "1%"),
        ((0.0, 0.0, 0.0), "0% of all participants agree.", "0%"),
        # A range: never "about 100%"; its ends 100% or 0% only when exactly so.
        (
            (0.72, 0.64, 0.8),
            "About 72% of all participants would agree (between 64% and 80%).",
            "about 72% (64% to 80%)",
        ),
        (
            (0.997, 0.9, 0.999),
            "About 99% of all participants would agree (between 90% and 99%).",
            "about 99% (90% to 99%)",
        ),
        (
            (0.98, 0.9, 1.0),
            "About 98% of all participants would agree (between 90% and 100%).",
            "about 98% (90% to 100%)",
        ),
        (
            (0.02, 0.002, 0.1),
            "About 2% of all participants would agree (between 1% and 10%).",
            "about 2% (1% to 10%)",
        ),
        (
            (0.02, 0.0, 0.1),
            "About 2% of all participants would agree (between 0% and 10%).",
            "about 2% (0% to 10%)",
        ),
    ],
)
def test_the_predicted_share_in_words(predicted, words, cell):
    assert predicted_words(predicted) == words
    assert predicted_cell(predicted) == cell


def test_too_few_votes_in_all_is_said_instead_of_a_prediction(world, conversation, client_for):
    repairs, _bins, _cars, room = (s.pk for s in conversation.statements.order_by("id"))
    # Four people in all took a side on the community room (it is listed as a divide).
    store(conversation, decided={room: (3, 4)}, divides=[str(room)])
    report = selectors.report(conversation)
    rows = {row.statement.pk: row for row in report["statements"]}
    assert rows[room].predicted is None and rows[room].predicted_too_few
    assert rows[repairs].predicted == (0.72, 0.64, 0.8) and not rows[repairs].predicted_too_few
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    divides = body[body.index('id="divides-heading"') : body.index('id="all-heading"')]
    assert "All participants: too few votes to predict." in divides
    assert "51%" not in divides
    table = body[body.index('id="all-heading"') :]
    assert 'data-label="All participants (predicted)">too few votes</td>' in table
    download = client_for(world.member).get(url(conversation, "report.csv"))
    csv_rows = {r["statement"]: r for r in csv.DictReader(io.StringIO(b"".join(download).decode()))}
    predicted = ("all participants would agree (predicted)", "predicted low", "predicted high")
    assert [csv_rows[SEEDS[3]][key] for key in predicted] == ["", "", ""]
    assert [csv_rows[SEEDS[0]][key] for key in predicted] == ["0.720", "0.640", "0.800"]


def test_the_explanation_says_how_people_who_passed_are_counted(world, conversation, client_for):
    store(conversation)
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    start = body.index('id="predicted-explained"')
    explained = body[start : body.index("</p>", start)]
    assert "People who passed are counted by what they would say if they took a side" in explained
    assert "would agree rather than disagree" in explained


def test_a_finer_group_is_set_apart_from_the_rest_of_its_group(world, conversation, client_for):
    store(conversation)
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    start = body.index("<details")
    details = body[start : body.index("</details>", start)]
    assert f"Agree more than the rest of group A: {SEEDS[1]}" in details
    assert "Agree:" not in details
    # A group itself is set apart from the other groups: plainly "Agree:".
    assert f"Agree: {SEEDS[2]}" in body[: body.index("<details")]
    store(
        conversation,
        subgroups=[
            {"id": 0, "group": 0, "size": 10, "representative": []},
            {
                "id": 1,
                "group": 0,
                "size": 20,
                "representative": [
                    {"statement": str(conversation.statements.order_by("id")[1].pk),
                     "direction": "disagree", "agree_share": 0.1, "votes": 20}
                ],
            },
        ],
    )  # fmt: skip
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert f"Disagree more than the rest of group A: {SEEDS[1]}" in body


def test_people_in_no_group_are_counted_in_the_groups_section_and_on_the_map(
    world, conversation, client_for
):
    placed = {"1": 0, "2": 0, "3": 1, "4": None, "5": None}
    store(
        conversation,
        participants=placed,
        map={p: [i, i] for i, p in enumerate(placed)},
    )
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    # Nobody here voted as staff or a service user: no word of their shares.
    said = (
        "2 of 5 people voted on fewer than 7 statements, so they are in no group; they count "
        "in each statement\u2019s votes and in “all participants”."
    )
    assert said in body
    caption = body[body.index("<figcaption>") : body.index("</figcaption>")]
    assert "Grey marks are the 2 people in no group (fewer than 7 votes)." in caption
    assert "2 people are in no group." in body[body.index("<desc") : body.index("</desc>")]
    # Everyone in a group: nothing said.
    store(conversation, participants={"1": 0, "2": 1}, map={"1": [0, 0], "2": [1, 1]})
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert "in no group" not in body


def test_a_full_common_ground_list_says_it_is_the_ten_we_are_surest_of(world, client_for):
    assert selectors.COMMON_GROUND_LIMIT == evidence.LIMIT
    conversation = services.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What would make the estate better?",
        seeds=[*SEEDS, *(f"Statement number {n}." for n in range(6))],
    )
    ids = [str(s.pk) for s in conversation.statements.order_by("id")]
    store(conversation, consensus=ids)
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert "These are the ten statements we are surest of" in body
    store(conversation, consensus=ids[:9])
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert "statements we are surest of" not in body


def analysis_of(sizes, ungrouped, consensus, divides):
    from types import SimpleNamespace

    groups = [SimpleNamespace(members=list(range(size))) for size in sizes]
    group_of = {p: 0 for p in range(sum(sizes))}
    group_of.update({f"x{p}": None for p in range(ungrouped)})
    return SimpleNamespace(
        groups=groups,
        k=len(groups),
        group_of=group_of,
        consensus=list(range(consensus)),
        divides=list(range(divides)),
    )


def test_the_command_line_summary_counts_people_and_says_one_and_many_right():
    from coproduce.deliberation.management.commands.opinion import summary

    said = summary(analysis_of([79, 59], 199, 1, 1), 2972)
    assert said == (
        "2,972 votes from 337 people: 2 opinion groups (79, 59 people; 199 in no group), "
        "1 common-ground statement (surest first), 1 divide."
    )
    said = summary(analysis_of([1200], 0, 3, 0), 1)
    assert said == (
        "1 vote from 1,200 people: 1 opinion group (1,200 people), "
        "3 common-ground statements (surest first), 0 divides."
    )


def test_each_common_ground_statement_shows_the_figure_it_is_ranked_by(
    world, conversation, client_for
):
    repairs, bins, _cars, _room = (s.pk for s in conversation.statements.order_by("id"))
    score = evidence.common_ground_scores([[44, 19]], [[48, 20]])[0]
    surely = {str(repairs): int(100 * score), str(bins): 61}
    store(conversation, consensus=[str(repairs), str(bins)], surely=surely)
    report = selectors.report(conversation)
    first, second = report["consensus"]
    assert first.surely == int(100 * score) and 50 < first.surely < 92
    assert second.surely == 61  # as stored: the report works nothing out again
    body = client_for(world.member).get(url(conversation, "report/")).content.decode()
    assert f"We are 90% sure that at least {first.surely}% of each group agrees." in body
