"""The scorecard of a pledge on its page, in print, as CSV, through the selector, and the
users' side counted by staff."""

import csv
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.pledges import selectors, services
from coproduce.pledges.models import PledgeStatus, UserSideCount
from tests.pledges.scorecard_world import (
    COMMITMENTS,
    closed_on_time_without_a_fix,
    published_pledge,
    reports_over_time,
)

pytestmark = pytest.mark.django_db

COMMITMENT = COMMITMENTS[0]["text"]


@pytest.fixture
def pledge(world):
    pledge = published_pledge(world)
    reports_over_time(world, pledge)
    return pledge


def url(name, pledge):
    return reverse(name, args=[pledge.hub.slug, pledge.slug])


def test_the_selector_counts_each_report_once_and_judges_the_reopened_one_not_kept(pledge):
    data = selectors.pledge_scorecard(pledge)
    total = data.card.total
    assert (total.reports, total.kept, total.late, total.overdue, total.pending) == (4, 1, 1, 1, 1)
    assert (total.disputed, total.reopened) == (1, 1)
    callback = next(c for c in data.card.categories if c.key.endswith("-callback"))
    assert (callback.total.reports, callback.total.kept, callback.total.overdue) == (2, 1, 1)


def test_the_selector_reads_every_report_in_one_query_however_many(world, pledge):
    with CaptureQueriesContext(connection) as few:
        selectors.pledge_scorecard(pledge)
    for n in range(10):
        services.report_create(
            category=pledge.categories.first(), description=f"More {n}", reporter=world.member,
            address="2 High St",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        selectors.pledge_scorecard(pledge)
    assert len(many) == len(few) <= 3


def test_the_hub_scorecards_match_the_pledge_scorecard(world, pledge):
    published_pledge(world, slug="draft-promise", status=PledgeStatus.DRAFT)
    [one] = selectors.hub_scorecards(world.hub)
    assert one.pledge == pledge
    assert one.as_json() == selectors.pledge_scorecard(pledge, now=one.card.now).as_json()
    assert len(selectors.hub_scorecards(world.hub, published_only=False)) == 2


def test_anyone_sees_the_page_with_a_chart_and_the_same_figures_in_a_table(client, pledge):
    response = client.get(url("pledge-scorecard", pledge))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in page and "<desc" in page
    assert "too few to judge (3)" in page  # three judged reports, all told
    assert "Kept (solid)" in page and "Not kept (striped)" in page
    assert "Cancel appointments you cannot keep" in page
    assert "Count the users" not in page  # the form is for staff


def test_the_print_view_and_the_csv(client, pledge):
    printed = client.get(url("pledge-scorecard-print", pledge)).content.decode()
    assert "print-view" in printed and "Test results" in printed
    response = client.get(url("pledge-scorecard-csv", pledge))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "category code,category,month,reports,closed,fixed on time,fixed late,"
        "closed as not fixed,closed without a fix,open past due,open not yet due,kept,not kept"
    )
    last = lines[-1].split(",")
    assert last[1:4] == ["All categories", "all", "4"]


def csv_total(client, pledge) -> dict:
    """The CSV's last line (every category, every month), by column heading."""
    response = client.get(url("pledge-scorecard-csv", pledge))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = csv.reader(text.splitlines())
    return dict(zip(header, lines[-1], strict=True))


def test_closing_on_time_without_a_fix_is_never_a_pledge_kept(client, world):
    """The review's five, all closed the minute they came in: one as not fixed, four
    without a fix. Before, the scorecard said "100% kept (5 of 5)"."""
    pledge = published_pledge(world)
    closed_on_time_without_a_fix(world, pledge)
    total = selectors.pledge_scorecard(pledge).card.total
    assert (total.reports, total.closed, total.kept, total.not_kept) == (5, 5, 0, 1)
    assert (total.not_fixed, total.without_fix, total.judged) == (1, 4, 1)
    assert total.median_close is None  # nothing was fixed

    page = client.get(url("pledge-scorecard", pledge)).content.decode()
    assert "100%" not in page and "5 of 5" not in page
    assert "Overall: too few to judge (1), from 5 reports, 4 of them closed without a fix." in page
    assert '<th scope="col">Closed without a fix</th>' in page
    assert '<th scope="col">Closed as not fixed</th>' in page
    assert "Closed without a fix (lined)" in page  # the chart's legend
    assert "0 kept, 1 not kept, 4 closed without a fix, 0 not yet due." in page  # its words
    # The bar's label counts as the table does: kept of those judged, not of all reports.
    assert ">0 of 1 kept</text>" in page and "of 5 kept" not in page
    assert "<strong>Closed without a fix</strong>: closed as a duplicate" in page
    printed = client.get(url("pledge-scorecard-print", pledge)).content.decode()
    assert "4 of them closed without a fix" in printed
    assert '<th scope="col">Closed without a fix</th>' in printed

    line = csv_total(client, pledge)
    assert line["reports"] == "5" and line["closed"] == "5"
    assert (line["fixed on time"], line["fixed late"], line["closed as not fixed"]) == (
        "0",
        "0",
        "1",
    )
    assert (line["closed without a fix"], line["kept"], line["not kept"]) == ("4", "0", "1")
    assert (line["share kept"], line["enough to judge"]) == ("0.000", "no")
    assert line["median hours to close as fixed (calendar time)"] == ""


