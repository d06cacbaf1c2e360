"""A published pledge with reports in several states, for the scorecard's tests and the
permission matrix. The pledge is made with the ORM (publishing has its own service and
tests); the reports go through the report services, at moments set by the story clock."""

import datetime

from django.utils import timezone

from coproduce.demo.clock import story_time
from coproduce.pledges import services
from coproduce.pledges.models import Pledge, PledgeCategory, PledgeStatus, SignOff

TITLE = "Our surgery promise"
COMMITMENTS = [
    {"text": "Cancel appointments you cannot keep", "measure": "missed appointments a month"}
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def published_pledge(world, *, slug="surgery-promise", status=PledgeStatus.PUBLISHED) -> Pledge:
    pledge = Pledge.objects.create(
        hub=world.hub,
        slug=slug,
        title=TITLE,
        summary="What the health centre and its patients promise each other.",
        user_commitments=COMMITMENTS,
        status=status,
        created_by=world.staff,
    )
    code = slug[:40]
    PledgeCategory.objects.create(
        pledge=pledge,
        code=f"{code}-callback",
        name="GP call-back",
        commitment="A GP calls you back the same working day",
        target_amount=1,
        target_unit="same_working_day",
    )
    PledgeCategory.objects.create(
        pledge=pledge,
        code=f"{code}-results",
        name="Test results",
        commitment="Test results within 5 working days",
        target_amount=5,
        target_unit="working_days",
    )
    if status == PledgeStatus.PUBLISHED:
        for person, role in ((world.staff, "staff"), (world.member, "users")):
            SignOff.objects.create(pledge=pledge, person=person, role=role, content_hash="x")
    return pledge


def reports_over_time(world, pledge, *, months_ago: int = 2) -> dict:
    """Reports made `months_ago` months ago and since: one kept, one closed late, one
    closed then said not fixed (reopened, still open past its date), one not yet due."""
    callback = pledge.categories.get(code__endswith="-callback")
    results = pledge.categories.get(code__endswith="-results")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=30 * months_ago)
    made = {}
    with story_time(today) as clock:

        def report(category, day, text):
            clock.at(_at(day, 10))
            return services.report_create(
                category=category, description=text, reporter=world.member, address="1 High St"
            )

        def move(report_, day, hour, status, note="Done."):
            clock.at(_at(day, hour))
            return services.report_update(
                actor=world.staff, report=report_, status=status, note=note
            )

        monday = start - datetime.timedelta(days=start.weekday())
        made["kept"] = report(callback, monday, "Please call about my prescription")
        move(made["kept"], monday, 12, "fixed")
        made["late"] = report(results, monday, "Waiting for blood test results")
        move(made["late"], monday + datetime.timedelta(days=14), 11, "fixed")
        made["reopened"] = report(callback, monday + datetime.timedelta(days=1), "No call back")
        move(made["reopened"], monday + datetime.timedelta(days=1), 15, "fixed")
        clock.at(_at(monday + datetime.timedelta(days=2), 9))
        services.report_answer(
            actor=world.member, report=made["reopened"], fixed=False, note="Nobody rang."
        )
    made["pending"] = services.report_create(
        category=results,
        description="Results of my scan",
        reporter=world.member,
        address="1 High St",
    )
    return made


# The statuses a review found counted as "kept" when closed in time: not one is a fix. The
# last is what a bare "closed" from an Open311 client becomes.
CLOSED_WITHOUT_FIXING = (
    "not_fixed",
    "no_further_action",
    "not_responsible",
    "duplicate",
    "no_further_action",
)


def closed_on_time_without_a_fix(world, pledge, statuses=CLOSED_WITHOUT_FIXING) -> list:
    """Reports made now and closed straight away (well before their dates) by staff, each
    with one of `statuses`, through the report services."""
    callback = pledge.categories.get(code__endswith="-callback")
    made = []
    for status in statuses:
        report = services.report_create(
            category=callback,
            description=f"Closed as {status}",
            reporter=world.member,
            address="1 High St",
        )
        made.append(
            services.report_update(
                actor=world.staff, report=report, status=status, note="Closed, not fixed."
            )
        )
    return made
