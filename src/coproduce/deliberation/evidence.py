"""How sure the votes make us: common ground and divides ranked by evidence.

Pure: NumPy and SciPy only.

A share says nothing on its own about how many people it rests on: 5 of 5 agreeing is
100%, and so is 120 of 120. So each group's (or role's) agree share is read as a
Beta posterior with a uniform prior, Beta(agrees + 1, disagrees + 1), which pulls thin
evidence towards one half, and we use its lower bound: the share we are 90% sure the
group's agreement is above (its upper bound, for "we are 90% sure it is below").

- **Common ground**: a statement's score is the smallest lower bound over the groups,
  i.e. how strongly the least convinced group surely agrees. It enters only when every
  group has at least `MIN_VOTERS` people who agreed or disagreed and that score is above
  one half (each group is 90% sure to have a majority agreeing). Ranked by the score,
  so 120 of 125 agreeing in every group outranks 25 of 25, whose bound is lower.
- **Divides**: one group surely agrees (lower bound above one half) and another surely
  disagrees (upper bound below one half), each with at least `MIN_VOTERS`; ranked by
  the gap between those bounds.

Both scores only rise with more agreeing voters, and with more voters at the same
shares (for shares above one half), so evidence never costs a statement its place.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv

from .rules import COMMON_GROUND_LIMIT as LIMIT
from .rules import MIN_VOTERS

CONFIDENCE = 0.9  # one-sided: the bound we are this sure the true share is beyond


def lower_bound(agrees, voted) -> np.ndarray:
    """The agree share we are CONFIDENCE sure is exceeded (Beta(a+1, n-a+1) quantile)."""
    agrees, voted = np.asarray(agrees, float), np.asarray(voted, float)
    return betaincinv(agrees + 1, voted - agrees + 1, 1 - CONFIDENCE)


def upper_bound(agrees, voted) -> np.ndarray:
    agrees, voted = np.asarray(agrees, float), np.asarray(voted, float)
    return betaincinv(agrees + 1, voted - agrees + 1, CONFIDENCE)


def common_ground_scores(agree_counts, voted_counts, *, min_voters=MIN_VOTERS) -> np.ndarray:
    """Per statement (rows), the smallest lower bound over groups (columns); -inf where
    some group has fewer than `min_voters` votes."""
    agree_counts, voted_counts = np.atleast_2d(agree_counts), np.atleast_2d(voted_counts)
    scores = lower_bound(agree_counts, voted_counts).min(axis=1)
    enough = (voted_counts >= min_voters).all(axis=1)
    return np.where(enough, scores, -np.inf)


def common_ground(agree_counts, voted_counts, *, min_voters=MIN_VOTERS, limit=LIMIT) -> list:
    """Row indices of the statements every group surely agrees with, surest first."""
    return surest(common_ground_scores(agree_counts, voted_counts, min_voters=min_voters), limit)


def surest(scores: np.ndarray, limit=LIMIT) -> list:
    """Row indices of the scores above one half, highest first (ties in row order)."""
    order = np.argsort(-scores, kind="stable")
    return [int(s) for s in order if scores[s] > 0.5][:limit]


def divides(agree_counts, voted_counts, *, min_voters=MIN_VOTERS, limit=LIMIT) -> list:
    """Row indices of statements one group surely agrees with and another surely does
    not, widest gap first."""
    agree_counts, voted_counts = np.atleast_2d(agree_counts), np.atleast_2d(voted_counts)
    if agree_counts.shape[1] < 2:
        return []
    enough = voted_counts >= min_voters
    lows = np.where(enough, lower_bound(agree_counts, voted_counts), -np.inf).max(axis=1)
    highs = np.where(enough, upper_bound(agree_counts, voted_counts), np.inf).min(axis=1)
    split = (lows > 0.5) & (highs < 0.5)
    gap = np.where(split, lows - highs, -np.inf)
    order = np.argsort(-gap, kind="stable")
    return [int(s) for s in order if split[s]][:limit]
