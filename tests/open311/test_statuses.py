"""The Open311 state mapping is pure, and knows every state a report can be in."""

from coproduce.open311 import statuses
from coproduce.pledges.models import OPEN_STATUSES, ReportStatus


def test_the_mapping_knows_every_report_state_and_which_are_open():
    assert set(statuses.EXTENDED) == set(ReportStatus.values)
    assert {str(s) for s in OPEN_STATUSES} == statuses.OPEN


def test_open_and_closed_follow_the_report_states():
    assert [statuses.open_or_closed(s) for s in ReportStatus.values] == [
        "open" if s in OPEN_STATUSES else "closed" for s in ReportStatus.values
    ]


def test_no_closure_is_sent_or_taken_as_fixed_unless_it_was():
    fixed = [ours for ours, theirs in statuses.EXTENDED.items() if theirs == "fixed"]
    assert fixed == [ReportStatus.FIXED]
    taken_as_fixed = [theirs for theirs, ours in statuses.FROM_CLIENT.items() if ours == "fixed"]
    assert taken_as_fixed == ["fixed"]


def test_open_keeps_an_open_report_and_reopens_a_closed_one():
    assert statuses.from_client("OPEN", "investigating") == "investigating"
    assert statuses.from_client("reopen", "fixed") == "new"
    assert statuses.from_client("Fixed", "new") == "fixed"
    assert statuses.from_client("solved", "new") is None
