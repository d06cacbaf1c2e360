"""Which statement to show someone next. Pure: no Django, so it is easy to test.

Everyone sees a different order. Each statement the person has not voted on is drawn
with a weight that favours:

- new statements: a statement few people have seen needs votes before anyone can tell
  whether it is common ground or a divide (weight up to five times that of a statement
  with many votes, halving every five votes);
- divisive statements: where agree and disagree are close, or the analysis found a
  divide, another vote tells the most about where people stand.

A random draw, not a fixed ranking, so that no statement is starved and two people
voting at the same time do not all see the same one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    statement: int
    votes: int  # how many people have voted on it
    agree: int
    disagree: int
    is_divide: bool = False


def weight(candidate: Candidate) -> float:
    newness = 1 + 4 * 0.5 ** (candidate.votes / 5)
    agree_share = (candidate.agree + 1) / (candidate.agree + candidate.disagree + 2)
    closeness = 4 * agree_share * (1 - agree_share)  # 1 when evenly split, near 0 when not
    divisiveness = 0.25 + closeness + (1.0 if candidate.is_divide else 0.0)
    return newness * divisiveness


def choose(candidates: list[Candidate], rng: random.Random | None = None) -> int | None:
    """A statement id drawn from `candidates` (statements the person has not voted on),
    or None when there are none left."""
    if not candidates:
        return None
    rng = rng or random.Random()
    weights = [weight(c) for c in candidates]
    return rng.choices(candidates, weights=weights, k=1)[0].statement
