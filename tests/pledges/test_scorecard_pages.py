"""The scorecard of a pledge on its page, in print, as CSV, through the selector, and the
users' side counted by staff."""

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
from tests.pledges.scorecard_world import COMMITMENTS, published_pledge, reports_over_time

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
    assert lines[0].startswith("category code,category,month,reports,closed,closed on time")
    last = lines[-1].split(",")
    assert last[1:4] == ["All categories", "all", "4"]


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
