"""A closure sent by an Open311 client counts on the scorecard for what it says: a bare
"closed" (taken as "no further action") and the other closings without a fix are never a
pledge kept; only "fixed" in time is."""

import pytest

from coproduce.pledges import selectors
from tests.open311.conftest import call
from tests.open311.test_conformance import make_report, update_form

pytestmark = pytest.mark.django_db


def test_closures_sent_through_open311_are_kept_only_when_fixed(client, o311):
    states = ["closed", "CLOSED", "no_further_action", "not_councils_responsibility", "duplicate"]
    for n, state in enumerate([*states, "fixed"]):
        report = make_report(client, o311)
        form = update_form(o311, report, status=state, update_id=f"fms-{n}", updated_datetime=None)
        response, body = call(client, "post", "updates", "json", form)
        assert response.status_code == 200, body
    total = selectors.pledge_scorecard(o311.pledged.pledge).card.total
    assert (total.reports, total.closed, total.without_fix) == (6, 6, 5)
    assert (total.kept, total.not_kept, total.judged) == (1, 0, 1)
