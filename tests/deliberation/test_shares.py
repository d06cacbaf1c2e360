"""Shares of agreement say how many votes they rest on, and too few are not a percentage."""

from hypothesis import given
from hypothesis import strategies as st

from coproduce.deliberation.templatetags.deliberation import (
    MIN_VOTES_FOR_A_SHARE,
    NO_VOTES_CELL,
    agree_cell,
    agree_share,
)


def test_one_vote_is_not_a_hundred_percent():
    assert agree_share(1.0, 1) == "too few votes (1)"
    assert agree_cell(1.0, 1) == "too few (1)"
    assert agree_share(None, 0) == "no votes"
    assert agree_cell(None, 0) == NO_VOTES_CELL
    assert agree_share(0.75, 12) == "75% agree (9 of 12)"
    assert agree_cell(0.75, 12) == "75% of 12"


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_every_share_names_its_count(agree, disagree):
    votes = agree + disagree
    share = agree / votes if votes else None
    text = agree_share(share, votes)
    if votes == 0:
        assert text == "no votes"
    elif votes < MIN_VOTES_FOR_A_SHARE:
        assert "%" not in text and f"({votes})" in text
    else:
        assert text.endswith(f"({agree} of {votes})")
