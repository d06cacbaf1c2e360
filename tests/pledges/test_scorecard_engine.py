"""Whether a pledge is kept: the scorecard engine (pure; worked examples and properties)."""

import datetime
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.pledges import models, scorecard
from coproduce.pledges.scorecard import MIN_TO_JUDGE, Row, Tally, score

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=LONDON)


def at(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, tzinfo=LONDON)


def row(category="bins", made=None, due=None, closed=None, status=None, reopened=0, disputed=False):
    made = made or at(3, 2)
    due = due or made + datetime.timedelta(days=2)
    status = status or ("fixed" if closed else "new")
    return Row(category, made, due, closed, status, reopened, disputed)


def test_open_statuses_are_the_models_open_family():
    assert {str(status) for status in models.OPEN_STATUSES} == scorecard.OPEN_STATUSES


def test_every_closing_status_is_judged_one_way_only():
    closed = {str(status) for status in models.CLOSED_STATUSES}
    assert closed == {scorecard.FIXED, scorecard.NOT_FIXED} | scorecard.WITHOUT_FIX_STATUSES
    assert scorecard.FIXED not in scorecard.WITHOUT_FIX_STATUSES
    assert scorecard.NOT_FIXED not in scorecard.WITHOUT_FIX_STATUSES


def test_a_report_closed_by_its_date_is_kept_and_one_closed_after_it_is_not():
    card = score(
        [
            row(closed=at(3, 3)),  # a day early
            row(closed=at(3, 4)),  # on the minute it was due
            row(closed=at(3, 5)),  # a day late
        ],
        now=NOW,
        tz=LONDON,
    )
    march = card.by_month[datetime.date(2026, 3, 1)]
    assert (march.reports, march.closed, march.kept, march.not_kept) == (3, 3, 2, 1)
    assert march.median_close == datetime.timedelta(days=2)


def test_only_a_fix_keeps_the_pledge():
    """The review's five: closed on time, but not one of them fixed. None is kept; the one
    closed as not fixed is not kept; the rest are closed without a fix, not judged."""
    on_time = at(3, 3)
    review = [
        row(closed=on_time, status="not_fixed"),
        row(closed=on_time, status="no_further_action"),
        row(closed=on_time, status="not_responsible"),
        row(closed=on_time, status="duplicate"),
        row(closed=on_time, status="no_further_action"),  # a bare "closed" from Open311
    ]
    total = score(review, now=NOW, tz=LONDON).total
    assert (total.reports, total.closed, total.kept) == (5, 5, 0)
    assert (total.not_fixed, total.not_kept, total.without_fix, total.judged) == (1, 1, 4, 1)
    assert total.share_kept == 0
    assert scorecard.describe_share(total) == "too few to judge (1)"
    assert total.median_close is None  # nothing was fixed
    without_fix = score(review[1:], now=NOW, tz=LONDON).total
    assert (without_fix.kept, without_fix.not_kept, without_fix.without_fix) == (0, 0, 4)
    assert without_fix.share_kept is None
    assert scorecard.describe_share(without_fix) == "nothing to judge yet"
    out = scorecard.tally_json(without_fix)
    assert out["closed_without_fix"] == 4 and out["share_kept"] is None
    assert (out["kept"], out["not_kept"], out["fixed_on_time"]) == (0, 0, 0)


def test_closed_as_not_fixed_is_not_kept_even_early_and_without_a_fix_is_not_late():
    card = score(
        [
            row(closed=at(3, 2, 11), status="not_fixed"),  # an hour after it was made
            row(closed=at(3, 20), status="not_fixed"),  # after its date
            row(closed=at(3, 20), status="duplicate"),  # after its date, still not judged
            row(closed=at(3, 3), status="fixed"),
            row(closed=at(3, 5), status="fixed"),  # late
        ],
        now=NOW,
        tz=LONDON,
    )
    total = card.total
    assert (total.kept, total.late, total.not_fixed, total.without_fix) == (1, 1, 2, 1)
    assert (total.not_kept, total.judged, total.closed) == (3, 4, 5)
    # The median is over the two fixed: a day and three days.
    assert total.median_close == datetime.timedelta(days=2)


