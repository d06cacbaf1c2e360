"""Which statement to show someone next. Pure: no Django, so it is easy to test.

Everyone sees a different order. Each statement the person has not voted on is drawn
with a weight that favours:

- new statements: a statement few people have seen needs votes before anyone can tell
  whether it is common ground or a divide (weight up to five times that of a statement
  with many votes, halving every five votes);
- divisive statements: where agree and disagree are close, or the analysis found a
  divide, another vote tells the most about where people stand;
- uncertain statements: the analysis predicts, for each statement, about what share of
  all participants would agree and a 95% range (engine.Prediction). The wider that range,
  and the nearer its middle to one half, the less anyone can say yet how everyone would
  vote, so the more another vote is worth: up to three times the weight of a statement
  whose outcome is known. A statement with no prediction yet (added since the last
  analysis) counts as unknown: the widest range, at one half.

The three multiply. Every weight is positive (at least a quarter of one), so no
statement is starved. A random draw, not a fixed ranking, so that two people voting at
the same time do not all see the same one.
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
    # (share, low, high) of all participants predicted to agree, 0..1; None: not yet.
    predicted: tuple[float, float, float] | None = None


UNCERTAINTY_BONUS = 2.0  # a fully unknown outcome: three times the weight of a known one


def uncertainty(predicted: tuple[float, float, float] | None) -> float:
    """1 for an outcome known exactly; up to 1 + UNCERTAINTY_BONUS for one that could be
    anything. Grows with the width of the range, and with how near one half its middle
    is (half the bonus for the width alone)."""
    if predicted is None:
        return 1 + UNCERTAINTY_BONUS
    share, low, high = predicted
    width = min(1.0, max(0.0, high - low))
    middle = min(1.0, max(0.0, share))
    closeness = 1 - abs(2 * middle - 1)  # 1 at one half, 0 at none or all
    return 1 + UNCERTAINTY_BONUS * width * (1 + closeness) / 2


def weight(candidate: Candidate) -> float:
    newness = 1 + 4 * 0.5 ** (candidate.votes / 5)
    agree_share = (candidate.agree + 1) / (candidate.agree + candidate.disagree + 2)
    closeness = 4 * agree_share * (1 - agree_share)  # 1 when evenly split, near 0 when not
    divisiveness = 0.25 + closeness + (1.0 if candidate.is_divide else 0.0)
    return newness * divisiveness * uncertainty(candidate.predicted)


def choose(candidates: list[Candidate], rng: random.Random | None = None) -> int | None:
    """A statement id drawn from `candidates` (statements the person has not voted on),
    or None when there are none left."""
    if not candidates:
        return None
    rng = rng or random.Random()
    weights = [weight(c) for c in candidates]
    return rng.choices(candidates, weights=weights, k=1)[0].statement
