"""A predicted view for everyone: the chance each participant would agree with each
statement, and so about how many of all participants would agree.

Pure: NumPy and SciPy only.

The share of those who voted on a statement is the share of whoever happened to see it.
Everyone else's view is predicted from what they did vote: their chance of belonging to
each (sub-)group, times that group's agree share on the statement (a Beta posterior
with a uniform prior, so a group few of whom saw it predicts near one half), plus a
low-rank correction fitted to what the groups leave unexplained. Only votes that took a
side count: "would agree" means "would agree rather than disagree".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass
class Model:
    participant_index: dict  # participant id -> row
    statement_index: dict  # statement id -> column
    membership: np.ndarray  # participants x classes: chance of being in each
    chances: np.ndarray  # statements x classes: agree share if taking a side
    people: np.ndarray | None = None  # participants x rank (low-rank correction)
    items: np.ndarray | None = None  # statements x rank

    def agree_chance(self, participants: list, statements: list) -> np.ndarray:
        rows = np.array([self.participant_index.get(p, -1) for p in participants], dtype=np.int64)
        cols = np.array([self.statement_index.get(s, -1) for s in statements], dtype=np.int64)
        known = (rows >= 0) & (cols >= 0)
        chance = np.full(len(rows), 0.5)
        r, c = rows[known], cols[known]
        chance[known] = self.chance_at(r, c)
        return chance

    def chance_at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The chance for row and column indices (parallel arrays)."""
        chance = (self.membership[rows] * self.chances[cols]).sum(axis=1)
        if self.people is not None:
            chance = chance + (self.people[rows] * self.items[cols]).sum(axis=1)
        return np.clip(chance, 0.02, 0.98)


def class_chances(agree, disagree, membership) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each class's (posterior mean) agree share per statement, its variance, and the
    weighted agrees and decided votes it rests on (statements x classes)."""
    agrees = np.asarray(agree.T @ membership)
    decided = agrees + np.asarray(disagree.T @ membership)
    alpha, beta = agrees + 1, decided - agrees + 1
    mean = alpha / (alpha + beta)
    variance = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1))
    return mean, variance, decided


def predicted_shares(agree, disagree, model: Model, variance: np.ndarray):
    """Per statement: the expected share of all participants who would agree, and a 95%
    range. A participant who took a side counts as they voted; everyone else by their
    predicted chance. The range adds the chance in each unseen vote to the uncertainty
    of each class's share (which moves all its unseen members together)."""
    n = model.membership.shape[0]
    decided = (agree + disagree).tocsc()
    agrees = np.asarray(agree.sum(axis=0)).ravel()
    # Membership summed over the people who have not taken a side on each statement.
    unseen = model.membership.sum(axis=0)[None, :] - np.asarray(decided.T @ model.membership)
    expected = (unseen * model.chances).sum(axis=1)
    if model.people is not None:
        unseen_people = model.people.sum(axis=0)[None, :] - np.asarray(decided.T @ model.people)
        expected = expected + (unseen_people * model.items).sum(axis=1)
    spread = (unseen * model.chances * (1 - model.chances)).sum(axis=1)
    spread = spread + (unseen**2 * variance).sum(axis=1)
    seen = np.asarray(decided.sum(axis=0)).ravel()
    expected = np.clip(expected, 0, n - seen)
    share = (agrees + expected) / max(n, 1)
    margin = 1.96 * np.sqrt(spread) / max(n, 1)
    return share, np.clip(share - margin, 0, 1), np.clip(share + margin, 0, 1)


RANKS = (2, 4, 8)  # tried in turn; the one that best predicts held-back votes is kept
SHRINK = 5.0  # ridge penalty: a person or statement with few votes keeps a small correction
ROUNDS = 8  # to choose the rank; then half as many more with every vote
SAMPLE = 2000  # people the factors are fitted on; everyone else is placed by them


def fit_low_rank(rows, cols, residual, shape) -> tuple[np.ndarray, np.ndarray]:
    """A low-rank model of what the groups leave unexplained (`residual` at the votes
    cast, on the agree +1 / disagree -1 scale): people x rank and statements x rank
    factors. The rank is the one in RANKS that best predicts a tenth of the votes held
    back; in a big conversation the factors are fitted on a sample of people, and then
    everyone is placed by one regression on their own votes. Deterministic."""
    n = shape[0]
    rng = np.random.default_rng(0)
    fitted = np.ones(len(rows), dtype=bool)
    if n > SAMPLE:
        fitted = np.isin(rows, rng.choice(n, SAMPLE, replace=False))
    r, c, y = rows[fitted], cols[fitted], residual[fitted]
    sampled = np.unique(r)
    r = np.searchsorted(sampled, r)  # the sample's own numbering, so each round is small
    shape = (len(sampled), shape[1])
    held = rng.random(len(r)) < 0.1
    errors, fits = {}, {}
    # Placing everyone costs a regression per person on rank x rank sums: keep it small
    # where there are very many people.
    for rank in RANKS[:2] if n > SAMPLE else RANKS:
        fits[rank] = people, items = low_rank(r[~held], c[~held], y[~held], shape, rank=rank)
        guess = (people[r[held]] * items[c[held]]).sum(axis=1)
        errors[rank] = float(((y[held] - guess) ** 2).mean()) if held.any() else 0.0
    rank = min(errors, key=errors.get)
    # A few more rounds with the held-back votes back in.
    people, items = low_rank(r, c, y, shape, rank=rank, rounds=ROUNDS // 2, start=fits[rank])
    if len(sampled) < n:
        people = _ridge(rows, n, items[cols], residual, SHRINK)
    return people, items


def low_rank(rows, cols, residual, shape, *, rank, rounds=ROUNDS, start=None):
    """People x rank and statements x rank factors whose products approximate
    `residual` at the votes cast, by alternating ridge regressions from a fixed start."""
    n, m = shape
    if start is None:
        draw = np.random.default_rng(0)
        start = draw.normal(0.0, 0.1, (n, rank)), draw.normal(0.0, 0.1, (m, rank))
    people, items = start
    for _ in range(rounds):
        people = _ridge(rows, n, items[cols], residual, SHRINK)
        items = _ridge(cols, m, people[rows], residual, SHRINK)
    return people, items


def _ridge(owners, count, factors, target, shrink, chunk=250_000) -> np.ndarray:
    """For each of `count` owners (`owners` says whose each vote is), the ridge
    regression of its votes' targets on the other side's factors, (F'F + shrink I)^-1
    F'y, all at once. The sums over votes are sparse products, a chunk of votes at a
    time so memory stays small however many votes there are."""
    rank = factors.shape[1]
    upper = np.triu_indices(rank)
    sums = np.zeros((count, len(upper[0]) + rank))
    for lo in range(0, len(owners), chunk):
        part = slice(lo, lo + chunk)
        f = factors[part]
        owner = sparse.csr_matrix(
            (np.ones(len(f)), (owners[part], np.arange(len(f)))), shape=(count, len(f))
        )
        sums += owner @ np.hstack([f[:, upper[0]] * f[:, upper[1]], f * target[part, None]])
    gram = np.empty((count, rank, rank))
    gram[:, upper[0], upper[1]] = sums[:, : len(upper[0])]
    gram[:, upper[1], upper[0]] = sums[:, : len(upper[0])]
    gram += shrink * np.eye(rank)
    right = sums[:, len(upper[0]) :]
    return np.linalg.solve(gram, right[:, :, None])[:, :, 0]