def test_a_closing_status_the_engine_does_not_know_is_never_kept():
    total = score([row(closed=at(3, 3), status="resolved")], now=NOW, tz=LONDON).total
    assert (total.kept, total.not_fixed, total.not_kept, total.without_fix) == (0, 1, 1, 0)


def test_an_open_report_past_its_date_counts_as_not_kept_in_the_month_it_was_made():
    card = score(
        [
            row(made=at(3, 30), due=at(4, 2)),  # overdue now, made in March
            row(made=at(6, 14), due=at(6, 16)),  # not yet due
        ],
        now=NOW,
        tz=LONDON,
    )
    march, june = card.by_month[datetime.date(2026, 3, 1)], card.by_month[datetime.date(2026, 6, 1)]
    assert (march.overdue, march.not_kept, march.pending) == (1, 1, 0)
    assert (june.overdue, june.pending, june.judged) == (0, 1, 0)
    assert june.share_kept is None
    assert scorecard.describe_share(june) == "nothing to judge yet"


def test_a_report_reopened_and_closed_late_is_late_though_it_was_first_closed_in_time():
    # Closed in time, the reporter said "not fixed", closed again after the date: the
    # closing time is the last one, and the date never moved.
    reopened = row(closed=at(3, 10), reopened=1, disputed=True)
    card = score([reopened], now=NOW, tz=LONDON)
    assert (card.total.kept, card.total.late, card.total.disputed, card.total.reopened) == (
        0,
        1,
        1,
        1,
    )


def test_a_report_closed_then_reopened_and_still_open_is_open():
    reopened = row(closed=None, status="new", reopened=1, disputed=True)
    card = score([reopened], now=NOW, tz=LONDON)
    assert (card.total.closed, card.total.overdue) == (0, 1)


def test_months_are_counted_in_local_time():
    # 23:30 on 31 March in London is 22:30 UTC: still March there and here.
    late_march = datetime.datetime(2026, 3, 31, 22, 30, tzinfo=datetime.UTC)
    # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time).
    april = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC)
    card = score([row(made=late_march), row(made=april)], now=NOW, tz=LONDON)
    assert card.by_month[datetime.date(2026, 3, 1)].reports == 1
    assert card.by_month[datetime.date(2026, 4, 1)].reports == 1


def test_every_category_and_month_appears_even_with_no_reports():
    card = score([row(category="bins", made=at(3, 2))], now=NOW, categories=["repairs", "bins"])
    assert [category.key for category in card.categories] == ["repairs", "bins"]
    assert card.months == [datetime.date(2026, month, 1) for month in (3, 4, 5, 6)]
    assert all(len(category.months) == 4 for category in card.categories)
    assert card.categories[0].total.reports == 0


def test_below_the_minimum_a_share_is_too_few_to_judge():
    few = Tally(on_time=3, late=1, closed=4, reports=4)
    assert scorecard.describe_share(few) == "too few to judge (4)"
    enough = Tally(on_time=MIN_TO_JUDGE * 2 - 1, late=1, closed=MIN_TO_JUDGE * 2)
    assert scorecard.describe_share(enough) == f"90% kept (9 of {MIN_TO_JUDGE * 2})"


def test_the_users_side_is_carried_through_by_commitment_and_month():
    card = score(
        [],
        now=NOW,
        tz=LONDON,
        user_side=[("Give access", datetime.date(2026, 4, 1), 3)],
        commitments=["Give access", "Cancel appointments you cannot keep"],
    )
    assert card.users == {
        "Give access": {datetime.date(2026, 4, 1): 3},
        "Cancel appointments you cannot keep": {},
    }
    assert card.months[0] == datetime.date(2026, 4, 1)
    out = scorecard.as_json(card)
    assert out["users_side"][0] == {
        "commitment": "Give access",
        "by_month": {"2026-04": 3},
        "total": 3,
    }


