"""The matching engine: the safeguarding gate is never crossed, the fast ranking agrees
exactly with the plain reference loop, and each reason says what earned its points."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.referrals import matching
from coproduce.referrals.matching import (
    Candidate,
    Need,
    Pool,
    best_possible,
    rank_in_order,
    rank_in_rounds,
    rank_naive,
)

TODAY = 740_000
WORDS = ["phone", "call", "shopping", "garden", "lift", "tea", "read", "form", "walk"]

candidates = st.builds(
    Candidate,
    member_id=st.integers(1, 10_000),
    categories=st.frozensets(st.integers(1, 5), max_size=3),
    words=st.frozensets(st.sampled_from(WORDS), max_size=4),
    area=st.integers(-1, 4),
    availability=st.integers(0, (1 << 21) - 1),
    check_valid_until=st.sampled_from([0, TODAY - 1, TODAY, TODAY + 1, TODAY + 900]),
    load=st.integers(0, 4),
    given_minutes=st.integers(0, 3000),
    received_minutes=st.integers(0, 3000),
)
needs = st.builds(
    Need,
    today=st.just(TODAY),
    category=st.one_of(st.none(), st.integers(1, 5)),
    words=st.frozensets(st.sampled_from(WORDS), max_size=3),
    area=st.integers(-1, 4),
    adjacent_areas=st.frozensets(st.integers(0, 4), max_size=2),
    availability=st.integers(0, (1 << 21) - 1),
    needs_check=st.booleans(),
    exclude=st.frozensets(st.integers(1, 10_000), max_size=3),
)
pools = st.lists(candidates, max_size=60, unique_by=lambda c: c.member_id)


@settings(max_examples=300, deadline=None)
@given(pool=pools, need=needs, k=st.integers(1, 12), cap=st.integers(1, 4))
def test_the_gate_is_never_crossed_and_the_fast_ranking_matches_the_reference(pool, need, k, cap):
    fast = Pool(pool, load_cap=cap).rank(need, k=k)
    slow = rank_naive(pool, need, k=k, load_cap=cap)
    assert fast == slow
    by_id = {c.member_id: c for c in pool}
    for ranked in fast:
        candidate = by_id[ranked.member_id]
        if need.needs_check:
            assert candidate.check_valid_until > TODAY
        assert candidate.load < cap
        assert candidate.member_id not in need.exclude
        assert ranked.score == sum(reason.points for reason in ranked.reasons)
    scores = [r.score for r in fast]
    assert scores == sorted(scores, reverse=True)


def test_fit_nearness_time_load_and_reciprocity_each_move_a_candidate_up():
    need = Need(
        today=TODAY,
        category=1,
        words=matching.words("weekly phone calls"),
        area=0,
        adjacent_areas=frozenset([1]),
        availability=0b11,
    )
    base = {"categories": frozenset([1]), "check_valid_until": 0}
    people = [
        Candidate(1, **base),
        Candidate(2, **base, area=1),  # next door
        Candidate(3, **base, area=0),  # same area
        Candidate(4, **base, availability=0b11),
        Candidate(5, **base, load=2),
        Candidate(6, **base, given_minutes=60, received_minutes=600),
        Candidate(7, words=matching.words("phone calls")),  # no category, but the words
        Candidate(8, categories=frozenset([2])),  # neither: not offered at all
    ]
    ranked = {r.member_id: r for r in Pool(people, load_cap=3).rank(need, k=10)}
    assert 8 not in ranked
    plain = ranked[1].score
    assert ranked[3].score > ranked[2].score > plain
    assert ranked[4].score > plain
    assert ranked[5].score < plain
    assert ranked[6].score > plain
    kinds = {reason.kind for reason in ranked[6].reasons}
    assert kinds == {"category", "load", "reciprocity"}
    assert ranked[7].reasons[0] == matching.Reason("words", 2000 * 2 // 3, ("call", "phone"))


def test_a_needed_check_must_be_valid_today_not_just_recorded():
    need = Need(today=TODAY, needs_check=True)
    people = [
        Candidate(1, check_valid_until=TODAY),  # expires today: no longer valid
        Candidate(2, check_valid_until=TODAY + 1),
        Candidate(3),
    ]
    assert [r.member_id for r in Pool(people).rank(need)] == [2]


def test_words_drop_small_words_and_plurals():
    assert matching.words("Lifts to the GP, and shopping trips!") == {"lift", "shopping", "trip"}


@settings(max_examples=200, deadline=None)
@given(
    pool=pools,
    need=needs,
    k=st.integers(1, 12),
    cap=st.integers(1, 4),
    first=st.integers(1, 20),
    extra=st.data(),
)
def test_ranking_in_rounds_is_ranking_everyone(pool, need, k, cap, first, extra):
    """Each candidate hoped for at their best (no commitments, no hours, and perhaps
    words or categories they turn out not to give): fetching only those who could make
    the top k gives the same top k as scoring everyone, and the best is never beaten."""
    by_id = {c.member_id: c for c in pool}
    hopes = [
        replace(
            c,
            load=0,
            given_minutes=0,
            received_minutes=0,
            words=c.words | extra.draw(st.frozensets(st.sampled_from(WORDS), max_size=2)),
            categories=c.categories | extra.draw(st.frozensets(st.integers(1, 5), max_size=1)),
        )
        for c in pool
    ]
    fetched: list[int] = []

    def fetch(ids):
        fetched.extend(ids)
        return [by_id[i] for i in ids]

    assert rank_in_rounds(hopes, need, fetch, k=k, load_cap=cap, first=first) == rank_naive(
        pool, need, k=k, load_cap=cap
    )
    assert len(fetched) == len(set(fetched))
    for c, hope in zip(pool, hopes, strict=True):
        real = rank_naive([c], need, k=1, load_cap=cap)
        if real:
            assert matching.best_possible(hope, need, cap) >= real[0].score


@settings(max_examples=200, deadline=None)
@given(
    pool=pools, need=needs, k=st.integers(1, 12), cap=st.integers(1, 4), first=st.integers(1, 20)
)
def test_ranking_most_hopeful_first_is_ranking_everyone(pool, need, k, cap, first):
    """Hopes read most hopeful first, stopping below the k-th score: the same top k as
    scoring everyone, having read only what could reach it; out of order is refused."""
    by_id = {c.member_id: c for c in pool}
    hopes = [
        (c.member_id, best)
        for c in pool
        if (best := best_possible(replace(c, load=0), need, cap)) is not None
    ]
    hopes.sort(key=lambda hope: (-hope[1], hope[0]))
    read: list[tuple[int, int]] = []

    def reading():
        for hope in hopes:
            read.append(hope)
            yield hope

    def fetch(ids):
        return [by_id[i] for i in ids]

    top = rank_in_order(reading(), need, fetch, k=k, load_cap=cap, first=first)
    assert top == rank_naive(pool, need, k=k, load_cap=cap)
    # Whoever was left unread could not have reached the k-th score.
    assert all(len(top) == k and best < top[-1].score for _, best in hopes[len(read) :])
    if len(hopes) >= 2 and hopes[0][1] != hopes[-1][1]:
        with pytest.raises(ValueError):
            rank_in_order(reversed(hopes), need, fetch, k=len(hopes), load_cap=cap, first=1)
