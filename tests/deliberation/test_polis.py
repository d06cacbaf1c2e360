"""`coproduce opinion analyse` on real Polis exports (tests/data/polis, CC BY 4.0, see
ATTRIBUTION.md there), and on broken ones."""

import csv
import json
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from coproduce.deliberation import engine, polis, services
from coproduce.hubs.models import AuditEvent

DATA = Path(__file__).resolve().parent.parent / "data" / "polis"


def analyse(directory, tmp_path, *extra):
    out = tmp_path / "out.json"
    call_command("opinion", "analyse", str(directory), "--json", str(out), *extra)
    return json.loads(out.read_text())


@pytest.mark.parametrize("name", ["15-per-hour-seattle", "vtaiwan.uberx"])
def test_a_real_conversation_is_analysed_into_the_documented_shape(name, tmp_path):
    result = analyse(DATA / name, tmp_path)
    with (DATA / name / "participants-votes.csv").open() as handle:
        voters = {row["participant"] for row in csv.DictReader(handle)}
    assert set(result["participants"]) <= voters
    assert len(result["participants"]) > 0.9 * len(voters)
    groups = {g["id"]: g for g in result["groups"]}
    assert 1 <= len(groups) <= 6
    sizes = {gid: 0 for gid in groups}
    for group in result["participants"].values():
        if group is not None:
            sizes[group] += 1
    assert sizes == {gid: g["size"] for gid, g in groups.items()}
    with (DATA / name / "comments.csv").open() as handle:
        comments = {row["comment-id"] for row in csv.DictReader(handle)}
    for group in groups.values():
        for item in group["representative"]:
            assert item["statement"] in comments
            assert item["direction"] in ("agree", "disagree")
            assert 0 <= item["agree_share"] <= 1
    assert set(result["consensus"]) <= comments
    assert set(result["divides"]) <= comments
    assert not set(result["consensus"]) & set(result["divides"])
    assert set(result["map"]) == set(result["participants"])
    assert all(len(xy) == 2 for xy in result["map"].values())


def test_the_participant_table_is_read_when_there_is_no_vote_log(tmp_path):
    source = DATA / "15-per-hour-seattle"
    for name in ("comments.csv", "participants-votes.csv"):
        shutil.copy(source / name, tmp_path / name)
    from_table = polis.read_export(tmp_path)
    from_log = polis.read_export(source)
    latest = {(voter, comment): vote for voter, comment, vote in from_log.votes}
    assert {(v, c): vote for v, c, vote in from_table.votes} == latest


def test_removed_comments_are_left_out(tmp_path):
    export = polis.read_export(DATA / "15-per-hour-seattle")
    assert export.removed
    assert not {comment for _, comment, _ in export.votes} & export.removed


def broken_copy(tmp_path):
    source = DATA / "15-per-hour-seattle"
    target = tmp_path / "broken"
    target.mkdir()
    shutil.copy(source / "comments.csv", target / "comments.csv")
    lines = (source / "votes.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",yes"  # line 4: a vote that is not a vote
    lines[9] = "not,a,vote,line"  # line 10
    (target / "votes.csv").write_text("\n".join(lines) + "\n")
    return target


def test_bad_lines_stop_the_read_and_are_named(tmp_path):
    target = broken_copy(tmp_path)
    with pytest.raises(CommandError) as caught:
        analyse(target, tmp_path)
    message = str(caught.value)
    assert "votes.csv line 4: vote should be 1, -1 or 0, not 'yes'" in message
    assert "votes.csv line 10: timestamp should be a whole number, not 'not'" in message
    assert "--skip-bad-lines" in message
    assert not (tmp_path / "out.json").exists()


def test_bad_lines_can_be_skipped_and_each_is_reported(tmp_path, capsys):
    target = broken_copy(tmp_path)
    result = analyse(target, tmp_path, "--skip-bad-lines")
    err = capsys.readouterr().err
    assert "Skipped votes.csv line 4" in err
    assert "Skipped votes.csv line 10" in err
    assert result["groups"]
    assert polis.read_export(target, skip_bad_lines=True).skipped == [
        "votes.csv line 4: vote should be 1, -1 or 0, not 'yes'",
        "votes.csv line 10: timestamp should be a whole number, not 'not'",
    ]


def test_a_tiny_conversation_says_not_enough_votes(tmp_path, capsys):
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,1,0,-1\n"
    )
    result = analyse(tmp_path, tmp_path)
    assert result["ready"] is False
    assert result["groups"] == []
    assert result["participants"] == {"0": None}
    assert "Not enough votes yet" in capsys.readouterr().out


def test_a_directory_without_votes_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"neither votes\.csv nor participants-votes\.csv"):
        analyse(tmp_path, tmp_path)


def test_an_export_imports_as_a_closed_conversation_that_analyses_the_same(world, capsys):
    call_command("opinion", "import", str(DATA / "15-per-hour-seattle"), "--hub", "millbrook")
    assert "Imported \u201c$15/hour\u201d into Millbrook Time Bank" in capsys.readouterr().out
    conversation = world.hub.conversations.get()
    export = polis.read_export(DATA / "15-per-hour-seattle")
    assert conversation.statements.count() == len(export.comments)
    assert conversation.participants.count() == len({voter for voter, *_ in export.votes})
    assert not conversation.is_open()
    from_db = engine.analyse(engine.Votes.from_log(services.vote_log(conversation)))
    from_file = engine.analyse(engine.Votes.from_log(export.votes))
    assert from_db.k == from_file.k
    assert sorted(len(g.members) for g in from_db.groups) == sorted(
        len(g.members) for g in from_file.groups
    )
    assert AuditEvent.objects.filter(event="conversation.imported", hub=world.hub).exists()


def test_only_coordinators_import(world):
    export = polis.read_export(DATA / "15-per-hour-seattle")
    with pytest.raises(PermissionDenied):
        services.conversation_import(actor=world.member, hub=world.hub, export=export, question="Q")
    assert not world.hub.conversations.exists()


def test_import_needs_a_known_hub(db):
    with pytest.raises(CommandError, match="no hub with the address 'nowhere'"):
        call_command("opinion", "import", str(DATA / "15-per-hour-seattle"), "--hub", "nowhere")
