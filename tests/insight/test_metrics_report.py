"""The report's figures on a small hub, against counts done by hand (metrics_fixtures)."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coproduce.insight import report, valuation
from coproduce.insight.models import InsightSettings

from .metrics_fixtures import build_small_world, exchange


@pytest.fixture
def small(world, bank):
    return build_small_world(world, bank)


def test_reciprocity_counted_by_hand(world, small):
    figures = report.build(world.hub, small.start, small.end)["reciprocity"]
    assert figures["registered"] == 5
    assert figures["active"] == 2  # member and coordinator; staff's exchange is too old
    assert figures["active_share"] == 0.4
    # 205 minutes exchanged in the period, each counted once, over 2 active members
    assert figures["minutes_per_active"] == round(205 / 2)
    assert figures["gave_and_received"] == 2
    assert figures["gave_and_received_share"] == 1.0
    assert figures["ratio_spread"] == {
        "only_gave": 0,
        "mostly_gave": 0,
        "balanced": 1,  # coordinator: 45 of 105
        "mostly_received": 1,  # member: 60 of 205
        "only_received": 0,
    }
    assert figures["new"] == 1  # the assisted person joined in the period
    assert figures["returning"] == 2
    # the health centre's 100 of 205 minutes exchanged (the reversed 40 not counted)
    assert figures["hub_share"] == round(100 / 205, 4)
    assert sum(month["minutes"] for month in figures["by_month"]) == 205


def test_equity_counted_by_hand(world, small):
    InsightSettings.objects.create(hub=world.hub, catchment_districts=["MB1"])
    equity = report.build(world.hub, small.start, small.end)["equity"]
    areas = {row["area"]: row for row in equity["by_area"]}
    assert areas["MB1"]["people"] == 1
    assert areas["MB1"]["decile"] == 2
    assert areas["MB1"]["participation"]["timebank"] == 1
    assert areas["MB1"]["benefit"]["hours_received_minutes"] == 145
    assert areas["MB1"]["per_1000"] == 1.0
    assert areas["Hillside"]["people"] == 1
    assert areas["Hillside"]["benefit"]["hours_received_minutes"] == 60
    unknown = equity["unknown_area"]
    assert unknown["people"] == 1  # the assisted person, referred twice
    assert unknown["participation"]["referrals"] == 1
    assert unknown["benefit"]["chest_minutes"] == 45
    headline = equity["headline"]
    assert headline["participation_share"] == 0.5  # 1 of 2 people in known areas
    assert headline["population_share"] == 0.25  # 1,000 of 4,000
    assert headline["ratio"] == 2.0
    assert [row["decile"] for row in equity["by_decile"]] == [2, 8]
    assert headline["people_counted"] == 2 and headline["people_left_out"] == 1


def test_a_district_outside_the_catchment_is_in_no_decile(world, small):
    """MB1 is not in the catchment (the hub's own Hillside has a population): its
    member is counted with those whose area is not known, not in decile 2."""
    equity = report.build(world.hub, small.start, small.end)["equity"]
    assert "MB1" not in {row["area"] for row in equity["by_area"]}
    assert [row["decile"] for row in equity["by_decile"]] == [8]
    assert equity["unknown_area"]["people"] == 2  # the member in MB1 and the assisted
    headline = equity["headline"]
    assert headline["people_counted"] == 1 and headline["people_left_out"] == 2
    assert sum(row["people"] for row in equity["by_decile"]) == headline["people_counted"]


def test_reliability_and_value_counted_by_hand(world, small):
    figures = report.build(world.hub, small.start, small.end)
    reliability = figures["reliability"]
    assert reliability["referrals"] == 2
    assert reliability["referrals_unmatched"] == 1
    assert reliability["referral_days_to_match_median"] == 2.0
    assert reliability["busiest_tenth_share"] == round(60 / 105, 4)
    assert reliability["burnout"]["people"] == 0
    value = figures["value"]
    rate = valuation.rate_for("minimum", small.end)
    assert value["method"] == "minimum"
    assert value["minutes"] == 205
    assert value["rate_pence"] == rate.rate_pence
    assert value["value_pence"] == (205 * rate.rate_pence + 30) // 60
    assert value["year"] == rate.year and value["source"]
    assert [p["name"] for p in figures["people"]["busiest"]] == ["Sam Member"]


def test_role_valuation_never_mixes_rates(world, small):
    InsightSettings.objects.create(hub=world.hub, valuation="role", role_rates={})
    value = report.build(world.hub, small.start, small.end)["value"]
    assert value["method"] == "role"
    assert value["value_pence"] == 0  # no rates set: nothing valued, nothing guessed
    assert value["minutes_not_valued"] == 205


def test_nothing_from_another_hub(world, small):
    figures = report.build(world.other_hub, small.start, small.end)
    assert figures["reciprocity"]["active"] == 2
    assert figures["value"]["minutes"] == 500
    assert figures["reliability"]["referrals"] == 0


def test_public_summary_hides_small_groups_and_people(world, small):
    full = report.build(world.hub, small.start, small.end)
    shown = report.public(full)
    assert "people" not in shown
    assert shown["reciprocity"]["active"] is None  # 2 people
    assert shown["reciprocity"]["active_share"] is None
    assert shown["reciprocity"]["registered"] == 5
    for row in shown["equity"]["by_area"]:
        assert row["people"] is None and row["per_1000"] is None
    assert shown["equity"]["headline"]["ratio"] is None
    assert shown["reliability"]["busiest_tenth_share"] is None
    assert full["reciprocity"]["active"] == 2  # the full report is untouched


def test_queries_do_not_grow_with_members(world, bank, small):
    from coproduce.hubs import services
    from coproduce.timebank.services.accounts import account_for_membership

    def count():
        with CaptureQueriesContext(connection) as queries:
            report.build(world.hub, small.start, small.end)
        return len(queries)

    count()  # anything cached on the first run
    before = count()
    from .metrics_fixtures import exchange

    for n in range(6):
        person = services.person_register(
            email=f"extra{n}@example.org", display_name=f"Extra {n}", password=None
        )
        membership = services.membership_add(actor=world.admin, hub=world.hub, person=person)
        exchange(world, bank.member, account_for_membership(membership), 30 + n, 2 + n)
    assert count() == before
    assert report.build(world.hub, small.start, small.end)["reciprocity"]["registered"] == 11


def test_command_writes_the_documented_shape(world, small, tmp_path):
    out = tmp_path / "report.json"
    call_command(
        "insight",
        "report",
        "--hub",
        "millbrook",
        "--from",
        small.start.isoformat(),
        "--to",
        small.end.isoformat(),
        "--json",
        str(out),
    )
    written = json.loads(out.read_text("utf-8"))
    for key in ("hub", "from", "to", "small_group", "equity", "monitoring", "reciprocity"):
        assert key in written
    assert {"reliability", "value"} <= written.keys()
    assert written["hub"] == "millbrook"
    assert written["from"] == small.start.isoformat()
    assert written["reciprocity"]["active"] == 2
    assert "people" not in written  # members' names stay on the coordinators' pages
    assert "Sam Member" not in out.read_text("utf-8")


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--hub", "nowhere", "--from", "2026-01-01", "--to", "2026-03-31"], "nowhere"),
        (["--hub", "millbrook", "--from", "1st July", "--to", "2026-03-31"], "1st July"),
        (["--hub", "millbrook", "--from", "2026-03-31", "--to", "2026-01-01"], "--to"),
        (["--hub", "millbrook", "--from", "2026-01-01"], "--to"),
    ],
)
def test_command_refuses_bad_arguments(world, tmp_path, arguments, named):
    out = tmp_path / "report.json"
    with pytest.raises(CommandError, match=named):
        call_command("insight", "report", *arguments, "--json", str(out))
    assert not out.exists()


def test_role_valuation_splits_hours_by_the_kind_of_help(world, bank, small):
    """Exchanges carry their kind through a listing, a referral or a rota's project: each
    kind with a rate is valued at it, the rest said plainly as not valued."""
    from coproduce.insight import summaries
    from coproduce.referrals.models import Referral
    from coproduce.timebank.models import Category, Exchange, Listing

    befriending = Category.objects.create(hub=world.hub, name="Befriending")
    lifts = Category.objects.create(hub=world.hub, name="Lifts")
    garden = Category.objects.create(hub=world.hub, name="Gardening")
    by_listing = exchange(world, bank.member, bank.coordinator, 30, 2)
    listing = Listing.objects.create(
        hub=world.hub,
        account=bank.member,
        kind="offer",
        title="Lifts",
        category=lifts,
        created_by=world.member,
    )
    Exchange.objects.create(
        hub=world.hub,
        title="A lift",
        proposed_by=world.member,
        transfer=by_listing,
        listing=listing,
    )
    by_referral = exchange(world, bank.coordinator, bank.member, 60, 4)
    made = Exchange.objects.create(
        hub=world.hub, title="A visit", proposed_by=world.member, transfer=by_referral
    )
    Referral.objects.filter(hub=world.hub).update(category=befriending)
    first = Referral.objects.filter(hub=world.hub).order_by("pk").first()
    Referral.objects.filter(pk=first.pk).update(exchange=made)
    by_garden = exchange(world, bank.member, bank.coordinator, 15, 6)
    garden_listing = Listing.objects.create(
        hub=world.hub,
        account=bank.member,
        kind="offer",
        title="Weeding",
        category=garden,
        created_by=world.member,
    )
    Exchange.objects.create(
        hub=world.hub,
        title="Weeding",
        proposed_by=world.member,
        transfer=by_garden,
        listing=garden_listing,
    )
    InsightSettings.objects.create(
        hub=world.hub,
        valuation="role",
        role_rates={str(befriending.pk): 1271, str(lifts.pk): 1500},
    )
    full = report.build(world.hub, small.start, small.end)
    value = full["value"]
    kinds = {row["name"]: row for row in value["by_kind"]}
    assert kinds["Befriending"]["minutes"] == 60
    assert kinds["Lifts"]["minutes"] == 30
    assert kinds["Gardening"]["minutes"] == 15 and kinds["Gardening"]["value_pence"] is None
    assert value["value_pence"] == 1271 + 750
    assert value["minutes_not_valued"] == 205 + 15
    shown = summaries.value(full)
    assert "£20.21" in shown["worth"] and "£0.00" not in shown["worth"]
    assert "None" not in shown["worth"]
    assert shown["not_valued"].startswith("3 h 40 min not valued: no rate set for ")
    assert (
        "Gardening" in shown["not_valued"] and "help with no kind recorded" in shown["not_valued"]
    )


def test_role_valuation_with_no_rate_never_says_nothing_is_worth_0(world, small):
    from coproduce.insight import summaries

    InsightSettings.objects.create(hub=world.hub, valuation="role", role_rates={})
    shown = summaries.value(report.build(world.hub, small.start, small.end))
    assert "£0.00" not in shown["worth"] and "None" not in shown["worth"]
    assert (
        shown["not_valued"] == "3 h 25 min not valued: no rate set for help with no kind recorded."
    )


def test_public_summary_hides_enough_that_no_small_group_can_be_worked_out():
    """33 active, deciles showing 30 with two rows of 1 and 2 hidden: the 3 could be
    worked out, so the smallest shown decile is hidden too."""
    rows = [
        {"decile": d, "population": 1000, "people": n, "per_1000": 1.0, "benefit": {"x": 1}}
        for d, n in ((1, 1), (2, 21), (3, 2), (5, 9))
    ]
    full = {
        "small_group": 5,
        "equity": {"by_decile": rows, "by_area": [], "unknown_area": {"people": 0}},
        "reciprocity": {"active": 33, "ratio_spread": {"a": 30, "b": 3, "c": 0}},
    }
    shown = report.public(full)
    people = [row["people"] for row in shown["equity"]["by_decile"]]
    assert people == [None, 21, None, None]
    assert shown["equity"]["by_decile"][3]["per_1000"] is None
    assert shown["equity"]["by_decile"][3]["benefit"] == {"x": None}
    assert shown["reciprocity"]["ratio_spread"] == {"a": None, "b": None, "c": 0}
