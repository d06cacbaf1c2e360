"""Properties of the fair shortlist and the benefits guard (pure engines)."""

import datetime
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.involve import guard
from coproduce.involve import shortlist as engine

T0 = datetime.datetime(2026, 12, 1, 9, 0)

places = st.builds(
    lambda s, u, a, r: engine.Places(s, u, a, min(r, s + u + a)),
    st.integers(0, 4),
    st.integers(0, 4),
    st.integers(0, 3),
    st.integers(0, 3),
)


@st.composite
def candidates(draw):
    count = draw(st.integers(0, 12))
    found = []
    for i in range(count):
        last = draw(st.none() | st.integers(0, 900))
        found.append(
            engine.Candidate(
                id=i + 1,
                side=draw(st.sampled_from([engine.STAFF, engine.USER])),
                asked_at=T0 + datetime.timedelta(minutes=draw(st.integers(0, 5000))),
                last_involved=None
                if last is None
                else datetime.date(2024, 1, 1) + datetime.timedelta(days=last),
                area=draw(st.sampled_from(["", "Eastfield", "Westgate"])),
                invited=draw(st.booleans()),
            )
        )
    return found


@given(places, candidates())
@settings(max_examples=300, deadline=None)
def test_the_chosen_always_fit_the_places_and_the_mix(p, people):
    chosen = [r.candidate for r in engine.shortlist(people, p) if r.chosen]
    held = engine.Held.of((c.side, c.invited) for c in chosen)
    assert engine.within(p, held)
    # Nobody left out could still have taken a place.
    for r in engine.shortlist(people, p):
        if not r.chosen:
            assert not engine.fits(p, held, r.candidate.side, r.candidate.invited)


@given(places, candidates())
@settings(max_examples=200, deadline=None)
def test_the_order_does_not_depend_on_the_order_people_arrive(p, people):
    forwards = [r.candidate.id for r in engine.shortlist(people, p)]
    backwards = [r.candidate.id for r in engine.shortlist(list(reversed(people)), p)]
    assert forwards == backwards


@given(candidates())
@settings(max_examples=200, deadline=None)
def test_less_recently_involved_come_first_all_else_equal(people):
    ranked = [r.candidate for r in engine.rank(people)]
    for earlier, later in itertools.pairwise(ranked):
        if earlier.invited == later.invited:
            # Never involved, then longest ago, first.
            key = (earlier.last_involved is not None, earlier.last_involved or datetime.date.min)
            key_later = (later.last_involved is not None, later.last_involved or datetime.date.min)
            assert key <= key_later


def test_a_favoured_area_comes_before_and_says_why():
    a = engine.Candidate(1, engine.USER, T0, datetime.date(2026, 1, 1), "Westgate")
    b = engine.Candidate(2, engine.USER, T0, datetime.date(2026, 6, 1), "Eastfield")
    favour = engine.Favour(less_involved=frozenset({"Eastfield"}))
    ranked = engine.rank([a, b], favour)
    assert [r.candidate.id for r in ranked] == [2, 1]
    assert "From Eastfield, an area less involved so far" in ranked[0].reasons
    assert [r.candidate.id for r in engine.rank([a, b])] == [1, 2]


def test_reserved_places_wait_for_people_invited():
    p = engine.Places(user=2, reserved=1)
    held = engine.Held().plus(engine.USER, invited=False)
    assert not engine.fits(p, held, engine.USER, invited=False)
    assert engine.fits(p, held, engine.USER, invited=True)


def test_a_panel_of_two_staff_and_one_user_takes_no_second_user():
    p = engine.Places(staff=2, user=1)
    held = engine.Held().plus(engine.USER, False)
    assert not engine.fits(p, held, engine.USER)
    assert engine.fits(p, held, engine.STAFF)
    assert engine.missing(p, held) == {engine.STAFF: 2}


@given(st.integers(1, 24 * 60), st.integers(1, 10_000), st.integers(15, 600))
def test_a_payment_is_a_whole_number_of_blocks_begun(minutes, pence, block):
    paid = guard.payment_for(minutes, guard.Rate(pence, block))
    blocks = paid // pence
    assert paid % pence == 0
    assert (blocks - 1) * block < minutes <= blocks * block


@given(
    st.integers(0, 50_000),
    st.integers(0, 10_000),
    st.integers(0, 20_000),
    st.integers(0, 600),
    st.none() | st.integers(0, 50_000),
    st.none() | st.integers(0, 6_000),
    st.booleans(),
)
def test_the_guard_warns_exactly_when_a_limit_is_passed(week, month, pence, minutes, wl, ml, hard):
    verdict = guard.check(guard.Totals(week, month), pence, minutes, guard.Limits(wl, ml, hard))
    passed = (wl is not None and week + pence > wl) + (ml is not None and month + minutes > ml)
    assert len(verdict.warnings) == passed
    assert verdict.refused == (hard and passed > 0)


def test_the_warning_is_plain_and_in_pounds():
    verdict = guard.check(guard.Totals(2000, 0), 2000, 90, guard.Limits(weekly_pay_pence=3000))
    assert verdict.warnings == (
        "This payment would bring what you are paid this week to £40.00, over the £30.00 a "
        "week the hub sets as a limit so that payments do not affect benefits.",
    )
    assert guard.money(123456789) == "£1,234,567.89"
