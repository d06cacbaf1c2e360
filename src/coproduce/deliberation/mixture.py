"""Fitting opinion groups to votes, and choosing how many the votes support.

Pure: NumPy and SciPy only. See engine.py for the method as a whole; this module is the
latent class model (each group a profile of agree / disagree / pass chances per
statement) fitted by expectation-maximisation over the votes cast only, and the choice
of the number of groups by cross-validation.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds

PRIOR_VOTES = 4.0  # each group's profile is smoothed by this many votes of the whole
FOLDS = 10
BIG_FOLDS = 5  # in a conversation big enough to be sampled, and for sub-groups
BIG_CANDIDATES = 3  # ... where only the largest groups are tried as the one to split
REPEATS = 4  # cross-validation repeated with fresh folds, so the folds' luck averages out
STRICTNESS = 3.0  # standard errors a larger number of groups must gain by
MIN_GAIN = 0.004  # ... and log chance per held-out vote: less would not change the report
# A large gain needs less certainty: a few dozen people with clearly different views
# are groups, though so few voters leave a wide standard error.
CLEAR_GAIN, CLEAR_STRICTNESS = 0.012, 2.0
SUB_STRICTNESS, SUB_MIN_GAIN = 2.0, 0.002  # the same for sub-groups, shown on request
KEEP_PREVIOUS = 4.0  # ... and by this many to add to the number people have seen
MIN_GROUP_PEOPLE = 8  # a group is at least this many people (and 3% of them)


@dataclass
class Fit:
    log_likelihood: float
    responsibilities: np.ndarray  # participants x k
    profiles: np.ndarray  # 3 x statements x k: P(agree), P(disagree), P(pass)
    weights: np.ndarray


def smallest_group(n: int) -> int:
    return max(MIN_GROUP_PEOPLE, math.ceil(0.03 * n))


def fit(
    indicators,
    k,
    embedding,
    seed,
    *,
    starts=2,
    profiles=None,
    responsibilities=None,
    iterations=100,
    tolerance=1e-5,
) -> Fit:
    """Expectation-maximisation for the latent class model, over the votes cast only.
    Starts from `profiles` or `responsibilities` when given, else from k-means++ seeds
    on the embedding; keeps the start with the highest likelihood."""
    start_responsibilities = responsibilities
    # One matrix of every vote (agree, disagree and pass columns side by side), so each
    # step is one sparse product each way.
    votes = sparse.hstack(indicators, format="csr")
    transposed = votes.T.tocsr()
    m = indicators[0].shape[1]
    overall = np.asarray(votes.sum(axis=0)).reshape(3, m) + 1.0
    overall /= overall.sum(axis=0, keepdims=True)
    prior = PRIOR_VOTES * overall[:, :, None]
    best = None
    given = profiles is not None or start_responsibilities is not None
    runs = [None] if given or k == 1 else range(starts)
    for start in runs:
        if profiles is not None:
            current, mix = profiles, np.full(k, 1.0 / k)
            responsibilities = None
        elif start_responsibilities is not None:
            responsibilities = start_responsibilities
        else:
            responsibilities = initial_responsibilities(embedding, k, seed + (start or 0))
        previous = -np.inf
        for _ in range(iterations):
            if responsibilities is not None:
                # M step: smoothed profiles and group weights.
                weights = responsibilities.sum(axis=0) + 1e-9
                stacked = (transposed @ responsibilities).reshape(3, m, k) + prior
                current = stacked / stacked.sum(axis=0, keepdims=True)
                mix = weights / weights.sum()
            # E step: how likely each participant's own votes are under each group.
            scores = votes @ np.log(current).reshape(3 * m, k) + np.log(mix)
            top = scores.max(axis=1, keepdims=True)
            probabilities = np.exp(scores - top)
            total = probabilities.sum(axis=1, keepdims=True)
            responsibilities = probabilities / total
            likelihood = float((np.log(total) + top).sum())
            if likelihood - previous < tolerance * abs(likelihood):
                break
            previous = likelihood
        if best is None or likelihood > best.log_likelihood:
            best = Fit(likelihood, responsibilities, current, mix)
    return best


def sequence(indicators, max_k, min_size, tolerance=1e-4, candidates=None) -> dict:
    """Fits with 1, 2, ... groups, each grown from the last by splitting one of its
    groups in two along the main line of disagreement among its members, then refitted;
    of the possible splits, the one that explains the votes best is kept. Deterministic,
    and each number of groups builds on the one before, so a little more or less data
    moves the fits a little, not to another local optimum. Stops when no split leaves
    every group with `min_size` people."""
    n = indicators[0].shape[0]
    fits = {1: fit(indicators, 1, None, 0, responsibilities=np.ones((n, 1)), tolerance=tolerance)}
    for k in range(2, max_k + 1):
        previous = fits[k - 1]
        labels = previous.responsibilities.argmax(axis=1)
        best = None
        sizes = np.bincount(labels, minlength=k - 1)
        for g in np.argsort(-sizes, kind="stable")[:candidates]:
            members = np.flatnonzero(labels == g)
            if len(members) < 2 * min_size:
                continue
            side = _split(indicators, members)
            if side is None:
                continue
            start = np.hstack([previous.responsibilities, np.zeros((len(labels), 1))])
            moved = members[side]
            start[moved, k - 1], start[moved, g] = start[moved, g], 0.0
            # A few rounds tell the splits apart; only the best is fitted in full.
            candidate = fit(indicators, k, None, 0, responsibilities=start, iterations=8)
            sizes = np.bincount(candidate.responsibilities.argmax(axis=1), minlength=k)
            if sizes.min() < min_size:
                continue
            if best is None or candidate.log_likelihood > best.log_likelihood:
                best = candidate
        if best is not None:
            best = fit(
                indicators, k, None, 0, responsibilities=best.responsibilities, tolerance=tolerance
            )
            sizes = np.bincount(best.responsibilities.argmax(axis=1), minlength=k)
            if sizes.min() < min_size:
                best = None
        if best is None:
            break
        fits[k] = best
    return fits


def _split(indicators, members) -> np.ndarray | None:
    """Which of `members` fall on the positive side of the main line of disagreement
    among them (the first singular vector of their centred votes), or None if their
    votes do not differ."""
    agree, disagree, _ = indicators
    sides = (agree[members] - disagree[members]).tocsr()
    seen = abs(sides)
    counts = np.asarray(seen.sum(axis=0)).ravel()
    means = np.asarray(sides.sum(axis=0)).ravel() / np.maximum(counts, 1)
    centred = (sides - seen.multiply(means[None, :])).tocsr()
    if min(centred.shape) < 2 or not np.any(centred.data):
        return None
    # The first singular vector by a few power iterations from a fixed start: enough to
    # say which side of the line each member is on, and far cheaper than a full solver.
    vector = np.random.default_rng(0).standard_normal(centred.shape[1])
    transposed = centred.T.tocsr()
    for _ in range(12):
        vector = transposed @ (centred @ vector)
        norm = np.linalg.norm(vector)
        if norm == 0:
            return None
        vector /= norm
    direction = centred @ vector
    side = direction > np.median(direction)
    if side.all() or not side.any():
        return None
    return side


def initial_responsibilities(embedding, k, seed) -> np.ndarray:
    n = embedding.shape[0]
    if k == 1:
        return np.ones((n, 1))
    rng = np.random.default_rng(seed)
    centres = [embedding[rng.integers(n)]]
    for _ in range(1, k):
        distances = np.min([((embedding - c) ** 2).sum(axis=1) for c in centres], axis=0)
        total = distances.sum()
        pick = rng.choice(n, p=distances / total) if total > 0 else rng.integers(n)
        centres.append(embedding[pick])
    centres = np.array(centres)
    labels = None
    for _ in range(20):  # a few rounds of k-means to start from sensible groups
        previous, labels = (
            labels,
            (((embedding[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)),
        )
        if previous is not None and np.array_equal(previous, labels):
            break
        for g in range(k):
            if np.any(labels == g):
                centres[g] = embedding[labels == g].mean(axis=0)
    responsibilities = np.full((n, k), 0.05 / max(k - 1, 1))
    responsibilities[np.arange(n), labels] = 0.95
    return responsibilities


def embedding(indicators, dims: int) -> np.ndarray:
    """A low-rank picture of the votes, centred per statement over the votes cast only
    (unseen votes stay zero, not the average), each participant scaled up by how few
    statements they saw so the sparse voters are not all squeezed into the middle."""
    agree, disagree, passed = indicators
    n, m = agree.shape
    seen_matrix = (agree + disagree + passed).tocsr()
    sides = (agree - disagree).tocsr()
    seen = np.asarray(seen_matrix.sum(axis=0)).ravel()
    means = np.asarray(sides.sum(axis=0)).ravel() / np.maximum(seen, 1)
    centred = (sides - seen_matrix.multiply(means[None, :])).tocsr()
    dims = max(1, min(dims, min(n, m) - 1))
    if min(n, m) <= 2 or not np.any(centred.data):
        return np.zeros((n, max(dims, 2)))  # nothing to tell people apart by
    u, s, _ = svds(centred, k=dims, random_state=0)
    order = np.argsort(-s)
    coordinates = u[:, order] * s[order]
    per_person = np.asarray(seen_matrix.sum(axis=1)).ravel()
    scale = np.sqrt(m / np.maximum(per_person, 1))
    # Fix each axis's sign so the same votes always give the same picture.
    signs = np.sign(coordinates.sum(axis=0))
    signs[signs == 0] = 1
    return coordinates * scale[:, None] * signs


def largest_first(result: Fit) -> Fit:
    """Number the groups by size, largest first, so the numbering is stable."""
    sizes = np.bincount(result.responsibilities.argmax(axis=1), minlength=len(result.weights))
    order = np.argsort(-sizes, kind="stable")
    return Fit(
        result.log_likelihood,
        result.responsibilities[:, order],
        result.profiles[:, :, order],
        result.weights[order],
    )


def choose_k(
    indicators,
    seed,
    *,
    keys,
    max_k,
    previous_k=None,
    strictness=STRICTNESS,
    min_gain=MIN_GAIN,
    min_size=None,
    big=2000,
    sample=2000,
    fold_count=FOLDS,
    repeats=REPEATS,
):
    """The number of groups the votes support, and that fit (a good start for the fit
    on everyone).

    Cross-validation: the agree and disagree votes are dealt into `fold_count` folds
    (by a hash of who cast each on what), `repeats` times; each number of groups is
    fitted without each fold in turn (grown by `sequence`) and scored by the log chance
    it gave each held-out vote. Starting from one group, a larger number is taken only
    when it beats the best so far by `strictness` standard errors (summed per voter)
    and `min_gain` per vote, or by CLEAR_STRICTNESS and CLEAR_GAIN; from one group the
    search looks one number further, after that it stops at the first that fails. Each
    group must hold `min_size` people. The number people have already seen
    (`previous_k`) stays unless another is clearly better. Above `big` people the
    choice is made on a fixed sample of `sample`, with five folds once: profiles are
    per statement, so a few thousand people show them well."""
    participant_keys, statement_keys = keys
    n = indicators[0].shape[0]
    candidates = None  # every group is tried as the one to split
    if n > big:
        # The same people whatever else changes: chosen by their ids, not by chance.
        chosen = np.sort(np.argsort(_mix(participant_keys, 0), kind="stable")[:sample])
        indicators = [m[chosen] for m in indicators]
        participant_keys = participant_keys[chosen]
        n = sample
        # So many people that the profiles are sure: fewer folds tell the numbers apart.
        fold_count, repeats, candidates = BIG_FOLDS, 1, BIG_CANDIDATES
    min_size = smallest_group(n) if min_size is None else min_size
    folds = [
        fold
        for repeat in range(repeats)
        for fold in _folds(indicators, participant_keys, statement_keys, repeat + 1, fold_count)
    ]
    voters = np.concatenate([rows for _, rows, _, _ in folds])
    whole = sequence(indicators, max_k, min_size, candidates=candidates)
    by_fold = [sequence(train, max(whole), min_size, candidates=candidates) for train, *_ in folds]
    scores = {}
    for k in whole:
        # A fold's own fits may stop a group short (a split that leaves too few people
        # without its tenth of the votes); such a fold sits out that number's test.
        reached = [k in fits for fits in by_fold]
        if sum(reached) < 0.9 * len(by_fold):
            break
        scores[k] = np.concatenate(
            [
                _held_out(fits[k], rows, cols, agreed) if k in fits else np.full(len(rows), np.nan)
                for fits, (_, rows, cols, agreed) in zip(by_fold, folds, strict=True)
            ]
        )
    fits = {k: whole[k] for k in scores}
    best, misses = 1, 0
    for k in list(scores)[1:]:
        gain = np.nanmean(scores[k] - scores[best])
        if (gain >= min_gain and _better(scores[k], scores[best], voters, strictness)) or (
            gain >= CLEAR_GAIN and _better(scores[k], scores[best], voters, CLEAR_STRICTNESS)
        ):
            best, misses = k, 0
        else:
            misses += 1
            # From one group, look one further: three outlooks sometimes show only
            # when split in three. Past that, the first group that does not earn its
            # place ends the search, so a borderline gain further on cannot make the
            # number jump about.
            if misses == (2 if best == 1 else 1):
                break
    # Changing the number of groups people have already seen needs stronger evidence:
    # more groups must beat it by KEEP_PREVIOUS standard errors; fewer must predict
    # clearly better than it.
    if previous_k in scores and previous_k < best:
        if not _better(scores[best], scores[previous_k], voters, KEEP_PREVIOUS):
            best = previous_k
    elif (
        previous_k in scores
        and previous_k > best
        and not _better(scores[best], scores[previous_k], voters, 1.0)
    ):
        best = previous_k
    return best, fits[best]


def subgroups(indicators, labels, k, keys, *, max_total, sample=400) -> list[Fit]:
    """For each group, the fit of its finer sub-groups, the number chosen by
    cross-validation among its members as for the groups (a little less strictly: they
    are shown only on request), at most `max_total` in all."""
    most = max(1, min(max_total // k, max_total - (k - 1)))
    fits = []
    for g in range(k):
        members = np.flatnonzero(labels == g)
        inside = [m[members] for m in indicators]
        if len(members) < 2 * MIN_GROUP_PEOPLE:
            fits.append(fit(inside, 1, None, 0, responsibilities=np.ones((len(members), 1))))
            continue
        _, chosen = choose_k(
            inside,
            0,
            keys=(keys[0][members], keys[1]),
            max_k=most,
            strictness=SUB_STRICTNESS,
            min_gain=SUB_MIN_GAIN,
            big=sample,
            sample=sample,
            fold_count=BIG_FOLDS,
            repeats=1,
        )
        fits.append(largest_first(chosen))
    return fits


def _better(candidate, than, voters, by_noises) -> bool:
    """Whether `candidate` predicts the held-out votes better than `than` by more than
    `by_noises` standard errors. The difference is summed per voter first: one person's
    votes go together, so treating them as independent would understate the noise.
    Votes either left unpredicted (a fold that sat out) are left out of both."""
    both = np.isfinite(candidate) & np.isfinite(than)
    per_voter = np.bincount(voters[both], weights=(candidate - than)[both])
    per_voter = per_voter[np.bincount(voters[both], minlength=len(per_voter)) > 0]
    if len(per_voter) < 2:
        return False
    noise = per_voter.std(ddof=1) / np.sqrt(len(per_voter))
    return per_voter.mean() > by_noises * noise


def keys(ids) -> np.ndarray:
    """A stable 32-bit number for each id (the same in every run and process)."""
    return np.array([zlib.crc32(str(i).encode()) for i in ids], dtype=np.uint64)


def _mix(keys: np.ndarray, salt: int) -> np.ndarray:
    """Scrambled keys (a multiply-xorshift hash), so nearby ids land far apart."""
    x = (keys + np.uint64(salt * 0x9E3779B1 % 2**32)) & np.uint64(0xFFFFFFFF)
    x = (x * np.uint64(0x45D9F3B)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x45D9F3B)) & np.uint64(0xFFFFFFFF)
    return x ^ (x >> np.uint64(16))


def _folds(indicators, participant_keys, statement_keys, salt, count):
    """(training indicators, held-out rows, cols, agreed) for each fold. A vote's fold
    comes from a hash of who cast it on what, so the same vote is in the same fold
    however many other votes come or go: the choice of the number of groups does not
    change with the luck of the split."""
    agree, disagree, passed = indicators
    shape = agree.shape
    coo_a, coo_d = agree.tocoo(), disagree.tocoo()
    rows = np.concatenate([coo_a.row, coo_d.row])
    cols = np.concatenate([coo_a.col, coo_d.col])
    agreed = np.concatenate([np.ones(coo_a.nnz, bool), np.zeros(coo_d.nnz, bool)])
    vote_keys = _mix(participant_keys[rows] ^ _mix(statement_keys[cols], salt), salt)
    fold = (vote_keys % np.uint64(count)).astype(np.int64)
    result = []
    for f in range(count):
        held = fold == f
        kept = ~held
        train = [
            sparse.csr_matrix(
                (np.ones(int((kept & side).sum())), (rows[kept & side], cols[kept & side])),
                shape=shape,
            )
            for side in (agreed, ~agreed)
        ]
        result.append(([*train, passed], rows[held], cols[held], agreed[held]))
    return result


def _held_out(result: Fit, rows, cols, agreed) -> np.ndarray:
    """The log chance a fit gave each held-out vote (agree or disagree, given that the
    voter took a side)."""
    agree_chance = result.profiles[0] / (result.profiles[0] + result.profiles[1])
    chance = (result.responsibilities[rows] * agree_chance[cols]).sum(axis=1)
    return np.log(np.where(agreed, chance, 1 - chance))
