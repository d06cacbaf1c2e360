"""Reliability figures on the small hub, with rota slots, escalations, reports on a
pledge and a member giving a lot, counted by hand."""

import datetime

import pytest

from coproduce.insight import report
from coproduce.pledges.models import Pledge, PledgeCategory, PledgeStatus, Report
from coproduce.referrals.models import (
    Assignment,
    Escalation,
    Project,
    ReferralPolicy,
    Slot,
)

from .metrics_fixtures import build_small_world, days_ago, exchange


@pytest.fixture
def busy(world, bank):
    period = build_small_world(world, bank)
    project = Project.objects.create(
        hub=world.hub,
        name="Phone friends",
        kind="phone_friend",
        lead=world.staff,
        created_by=world.staff,
        roles=["caller"],
    )
    # Three slots in the period: 2 places with 1 on the rota; 1 place with 2 (full, not
    # more); 3 places, cancelled (left out). One slot before the period (left out).
    slots = []
    for places, days, cancelled in ((2, 6, False), (1, 8, False), (3, 9, True), (1, 80, False)):
        slots.append(
            Slot.objects.create(
                project=project,
                starts_at=days_ago(days),
                ends_at=days_ago(days) + datetime.timedelta(hours=1),
                role="caller",
                places=places,
                cancelled=cancelled,
                created_by=world.staff,
            )
        )
    Assignment.objects.create(slot=slots[0], person=world.member, status="on_rota")
    Assignment.objects.create(slot=slots[0], person=world.coordinator, status="given_up")
    Assignment.objects.create(slot=slots[1], person=world.member, status="missed")
    Assignment.objects.create(slot=slots[1], person=world.staff, status="on_rota")
    Assignment.objects.create(slot=slots[3], person=world.staff, status="missed")
    # Escalations: two of one kind resolved after 10 and 30 hours, one still open.
    for hours, kind in ((10, "unfilled_slot"), (30, "unfilled_slot"), (None, "overwork")):
        raised = days_ago(12)
        Escalation.objects.create(
            hub=world.hub,
            kind=kind,
            key=f"k{hours}",
            summary="Something",
            assigned_to=world.staff,
            created_at=raised,
            resolved_at=raised + datetime.timedelta(hours=hours) if hours else None,
            status="resolved" if hours else "open",
            resolution="Found someone" if hours else "",
        )
    # A pledge: one report fixed in time, one fixed late, one still open past its time,
    # one open and still within it.
    pledge = Pledge.objects.create(
        hub=world.hub, slug="repairs", title="Repairs", status=PledgeStatus.PUBLISHED
    )
    category = PledgeCategory.objects.create(
        pledge=pledge,
        code="repairs-urgent",
        name="Urgent repairs",
        commitment="Fixed in a day",
        target_amount=24,
        target_unit="hours",
    )
    now_ish = days_ago(0, hour=0)
    for created, expected, closed in (
        (days_ago(20), days_ago(19), days_ago(19, hour=9)),
        (days_ago(20), days_ago(19), days_ago(15)),
        (days_ago(10), days_ago(9), None),
        (now_ish, now_ish + datetime.timedelta(days=30), None),
    ):
        Report.objects.create(
            hub=world.hub,
            category=category,
            description="A broken light",
            reporter=world.member,
            target="within 24 hours",
            created_at=created,
            expected_at=expected,
            closed_at=closed,
        )
    # The member gives more than the threshold in each of the three 30-day spans.
    ReferralPolicy.objects.update_or_create(hub=world.hub, defaults={"weekly_minutes_limit": 35})
    for days in (2, 33, 63):
        exchange(world, bank.member, bank.staff, 160, days)
    return period


def test_rota_escalations_pledges_and_burnout(world, busy):
    from coproduce.insight.models import InsightSettings

    # MB1 in the catchment, so it is one of the hub's areas (not "outside the catchment").
    InsightSettings.objects.create(hub=world.hub, catchment_districts=["MB1"])
    figures = report.build(world.hub, busy.start, busy.end)
    reliability = figures["reliability"]
    assert reliability["rota_places"] == 3
    assert reliability["rota_fill_rate"] == round(2 / 3, 4)  # 1 of 2, and 1 of 1
    assert reliability["no_shows"] == 1  # the missed turn before the period is left out
    assert reliability["cancellations"] == 2  # a turn given up and a cancelled slot
    kinds = {row["kind"]: row for row in reliability["escalations"]}
    assert kinds["Rota slot not filled"]["count"] == 2
    assert kinds["Rota slot not filled"]["median_hours_to_resolve"] == 20.0
    assert kinds["Giving too many hours a week"]["open"] == 1
    assert kinds["Giving too many hours a week"]["median_hours_to_resolve"] is None
    [repairs] = reliability["pledges"]
    assert (repairs["reports"], repairs["kept"], repairs["broken"]) == (4, 1, 2)
    assert repairs["kept_rate"] == round(1 / 3, 4)
    assert reliability["burnout"]["hours_threshold_minutes"] == 35 * 30 // 7
    assert reliability["burnout"]["people"] == 1
    assert [p["name"] for p in figures["people"]["burnout"]] == ["Sam Member"]
    # The broken pledges count against the reporter's area (MB1).
    areas = {row["area"]: row for row in figures["equity"]["by_area"]}
    assert areas["MB1"]["benefit"]["pledge_breaches"] == 2
    assert areas["MB1"]["participation"]["reports"] == 1
