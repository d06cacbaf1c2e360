"""The pure metrics and valuation modules: properties that hold for any input."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from coproduce.insight import metrics, valuation
from coproduce.insight.access import SMALL_GROUP

ACTIVITIES = ["timebank", "referrals", "involvement", "conversations", "reports", "space"]

minutes = st.integers(min_value=0, max_value=100_000)


@st.composite
def equity_inputs(draw):
    count = draw(st.integers(min_value=0, max_value=8))
    areas = [
        metrics.AreaFigures(
            f"n:{n}",
            f"Area {n}",
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10))),
            draw(st.one_of(st.none(), st.integers(min_value=0, max_value=50_000))),
        )
        for n in range(count)
    ]
    keys = [area.key for area in areas] + [None, "d:ELSEWHERE"]
    people = draw(st.lists(st.integers(min_value=1, max_value=300), unique=True, max_size=60))
    area_of = {p: draw(st.sampled_from(keys)) for p in people}
    participants = {
        activity: draw(st.lists(st.sampled_from(people), max_size=40)) if people else []
        for activity in ACTIVITIES
    }
    received = {p: draw(minutes) for p in people[:20]}
    return metrics.EquityInput(areas, area_of, participants, {"hours_received_minutes": received})


@given(equity_inputs())
def test_equity_counts_everyone_once_and_shares_are_fractions(data):
    figures = metrics.equity(data, ACTIVITIES)
    everyone = set().union(*(set(p) for p in data.participants.values()))
    in_areas = sum(row["people"] for row in figures["by_area"])
    assert in_areas + figures["unknown_area"]["people"] == len(everyone)
    for activity in ACTIVITIES:
        counted = sum(row["participation"][activity] for row in figures["by_area"])
        counted += figures["unknown_area"]["participation"][activity]
        assert counted == len(set(data.participants[activity]))
    received = sum(row["benefit"]["hours_received_minutes"] for row in figures["by_area"])
    received += figures["unknown_area"]["benefit"]["hours_received_minutes"]
    assert received == sum(data.benefit["hours_received_minutes"].values())
    # Deciles sum their areas whose decile and population are known, and the headline
    # counts the same people: everyone else is left out of both, and counted as such.
    in_deciles = sum(row["people"] for row in figures["by_decile"])
    assert in_deciles == sum(
        row["people"]
        for row in figures["by_area"]
        if row["decile"] is not None and row["population"] is not None
    )
    headline = figures["headline"]
    assert headline["people_counted"] == in_deciles
    assert headline["people_counted"] + headline["people_left_out"] == len(everyone)
    assert all(row["population"] is not None for row in figures["by_decile"])
    for key in ("participation_share", "population_share"):
        assert headline[key] is None or 0 <= headline[key] <= 1
    if headline["ratio"] is not None:
        assert headline["ratio"] >= 0 and headline["population_share"]
    for row in figures["by_area"]:
        if not row["population"]:
            assert row["per_1000"] is None  # never a division by a zero population


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=200))
def test_busiest_tenth_share_is_between_a_tenth_and_all(given_minutes):
    found = metrics.busiest_tenth_share(given_minutes)
    if sum(given_minutes) == 0:
        assert found is None
    else:
        assert 0.1 - 1e-9 <= found <= 1


@given(st.lists(st.tuples(minutes, minutes), max_size=100))
def test_every_trader_is_in_exactly_one_band(pairs):
    trades = [
        metrics.MemberTrade(n, gave, received, active=bool(gave or received))
        for n, (gave, received) in enumerate(pairs)
    ]
    figures = metrics.reciprocity(len(trades), trades, 0, 0, 0)
    traded = sum(1 for g, r in pairs if g or r)
    assert sum(figures["ratio_spread"].values()) == traded == figures["traded"]
    assert figures["gave_and_received"] <= traded
    share = figures["gave_and_received_share"]
    assert (share is None) == (traded == 0)
    assert figures["hub_share"] is None  # nothing exchanged: nothing to divide by


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 40)), max_size=50))
def test_rota_fill_rate_never_above_one(slots):
    rate = metrics.rota_fill_rate(slots)
    assert (rate is None) == (not slots)
    if rate is not None:
        assert 0 <= rate <= 1


@given(st.integers(min_value=0, max_value=10**9))
def test_hide_never_shows_a_group_under_five(count):
    shown = metrics.hide(count, SMALL_GROUP)
    if 0 < count < SMALL_GROUP:
        assert shown is None
    else:
        assert shown == count


@given(st.dictionaries(st.integers(1, 50), st.lists(minutes, min_size=3, max_size=3)), minutes)
def test_burnout_means_over_the_threshold_in_all_three_spans(spans, threshold):
    tired = metrics.burnout(spans, threshold)
    for person, given_minutes in spans.items():
        assert (person in tired) == all(m > threshold for m in given_minutes)


def test_bands_at_their_edges():
    assert metrics.band(0, 0) is None
    assert metrics.band(10, 0) == "only_gave"
    assert metrics.band(0, 10) == "only_received"
    assert metrics.band(30, 10) == "mostly_gave"
    assert metrics.band(10, 10) == "balanced"
    assert metrics.band(10, 30) == "mostly_received"


@given(
    st.dictionaries(st.text(max_size=3), minutes, max_size=6),
    st.dictionaries(st.text(max_size=3), st.integers(1, 5000), max_size=6),
)
def test_role_value_never_guesses_a_rate(by_kind, rates):
    found = metrics.value_by_kind(by_kind, rates)
    valued = sum(metrics.value_pence(m, rates[k]) for k, m in by_kind.items() if k in rates)
    assert found["value_pence"] == valued
    assert found["minutes_not_valued"] == sum(m for k, m in by_kind.items() if k not in rates)


def test_minimum_wage_changes_each_april():
    assert valuation.rate_for("minimum", datetime.date(2026, 3, 31)).rate_pence == 1221
    april = valuation.rate_for("minimum", datetime.date(2026, 4, 1))
    assert (april.rate_pence, april.year) == (1271, 2026)
    assert valuation.rate_for("minimum", datetime.date(2024, 6, 1)).rate_pence == 1144
    median = valuation.rate_for("median", datetime.date(2026, 9, 30))
    assert median.year == 2024 and median.source  # the latest published, and said so


def test_role_rates_keep_only_whole_pence():
    assert valuation.role_rates({"3": 1500, "4": "a lot", "5": -1, "6": True, 7: 900}) == {
        "3": 1500,
        "7": 900,
    }


PEOPLE_KEYS = {
    "people",
    "people_counted",
    "people_left_out",
    "registered",
    "active",
    "traded",
    "gave_and_received",
    "new",
    "returning",
    "referrals",
    "referrals_unmatched",
    "givers",
    "answered",
    "count",
    "open",
}


def _counts_of_people(value, key=None):
    """Every (key, number) in a report where the number counts people."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _counts_of_people(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _counts_of_people(v, key)
    elif key in PEOPLE_KEYS or key in metrics.BANDS or key in ACTIVITIES:
        yield key, value