def test_durations_read_as_words():
    assert scorecard.describe_duration(datetime.timedelta(hours=76)) == "3 days 4 hours"
    assert scorecard.describe_duration(datetime.timedelta(minutes=20)) == "under an hour"
    assert scorecard.describe_duration(datetime.timedelta(days=1)) == "1 day"
    assert scorecard.describe_duration(None) == "\u2013"


# --- properties -------------------------------------------------------------------------

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
STATUSES = [
    "new", "in_progress", "fixed", "fixed", "not_fixed", "duplicate", "not_responsible",
    "no_further_action",
]  # fmt: skip
WITHOUT_FIX = sorted(scorecard.WITHOUT_FIX_STATUSES)


@st.composite
def rows(draw):
    made = START + datetime.timedelta(minutes=draw(st.integers(0, 60 * 24 * 500)))
    due = made + datetime.timedelta(minutes=draw(st.integers(1, 60 * 24 * 30)))
    status = draw(st.sampled_from(STATUSES))
    closed = None
    if status not in scorecard.OPEN_STATUSES:
        closed = made + datetime.timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    return Row(
        draw(st.sampled_from(["a", "b", "c"])),
        made,
        due,
        closed,
        status,
        draw(st.integers(0, 2)),
        draw(st.booleans()),
    )


NOWS = st.integers(0, 60 * 24 * 600).map(lambda m: START + datetime.timedelta(minutes=m))


def all_cells(card):
    for category in card.categories:
        yield category.total
        yield from category.months.values()
    yield from card.by_month.values()
    yield card.total


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=60), NOWS)
def test_every_cell_adds_up(reports, now):
    card = score(reports, now=now, tz=LONDON)
    for tally in all_cells(card):
        assert tally.on_time + tally.late + tally.not_fixed + tally.without_fix == tally.closed
        assert tally.kept + tally.not_kept == tally.judged
        assert tally.not_kept == tally.late + tally.not_fixed + tally.overdue
        assert tally.closed + tally.overdue + tally.pending == tally.reports
        # Every report is exactly one of: kept, not kept, closed without a fix, pending.
        assert tally.kept + tally.not_kept + tally.without_fix + tally.pending == tally.reports
        # The median is over the fixed ones only.
        assert len(tally.close_seconds) == tally.on_time + tally.late
        assert 0 <= tally.disputed <= tally.reports
        assert 0 <= tally.reopened <= tally.reports
        if tally.share_kept is not None:
            assert 0 <= tally.share_kept <= 1
        else:
            assert tally.judged == 0
        if tally.median_close is not None:
            assert tally.median_close >= datetime.timedelta(0)


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=60), NOWS)
def test_months_and_categories_partition_the_reports(reports, now):
    card = score(reports, now=now, tz=LONDON)
    assert card.total.reports == len(reports)
    assert sum(t.reports for t in card.by_month.values()) == len(reports)
    assert sum(c.total.reports for c in card.categories) == len(reports)
    fields = (
        "closed", "on_time", "late", "not_fixed", "without_fix", "overdue", "pending",
        "disputed", "reopened",
    )  # fmt: skip
    for field in fields:
        whole = getattr(card.total, field)
        assert sum(getattr(t, field) for t in card.by_month.values()) == whole
        assert sum(getattr(c.total, field) for c in card.categories) == whole
        for month, tally in card.by_month.items():
            assert sum(getattr(c.months[month], field) for c in card.categories) == getattr(
                tally, field
            )
    # The months run without a gap up to the month of `now`.
    for earlier, later in zip(card.months, card.months[1:], strict=False):
        assert scorecard.month_span(earlier, later) == [earlier, later]


@settings(max_examples=100, deadline=None)
@given(st.lists(rows(), max_size=40), NOWS)
def test_closing_a_late_report_never_raises_the_share_kept(reports, now):
    """Closing an overdue report late moves it from 'not kept' to 'not kept': the share
    does not change; nothing late ever counts as kept."""
    card = score(reports, now=now, tz=LONDON)
    closed = [
        r._replace(status="fixed", closed_at=max(now, r.expected_at) + datetime.timedelta(hours=1))
        if r.closed_at is None and r.expected_at < now
        else r
        for r in reports
    ]
    after = score(closed, now=now, tz=LONDON)
    assert after.total.kept == card.total.kept
    assert after.total.not_kept == card.total.not_kept


