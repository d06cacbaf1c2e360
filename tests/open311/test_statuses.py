"""The Open311 state mapping is pure, and knows every state a report can be in; which are
open is the pledges models' one list (OPEN_STATUSES), which the requests follow."""

import datetime

import pytest

from coproduce.open311 import statuses
from coproduce.pledges.models import OPEN_STATUSES, ReportStatus


def test_the_mapping_knows_every_report_state():
    assert set(statuses.EXTENDED) == set(ReportStatus.values)
    assert not hasattr(statuses, "OPEN")  # one list of open states: the models'


def test_no_closure_is_sent_or_taken_as_fixed_unless_it_was():
    fixed = [ours for ours, theirs in statuses.EXTENDED.items() if theirs == "fixed"]
    assert fixed == [ReportStatus.FIXED]
    taken_as_fixed = [theirs for theirs, ours in statuses.FROM_CLIENT.items() if ours == "fixed"]
    assert taken_as_fixed == ["fixed"]


def test_open_keeps_an_open_report_and_reopens_a_closed_one():
    assert statuses.from_client("OPEN", "investigating", is_open=True) == "investigating"
    assert statuses.from_client("reopen", "fixed", is_open=False) == "new"
    assert statuses.from_client("Fixed", "new", is_open=True) == "fixed"
    assert statuses.from_client("solved", "new", is_open=True) is None


@pytest.mark.parametrize("status", ReportStatus.values)
def test_a_request_is_open_or_closed_as_the_models_say(status):
    from coproduce.open311.queries import request_of

    row = {
        "id": 1,
        "category_id": 1,
        "description": "A light is out.",
        "status": status,
        "status_note": "",
        "latest_note": None,
        "client_media": None,
        "requested": "2026-12-01 10:00:00",
        "updated": "2026-12-02 10:00:00",
        "closed": None if status in OPEN_STATUSES else "2026-12-03 10:00:00",
        "expected": "2026-12-08 17:00:00",
        "expected_at": datetime.datetime(2026, 12, 8, 17, tzinfo=datetime.UTC),
        "service_point_id": None,
        "service_point__name": None,
        "service_point__address": None,
        "service_point__lat": None,
        "service_point__long": None,
        "area__name": "Ash Walk",
    }

    class Category:
        name, code, commitment = "Stair lights", "stair-lights", "Mended."

    class Hub:
        name = "Millbrook"

    shown = request_of(row, Category, Hub, datetime.UTC)
    assert shown["status"] == ("open" if status in OPEN_STATUSES else "closed")
    assert shown["updated_datetime"] == (
        "2026-12-02T10:00:00+00:00" if status in OPEN_STATUSES else "2026-12-03T10:00:00+00:00"
    )