@given(equity_inputs(), st.lists(st.tuples(minutes, minutes), max_size=30))
def test_public_never_shows_a_group_under_five(data, pairs):
    from coproduce.insight.report import public

    trades = [
        metrics.MemberTrade(n, gave, received, active=bool(gave))
        for n, (gave, received) in enumerate(pairs)
    ]
    full = {
        "small_group": SMALL_GROUP,
        "equity": metrics.equity(data, ACTIVITIES),
        "monitoring": {"answered": 3, "questions": {"age_band": [{"answer": "a", "people": 2}]}},
        "reciprocity": metrics.reciprocity(len(trades), trades, 1, 0, 0)
        | {"by_month": [{"month": "2026-01", "active": 3, "exchanges": 4, "minutes": 60}]},
        "reliability": {
            "referrals": 3,
            "referrals_unmatched": 1,
            "referral_days_to_match_median": 2.0,
            "givers": sum(1 for g, _ in pairs if g),
            "busiest_tenth_share": metrics.busiest_tenth_share(g for g, _ in pairs),
            "burnout": {"people": 1},
            "escalations": metrics.escalations([("Rota slot not filled", 2.0)]),
        },
        "people": {"busiest": [{"name": "Someone", "minutes": 60}]},
    }
    shown = public(full)
    assert "people" not in shown
    for key, count in _counts_of_people(shown):
        assert count is None or count == 0 or count >= SMALL_GROUP, (key, count)
    headline = shown["equity"]["headline"]
    if headline["people"] is None or headline["people_counted"] is None:
        assert headline["ratio"] is None and headline["participation_share"] is None
    recip = shown["reciprocity"]
    if recip["active"] is None:
        assert recip["active_share"] is None and recip["minutes_per_active"] is None
    if shown["reliability"]["givers"] is None or shown["reliability"]["givers"] < 50:
        assert shown["reliability"]["busiest_tenth_share"] is None


# --- complementary suppression ---------------------------------------------------------


def test_suppress_hides_the_smallest_shown_count_when_the_hidden_add_to_under_five():
    # 30 shown and 1 + 2 hidden: 3 could be worked out from a total of 33.
    assert metrics.suppress([20, 1, 10, 2, 0], 5) == [20, None, None, None, 0]
    assert metrics.suppress([20, 6, 10], 5) == [20, 6, 10]  # nothing small: all shown
    assert metrics.suppress([3], 5) == [None]  # nothing left to hide with it


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=60)), max_size=12))
def test_suppress_never_leaves_a_small_hidden_total(counts):
    shown = metrics.suppress(counts, SMALL_GROUP)
    assert len(shown) == len(counts)
    for count, seen in zip(counts, shown, strict=True):
        assert seen is None or seen == count  # nothing altered, only hidden
        if count is not None and 0 < count < SMALL_GROUP:
            assert seen is None
    hidden_total = sum(c for c, s in zip(counts, shown, strict=True) if s is None and c)
    anything_left = any(s for s in shown)
    assert hidden_total == 0 or hidden_total >= SMALL_GROUP or not anything_left
    # Only as many extra hidden as needed: the last one hidden made the total safe.
    extra = [c for c, s in zip(counts, shown, strict=True) if s is None and c and c >= SMALL_GROUP]
    if extra:
        assert hidden_total - max(extra) < SMALL_GROUP