def test_only_closures_without_a_fix_leave_nothing_to_judge(client, world):
    pledge = published_pledge(world)
    closed_on_time_without_a_fix(
        world, pledge, ["duplicate", "not_responsible", "no_further_action"] * 2
    )
    page = client.get(url("pledge-scorecard", pledge)).content.decode()
    assert "Overall: nothing to judge yet, from 6 reports, 6 of them closed without a fix." in page
    line = csv_total(client, pledge)
    assert (line["closed without a fix"], line["kept"], line["not kept"]) == ("6", "0", "0")
    assert line["share kept"] == ""


def test_a_draft_pledge_scorecard_is_for_staff_only(client, client_for, world):
    draft = published_pledge(world, slug="draft-promise", status=PledgeStatus.DRAFT)
    assert client.get(url("pledge-scorecard", draft)).status_code == 404
    assert client_for(world.member).get(url("pledge-scorecard", draft)).status_code == 404
    assert client_for(world.staff).get(url("pledge-scorecard", draft)).status_code == 200


def test_staff_count_the_users_side_once_and_correct_it(client_for, world, pledge):
    staff = client_for(world.staff)
    page = staff.get(url("pledge-scorecard", pledge)).content.decode()
    assert "Count the users" in page
    month = timezone.localdate().replace(day=1)
    body = {"commitment": COMMITMENT, "month": month.isoformat(), "count": "3", "key": "k1"}
    response = staff.post(url("pledge-users-side", pledge), body)
    assert response.status_code == 302
    again = staff.post(url("pledge-users-side", pledge), body)  # sent twice
    assert again.status_code == 302
    assert UserSideCount.objects.get().count == 3
    events = AuditEvent.objects.filter(event="pledge.changed", subject_id=pledge.pk)
    assert events.count() == 1
    staff.post(url("pledge-users-side", pledge), {**body, "count": "4", "key": "k2"})
    assert UserSideCount.objects.get().count == 4
    assert selectors.pledge_scorecard(pledge).card.users[COMMITMENT] == {month: 4}
    page = staff.get(url("pledge-scorecard", pledge)).content.decode()
    assert "counted 4" not in page  # the audit sentence lives in the audit log
    from coproduce.audit import describe

    assert (
        "counted 4 for “Cancel appointments you cannot keep”"
        in describe(AuditEvent.objects.order_by("-id")[:1])[0].sentence
    )


def test_bad_counts_name_the_field_and_save_nothing(client_for, world, pledge):
    staff = client_for(world.staff)
    month = timezone.localdate().replace(day=1).isoformat()
    for body, field in [
        ({"commitment": "Something else", "month": month, "count": "1"}, "commitment"),
        ({"commitment": COMMITMENT, "month": "2001-01-01", "count": "1"}, "month"),
        ({"commitment": COMMITMENT, "month": month, "count": "-1"}, "count"),
        ({"commitment": COMMITMENT, "month": month, "count": "many"}, "count"),
    ]:
        response = staff.post(url("pledge-users-side", pledge), body)
        assert response.status_code == 400, field
        assert f'id="id_{field}_error"' in response.content.decode(), field
    assert not UserSideCount.objects.exists()
    with pytest.raises(ApplicationError) as error:
        services.user_side_record(
            actor=world.staff,
            pledge=pledge,
            commitment=COMMITMENT,
            month=timezone.localdate() + datetime.timedelta(days=40),
            count=1,
        )
    assert error.value.field == "month"


def test_only_staff_of_the_hub_count_the_users_side(client_for, world, pledge):
    month = timezone.localdate().replace(day=1)
    for person in (world.member, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.user_side_record(
                actor=person, pledge=pledge, commitment=COMMITMENT, month=month, count=1
            )
        response = client_for(person).post(
            url("pledge-users-side", pledge),
            {"commitment": COMMITMENT, "month": month.isoformat(), "count": "1"},
        )
        assert response.status_code == 403
    assert not UserSideCount.objects.exists()
