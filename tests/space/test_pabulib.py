"""Pabulib `.pb` files (coproduce.involve.pabulib) and `coproduce allocation run`: what is
read, what is written back, what is refused (naming the line), and the JSON anyone can
check a count against."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coproduce.involve import allocation, pabulib
from coproduce.involve.pabulib import PabulibError

DATA = Path(__file__).resolve().parent.parent / "data" / "allocation"
GOLDEN = (DATA / "golden.pb").read_text(encoding="utf-8")


def test_reads_a_real_shaped_file():
    # A byte-order mark, Windows line ends, blank lines, quoted names with semicolons
    # and doubled quotes, extra columns, a vote with spaces, a voter approving nothing.
    raw = (DATA / "northfield.pb").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    pb = pabulib.read(raw.decode("utf-8"))
    assert pb.budget == 1200
    assert pb.meta["description"] == "Northfield; the community room, spring"
    assert pb.meta["max_length"] == "3"
    assert pb.costs == {"1": 600, "2": 300, "10": 450, "3": 900}
    assert pb.projects["1"]["name"] == "Coffee morning; Tuesdays"
    assert pb.projects["2"]["name"] == 'Homework club, "after school"'
    assert pb.projects["10"]["category"] == "health"
    assert [voter for voter, _, _ in pb.votes] == ["v1", "v2", "v3", "v4", "v5", "v6"]
    assert pb.votes[3][1] == frozenset({"10", "1"})
    assert pb.votes[5][1] == frozenset()
    assert pb.votes[0][2] == {"age": "34", "sex": "F"}
    election = pb.election()
    assert len(election.ballots) == 6  # the voter approving nothing counts
    assert election.seed == "Northfield; the community room, spring"


def test_reads_the_golden_file():
    pb = pabulib.read(GOLDEN)
    election = pb.election()
    assert election.budget == 100
    assert election.costs == {"A1": 40, "A2": 40, "A3": 20, "B1": 30, "B2": 20}
    assert election.ballots.count(frozenset({"A1", "A2", "A3"})) == 5
    assert election.ballots.count(frozenset({"B1"})) == 1


def test_write_then_read_gives_the_same_file():
    pb = pabulib.read((DATA / "northfield.pb").read_text(encoding="utf-8-sig"))
    text = pabulib.write(
        pb.meta,
        list(pb.projects.values()),
        [(voter, sorted(ballot), extra) for voter, ballot, extra in pb.votes],
    )
    again = pabulib.read(text)
    assert again.meta == pb.meta
    assert again.budget == pb.budget
    assert again.costs == pb.costs
    assert again.projects == pb.projects
    assert again.votes == pb.votes
    assert (
        pabulib.write(
            again.meta,
            list(again.projects.values()),
            [(voter, sorted(ballot), extra) for voter, ballot, extra in again.votes],
        )
        == text
    )


def test_write_keeps_each_value_on_its_line():
    text = pabulib.write(
        {"budget": "10", "description": "Two\nlines"},
        [{"project_id": "a", "cost": "5", "name": "Tea;\r\nand cake"}],
        [("v1", ["a"], {})],
    )
    pb = pabulib.read(text)
    assert pb.meta["description"] == "Two lines"
    odd = '=SUM(A1); "quoted"'
    again = pabulib.read(
        pabulib.write({"budget": "10"}, [{"project_id": "a", "cost": "5", "name": odd}], [])
    )
    assert again.projects["a"]["name"] == odd  # written exactly, not as a spreadsheet cell
    assert pb.projects["a"]["name"] == "Tea; and cake"
    assert pb.meta["vote_type"] == "approval"
    assert pb.meta["num_projects"] == "1"
    assert pb.meta["num_votes"] == "1"


# Line numbers in golden.pb: 1 META, 2 its header, 6 budget, 7 vote_type, 9 PROJECTS,
# 10 its header, 11-15 A1 A2 A3 B1 B2, 16 VOTES, 17 its header, 18-27 voters 1 to 10.
MALFORMED = {
    "missing section": (GOLDEN[: GOLDEN.index("VOTES")], "line 15: the file ends with no VOTES"),
    "empty section": (
        GOLDEN.replace(GOLDEN[GOLDEN.index("project_id") : GOLDEN.index("VOTES")], ""),
        "line 9: the PROJECTS section is empty",
    ),
    "empty file": ("\ufeff\n\n", "line 1: the file is empty"),
    "nothing before META": ("Hello\n" + GOLDEN, "line 1: expected the META heading"),
    "no budget": (GOLDEN.replace("budget;100\n", ""), "line 2: META has no budget"),
    "budget not a number": (GOLDEN.replace("budget;100", "budget;lots"), "line 6: the budget"),
    "non-whole cost": (GOLDEN.replace("A2;40;", "A2;40.5;"), "line 12: the cost '40.5'"),
    "zero cost": (GOLDEN.replace("A3;20;", "A3;0;"), "line 13: project A3 must cost more"),
    "unknown project": (
        GOLDEN.replace("10;B1,B2", "10;B1,C9"),
        "line 27: voter 10 approves unknown project C9",
    ),
    "duplicate voter": (GOLDEN.replace("2;A1,A2,A3", "1;A1,A2,A3"), "line 19: voter 1 voted"),
    "project approved twice": (GOLDEN.replace("9;B1", "9;B1,B1"), "line 26: voter 9 approves"),
    "duplicate project": (GOLDEN.replace("B2;20;", "A1;20;"), "line 15: project A1 is listed"),
    "not approval": (
        GOLDEN.replace("vote_type;approval", "vote_type;ordinal"),
        "line 7: vote_type is 'ordinal'",
    ),
    "header without cost": (
        GOLDEN.replace("project_id;cost;name", "project_id;price;name"),
        "line 10: the header has no cost column",
    ),
    "votes header without vote": (
        GOLDEN.replace("voter_id;vote", "voter_id;ballot"),
        "line 17: the header has no vote column",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_is_refused_naming_the_line(case):
    text, problem = MALFORMED[case]
    with pytest.raises(PabulibError) as refused:
        pabulib.read(text)
    assert problem in refused.value.message
    assert refused.value.message.startswith("This is not a file that can be counted: ")
    assert refused.value.field == "file"
    assert any(p.startswith(problem) for p in refused.value.details["problems"])


def test_every_problem_is_named_and_the_list_is_kept_short():
    lines = GOLDEN.splitlines()
    bad = "\n".join(
        line.replace("A1", "Z1") if line.startswith(tuple("123456789")) else line for line in lines
    )
    with pytest.raises(PabulibError) as refused:
        pabulib.read(bad)
    problems = refused.value.details["problems"]
    assert len(problems) == 6  # voters 1 to 6 approve A1
    assert [p.split(":")[0] for p in problems] == [f"line {n}" for n in range(18, 24)]
    many = GOLDEN + "".join(f"{n};Q{n}\n" for n in range(11, 31))
    with pytest.raises(PabulibError) as refused:
        pabulib.read(many)
    assert refused.value.message.endswith("; and 10 more.")


# --- the command ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "selected", "cost"),
    [("equal-shares", ["A1", "A3", "B1"], 90), ("greedy", ["A1", "A2", "A3"], 100)],
)
def test_the_command_counts_the_golden_file(tmp_path, rule, selected, cost):
    out = tmp_path / "result.json"
    call_command("allocation", "run", str(DATA / "golden.pb"), "--rule", rule, "--json", str(out))
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result == {"selected": selected, "cost": cost, "budget": 100}
    assert list(result) == ["selected", "cost", "budget"]


def test_the_command_orders_ids_naturally_and_agrees_with_the_engine(tmp_path):
    out = tmp_path / "result.json"
    path = DATA / "northfield.pb"
    call_command("allocation", "run", str(path), "--json", str(out))
    result = json.loads(out.read_text(encoding="utf-8"))
    election = pabulib.read(path.read_text(encoding="utf-8-sig")).election()
    outcome = allocation.count(election, allocation.EQUAL_SHARES)
    assert sorted(result["selected"]) == sorted(outcome.selected)
    assert result["selected"] == sorted(result["selected"], key=int)
    assert (result["cost"], result["budget"]) == (outcome.cost, 1200)


def test_the_command_refuses_a_malformed_file_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(GOLDEN.replace("A2;40;", "A2;forty;"), encoding="utf-8")
    out = tmp_path / "result.json"
    with pytest.raises(CommandError, match="line 12: the cost 'forty' is not a number"):
        call_command("allocation", "run", str(bad), "--json", str(out))
    assert not out.exists()


def test_the_command_refuses_a_missing_or_unreadable_file(tmp_path):
    out = tmp_path / "result.json"
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("allocation", "run", str(tmp_path / "none.pb"), "--json", str(out))
    binary = tmp_path / "binary.pb"
    binary.write_bytes(b"\xff\xfe\x00META")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("allocation", "run", str(binary), "--json", str(out))
    assert not out.exists()