@settings(max_examples=100, deadline=None)
@given(st.lists(rows(), max_size=40), NOWS)
def test_the_json_matches_the_tallies(reports, now):
    card = score(reports, now=now, tz=LONDON)
    out = scorecard.as_json(card)
    assert out["total"]["reports"] == len(reports)
    assert out["total"]["kept"] + out["total"]["not_kept"] == card.total.judged
    assert len(out["months"]) == len(card.months)
    for tally in (out["total"], *out["by_month"].values()):
        assert tally["kept"] == tally["fixed_on_time"]
        assert (
            tally["fixed_on_time"] + tally["fixed_late"] + tally["closed_not_fixed"]
            + tally["closed_without_fix"] == tally["closed"]
        )  # fmt: skip
        assert (
            tally["kept"] + tally["not_kept"] + tally["closed_without_fix"]
            + tally["open_not_yet_due"] == tally["reports"]
        )  # fmt: skip
    assert "fixed" in out["rules"]["kept"] and "fixed" in out["rules"]["median"]
    assert "neither kept nor not kept" in out["rules"]["closed_without_fix"]


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=40), NOWS)
def test_a_report_closed_as_not_fixed_is_never_kept(reports, now):
    """Whenever it was closed, and whatever else is on the scorecard, closing a report as
    not fixed takes it out of 'kept' (if it was) and puts it in 'not kept'."""
    card = score(reports, now=now, tz=LONDON)
    for n, report in enumerate(reports):
        closed = report.closed_at or report.created_at
        changed = [
            *reports[:n],
            report._replace(status="not_fixed", closed_at=closed),
            *reports[n + 1 :],
        ]
        after = score(changed, now=now, tz=LONDON).total
        was_kept = report.status == "fixed" and report.closed_at <= report.expected_at
        assert after.kept == card.total.kept - was_kept
        assert score([changed[n]], now=now, tz=LONDON).total.kept == 0
        assert after.judged >= card.total.judged
        if card.total.share_kept is not None and after.share_kept is not None:
            assert after.share_kept <= card.total.share_kept


@settings(max_examples=200, deadline=None)
@given(
    st.lists(rows(), max_size=40),
    NOWS,
    st.lists(st.tuples(st.sampled_from(WITHOUT_FIX), st.integers(0, 60 * 24 * 60)), max_size=10),
)
def test_closing_without_a_fix_never_changes_the_share_kept(reports, now, closures):
    """Reports closed as a duplicate, not ours or no further action, however many and
    whenever: the share kept, kept and not kept stay as they were; only the column of
    those closed without a fix grows."""
    card = score(reports, now=now, tz=LONDON)
    due = START + datetime.timedelta(days=1)
    extra = [
        Row("a", START, due, START + datetime.timedelta(minutes=m), status, 0, False)
        for status, m in closures
    ]
    after = score(reports + extra, now=now, tz=LONDON)
    assert after.total.share_kept == card.total.share_kept
    assert (after.total.kept, after.total.not_kept) == (card.total.kept, card.total.not_kept)
    assert after.total.without_fix == card.total.without_fix + len(extra)
    assert after.total.median_close == card.total.median_close
    # Closing any one report without a fix takes it out of what is judged.
    for n, report in enumerate(reports):
        closed = report.closed_at or report.created_at
        changed = [
            *reports[:n],
            report._replace(status="no_further_action", closed_at=closed),
            *reports[n + 1 :],
        ]
        total = score(changed, now=now, tz=LONDON).total
        assert total.judged <= card.total.judged
        assert total.kept <= card.total.kept
        assert total.without_fix == card.total.without_fix + (
            report.status not in scorecard.WITHOUT_FIX_STATUSES or report.closed_at is None
        )
