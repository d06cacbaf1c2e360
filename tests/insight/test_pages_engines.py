"""The insight pages' pure parts: periods (quarters, the last full quarter, "2026-Q3")
and the bar charts' geometry."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from coproduce.insight import charts, periods

days = st.dates(min_value=datetime.date(1901, 1, 1), max_value=datetime.date(2099, 12, 31))


@given(days)
def test_the_last_full_quarter_ends_the_day_before_this_quarter_begins(today):
    start, end = periods.last_full_quarter(today)
    this_start, _ = periods.quarter_dates(*periods.quarter_of(today))
    assert end == this_start - datetime.timedelta(days=1)
    assert start.day == 1 and start.month in (1, 4, 7, 10)
    assert 89 <= (end - start).days <= 91
    assert periods.parse_quarter(periods.quarter_name(start)) == (start, end)


@given(days)
def test_this_year_runs_from_new_year_to_today(today):
    assert periods.this_year(today) == (datetime.date(today.year, 1, 1), today)


def test_quarters_in_words_and_bad_quarters():
    assert periods.quarter_dates(2026, 3) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert periods.quarter_words(datetime.date(2026, 8, 15)) == "July to September 2026"
    assert periods.last_full_quarter(datetime.date(2026, 2, 1)) == (
        datetime.date(2025, 10, 1),
        datetime.date(2025, 12, 31),
    )
    for bad in ["2026-Q0", "2026-Q5", "2026Q3", "26-Q3", "", "1899-Q4", "2026-Q3x"]:
        assert periods.parse_quarter(bad) is None, bad


values = st.one_of(st.none(), st.floats(min_value=-10, max_value=1e9, allow_nan=False))


@given(
    st.lists(st.tuples(st.text(max_size=20), st.lists(values, min_size=1, max_size=2)), max_size=12)
)
def test_every_bar_fits_and_the_largest_fills_the_space(rows):
    chart = charts.bars([(label, [(v, "words") for v in pair]) for label, pair in rows])
    space = charts.WIDTH - charts.LABEL_WIDTH - charts.WORDS_WIDTH
    drawn = [bar for row in chart.rows for bar in row.bars]
    assert len(drawn) == sum(len(pair) for _, pair in rows)
    assert all(0 <= bar.width <= space for bar in drawn)
    assert all(chart.bar_x + bar.width <= chart.words_x for bar in drawn)
    assert all(bar.y + chart.bar_height <= chart.height for bar in drawn)
    positive = [v for _, pair in rows for v in pair if v is not None and v > 0]
    if positive:
        assert max(bar.width for bar in drawn) == space
    else:
        assert all(bar.width == 0 for bar in drawn)
    # Bars never overlap: each starts below the one before.
    ys = [bar.y for bar in drawn]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)


def test_the_second_bar_of_a_pair_is_striped_and_shares_are_in_words():
    chart = charts.bars([("Decile 1", [(0.12, "12%"), (0.3, "30%")])])
    first, second = chart.rows[0].bars
    assert not first.striped and second.striped
    assert second.width > first.width
    assert charts.percent(0.304) == "30%" and charts.percent(None) == "not known"
    assert charts.share(3, 0) is None and charts.share(1, 4) == 0.25


def test_hours_to_resolve_said_in_hours_and_days():
    from coproduce.insight import tables

    assert tables.hours_words(70.0) == "70 hours (about 3 days)"
    assert tables.hours_words(20.5) == "20 hours"
    assert tables.hours_words(1.2) == "1 hour"
    assert tables.hours_words(0.2) == "under an hour"
    assert tables.page_cell(70.0, tables.HOURS) == "70 hours (about 3 days)"
    assert tables.csv_cell(70.0, tables.HOURS) == 70.0  # a CSV keeps the number


def test_labels_a_newcomer_can_follow():
    from coproduce.insight import summaries
    from tests.insight.pages_fixtures import full_report

    report = full_report()
    words = " ".join(what for what, _ in summaries.reciprocity(report))
    words += " " + " ".join(what for what, _ in summaries.reliability(report))
    assert "Returning members (active members who joined before this period)" in words
    assert "not between members" in words
    assert "more than the hub's weekly limit, every month for the last three months" in words
    assert "For every 10 people" not in summaries.headline(report)


@given(st.floats(min_value=0, max_value=5, allow_nan=False))
def test_a_fair_share_in_words_never_a_bare_ratio(ratio):
    from coproduce.insight import summaries

    words = summaries.fair_share_words(ratio)
    assert words.startswith("So they take part about ")
    assert f"{ratio:.2f}" not in words or ratio >= 1.5


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
            st.one_of(
                st.just("not known"),
                st.just("100 h 30 min"),
                st.text(alphabet="0123456789 hmin%£,.", max_size=25),
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_words_beside_the_bars_stay_inside_the_chart(pairs):
    chart = charts.bars([("Decile 1", pairs[:2]), ("Decile 2", pairs[2:4] or pairs[:1])])
    for row in chart.rows:
        for bar in row.bars:
            # the text, at its generous width, ends inside the SVG's own width
            assert chart.words_x + len(bar.words) * charts.CHAR_WIDTH <= chart.width
            assert chart.bar_x + bar.width <= chart.words_x


def test_not_known_fits_at_a_phones_width():
    chart = charts.bars([("Decile 9", [(0.2, "20%"), (None, "not known")])])
    assert chart.words_x + len("not known") * charts.CHAR_WIDTH <= chart.width
