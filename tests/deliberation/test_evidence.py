"""Common ground and divides are ranked by evidence: more people agreeing never costs a
statement its place, and thin evidence never outranks thick."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.deliberation import evidence

GROUPS = st.integers(1, 4)
STATEMENTS = st.integers(2, 8)


@st.composite
def tallies(draw):
    """(agrees, decided) per statement and group, agrees <= decided."""
    n, k = draw(STATEMENTS), draw(GROUPS)
    decided = np.array(draw(st.lists(st.integers(0, 300), min_size=n * k, max_size=n * k)))
    fractions = np.array(draw(st.lists(st.floats(0, 1), min_size=n * k, max_size=n * k)))
    agrees = np.floor(decided * fractions).astype(int)
    return agrees.reshape(n, k), decided.reshape(n, k)


def rank(order: list, statement: int) -> float:
    return order.index(statement) if statement in order else float("inf")


@settings(max_examples=200, deadline=None)
@given(tallies(), st.data())
def test_adding_agreeing_voters_never_lowers_a_statements_rank(counts, data):
    agrees, decided = counts
    statement = data.draw(st.integers(0, len(agrees) - 1))
    group = data.draw(st.integers(0, agrees.shape[1] - 1))
    more = data.draw(st.integers(1, 50))
    before = evidence.common_ground(agrees, decided, limit=len(agrees))
    agrees2, decided2 = agrees.copy(), decided.copy()
    agrees2[statement, group] += more
    decided2[statement, group] += more
    after = evidence.common_ground(agrees2, decided2, limit=len(agrees))
    assert rank(after, statement) <= rank(before, statement)


@settings(max_examples=200, deadline=None)
@given(tallies())
def test_ten_times_the_voters_at_the_same_shares_ranks_at_least_as_high(counts):
    agrees, decided = counts
    for statement in range(len(agrees)):
        before = evidence.common_ground(agrees, decided, limit=len(agrees))
        agrees2, decided2 = agrees.copy(), decided.copy()
        agrees2[statement] *= 10
        decided2[statement] *= 10
        after = evidence.common_ground(agrees2, decided2, limit=len(agrees))
        assert rank(after, statement) <= rank(before, statement)


def test_many_voters_nearly_all_agreeing_outrank_a_few_all_agreeing():
    # The case that was wrong: 20-28 people, all agreeing, ranked above 125 at 95-100%.
    agrees = np.array([[24, 22, 26], [120, 118, 125]])
    decided = np.array([[24, 22, 26], [125, 122, 125]])
    assert evidence.common_ground(agrees, decided) == [1, 0]


def test_a_statement_needs_enough_voters_in_every_group():
    agrees = np.array([[40, 4], [40, 5]])
    decided = np.array([[40, 4], [40, 5]])
    assert evidence.common_ground(agrees, decided) == [1]
    assert evidence.common_ground(agrees, decided, min_voters=4) == [1, 0]


def test_a_bare_majority_is_not_common_ground_but_a_sure_one_is():
    agrees = np.array([[11, 11], [90, 90]])
    decided = np.array([[20, 20], [120, 120]])
    assert evidence.common_ground(agrees, decided) == [1]


def test_divides_need_one_group_surely_for_and_another_surely_against():
    agrees = np.array([[45, 3], [6, 4], [30, 25]])
    decided = np.array([[50, 50], [8, 8], [50, 50]])
    assert evidence.divides(agrees, decided) == [0]
    assert evidence.divides(agrees[:, :1], decided[:, :1]) == []


def test_the_bounds_bracket_the_share_and_narrow_with_evidence():
    low_few, high_few = evidence.lower_bound(8, 10), evidence.upper_bound(8, 10)
    low_many, high_many = evidence.lower_bound(800, 1000), evidence.upper_bound(800, 1000)
    assert low_few < low_many < 0.8 < high_many < high_few
    # No votes at all: the uniform prior's own bounds.
    assert evidence.lower_bound(0, 0) == pytest.approx(1 - evidence.CONFIDENCE)
    assert evidence.upper_bound(0, 0) == pytest.approx(evidence.CONFIDENCE)
