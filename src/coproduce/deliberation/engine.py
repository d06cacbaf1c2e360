"""The opinion engine: groups, common ground and divides from a log of votes.

Pure: NumPy and SciPy only, no Django, so it runs the same in a request, a background
task or on the command line. The parts: `mixture.py` fits the groups, `evidence.py`
ranks common ground and divides, `predict.py` gives everyone's predicted view.

The method, and why
-------------------
A conversation is sparse: most people vote on a small share of the statements, and
which ones they saw is not an opinion. Polis fills every unseen vote with the
statement's average, projects everyone to two dimensions with PCA and runs k-means
there; the filled-in averages pull everyone who voted little towards the middle.

Here an unseen vote is simply unseen. Each opinion group is a profile: for every
statement, the chance that a member agrees or disagrees (a pass says the person took
no side, and is left out of the fit). A participant's evidence for a group is the
likelihood of the votes they actually cast (a latent class model fitted by
expectation-maximisation, linear in the number of votes).

**Groups that hold steady.** Most hub conversations are small: 60 to 130 people, each
voting on a dozen statements. There, a number of groups chosen on one random split of
the votes wandered (5, 6 or 3 on the same data), so:

- Groups are grown, not guessed: the fit with k groups comes from the fit with k - 1 by
  splitting one group along the main line of disagreement among its members (the first
  singular vector of their votes), keeping whichever split explains the votes best.
  No random starts, so the same votes always give the same groups, whatever the seed.
- The number is chosen by cross-validation: each vote is held back once (ten folds, four
  times over with fresh folds), predicted by a fit that never saw it, and a further
  group must predict the held-back votes better by 3 standard errors (of the gain summed
  per voter, as one person's votes go together) *and* by 0.004 of log chance per vote
  (less would not change what the report says); or, for a large gain of 0.012 per vote,
  by 2 standard errors (a few dozen people who clearly differ). From one group it may
  look one further, as three outlooks sometimes show only once split in three; past
  that, the first group that does not earn its place ends the search, so a borderline
  gain further on cannot make the number jump about. A vote's fold is a hash of who
  cast it on what, so a few more or fewer votes leave the choice where it was.
- A group holds at least 8 people and 3% of those grouped; at most 6 groups. The number
  people have already seen stays unless another is clearly better.
- In a big conversation (over 2,000 people grouped) the choice is made on a fixed sample
  of 1,500 (chosen by a hash of their ids; five folds, once), then the chosen fit is
  refined on everyone.

**Finer structure, on request.** Inside each group, sub-groups are chosen the same way
among its members (less strictly: 2 standard errors and 0.002 per vote), at most 12 in
all. A group's representative statements must hold in every sub-group that has enough
votes on them; each sub-group has its own "what sets it apart" from the rest of its group.

**Common ground ranked by evidence** (`evidence.py`). A share alone hides how many people
it rests on. Each group's agree share is read as a Beta posterior with a uniform prior
(which pulls thin evidence towards one half), and a statement's score is the smallest
90% lower bound over the groups: how surely the least convinced group agrees. It enters
only with at least 5 people in every group who agreed or disagreed, and a score above
one half. Divides: one group surely for and another surely against. The same across
roles (staff and service users). More agreeing voters, or more voters at the same
shares, never lower a statement's place.

**A predicted view of everyone** (`predict.py`). The share of those who saw a statement
is the share of whoever happened to see it. Each participant's chance of agreeing is
predicted from their chance of being in each sub-group (from the votes they cast) times
that sub-group's agree share (a Beta posterior mean), plus a low-rank correction of what
the groups leave unexplained (alternating ridge regressions; the rank, 2, 4 or 8, is the
one that best predicts a tenth of the votes held back). So the report can say "about 72%
of all participants would agree (between 64% and 80%)", the range adding the chance in
each unseen vote to the uncertainty in each sub-group's share; and the chooser can
prefer statements whose outcome is least certain.

**Figures** (docs/performance.md, `make opinion-quality` and `make bench-opinion`): on
six real Polis conversations, hiding a tenth of the votes over 20 splits, the predicted
view gets 0.816 of hidden votes right, against 0.792 for Polis's own groups (which saw
the hidden votes) and 0.788 for red-dwarf's PCA + k-means, 0.002 short of a group-free
low-rank model; the number of groups is the same in at least 19 of 20 splits on every
conversation (before: as few as 6). On generated
small conversations (60-130 people, 8-16 votes of 40 statements) three planted outlooks
are recovered with a mean adjusted Rand index of 0.63 over 20 (tests/deliberation/
test_small_conversations.py), and one outlook gives one group. A million votes take
about 1.7 s and 100 MB; a mid-sized conversation, analysed in full, up to about 4 s.

Participants with fewer than `min_votes` votes get no group (they still appear on the
map and in the predicted view), as in Polis. The 2-D map places each participant by
their group-membership chances on a layout of the groups (classical MDS of the
profiles), plus a small personal offset from a spectral embedding of their votes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from . import evidence, mixture, predict

AGREE, DISAGREE, PASS = 1, -1, 0
MAX_GROUPS = 6
MAX_SUBGROUPS = 12
REPRESENTATIVE = 5  # statements shown for each group


@dataclass(frozen=True)
class Votes:
    """The latest vote of each participant on each statement.

    `participants` and `statements` are the original ids; `rows`, `cols` index them and
    `values` holds 1 (agree), -1 (disagree) or 0 (pass)."""

    participants: list
    statements: list
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray

    @classmethod
    def from_log(cls, log) -> Votes:
        """From (participant, statement, vote) in the order cast: the last vote counts."""
        latest: dict = {}
        for participant, statement, vote in log:
            if vote not in (AGREE, DISAGREE, PASS):
                raise ValueError(f"A vote must be 1, -1 or 0, not {vote!r}.")
            latest[(participant, statement)] = vote
        participants = sorted({p for p, _ in latest}, key=_sort_key)
        statements = sorted({s for _, s in latest}, key=_sort_key)
        p_index = {p: i for i, p in enumerate(participants)}
        s_index = {s: i for i, s in enumerate(statements)}
        n = len(latest)
        rows = np.fromiter((p_index[p] for p, _ in latest), dtype=np.int64, count=n)
        cols = np.fromiter((s_index[s] for _, s in latest), dtype=np.int64, count=n)
        values = np.fromiter(latest.values(), dtype=np.int8, count=n)
        return cls(participants, statements, rows, cols, values)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)

    def matrix(self, vote: int) -> sparse.csr_matrix:
        """1 where the participant cast `vote` on the statement."""
        chosen = self.values == vote
        return sparse.csr_matrix(
            (np.ones(int(chosen.sum())), (self.rows[chosen], self.cols[chosen])),
            shape=self.shape,
        )


@dataclass(frozen=True)
class StatementShare:
    statement: object
    direction: str  # "agree" or "disagree"
    agree_share: float
    votes: int


@dataclass
class Group:
    id: int
    members: list
    representative: list[StatementShare] = field(default_factory=list)


@dataclass
class SubGroup:
    """A finer group inside an opinion group, shown on request."""

    id: int
    group: int
    members: list
    representative: list[StatementShare] = field(default_factory=list)  # against its group


@dataclass(frozen=True)
class Prediction:
    """About `share` of all participants would agree (if they took a side), and the
    range we are 95% sure it lies in."""

    share: float
    low: float
    high: float


@dataclass
class Analysis:
    """Everything the report shows. `ready` is False when there are not enough votes."""

    ready: bool
    message: str
    groups: list[Group]
    group_of: dict  # participant id -> group id, or None
    map: dict  # participant id -> (x, y)
    consensus: list  # statement ids, strongest first
    divides: list
    # statement -> its common-ground score (evidence.common_ground_scores: the smallest
    # over the groups of the agree share we are 90% sure each is above), for `consensus`
    surely: dict = field(default_factory=dict)
    role_consensus: list = field(default_factory=list)
    role_surely: dict = field(default_factory=dict)  # the same across roles
    role_divides: list = field(default_factory=list)
    role_shares: dict = field(default_factory=dict)  # statement -> {role: (agree_share, votes)}
    log_likelihood: float = 0.0
    k: int = 0
    # statement -> [(agrees, agree-or-disagree votes) for each group], for the report
    group_tallies: dict = field(default_factory=dict)
    subgroups: list[SubGroup] = field(default_factory=list)
    subgroup_of: dict = field(default_factory=dict)  # participant id -> sub-group id or None
    predicted: dict = field(default_factory=dict)  # statement -> Prediction
    # The fitted model, for predicting anyone's vote (not kept in the stored result).
    model: object = None

    def agree_chance(self, participants: list, statements: list) -> np.ndarray:
        """For each (participant, statement) pair, the chance they agree if they take a
        side (0.5 where the model knows neither)."""
        if self.model is None:
            return np.full(len(participants), 0.5)
        return self.model.agree_chance(participants, statements)


def analyse(
    votes: Votes,
    *,
    roles: dict | None = None,
    min_votes: int = 7,
    min_participants: int = 4,
    previous_k: int | None = None,
    seed: int = 0,
) -> Analysis:
    """Groups, map, representative statements, consensus and divides for `votes`.

    `roles` maps participant id to a role name (e.g. "staff", "member"); with two or
    more roles the analysis also finds common ground and splits across roles."""
    n_participants, n_statements = votes.shape
    # With fewer statements than `min_votes`, voting on them all is enough.
    min_votes = max(1, min(min_votes, n_statements))
    counts = np.bincount(votes.rows, minlength=n_participants)
    active = np.flatnonzero(counts >= min_votes)
    if len(active) < min_participants or n_statements < 2:
        return Analysis(
            ready=False,
            message=(
                f"Not enough votes yet: {len(active)} "
                f"{'person has' if len(active) == 1 else 'people have'} voted on at least "
                f"{min_votes} statement{'' if min_votes == 1 else 's'}, and the analysis "
                f"needs {min_participants}."
            ),
            groups=[],
            group_of=dict.fromkeys(votes.participants),
            map={},
            consensus=[],
            divides=[],
        )
    votes = _canonical_order(votes, seed)
    active = np.flatnonzero(np.bincount(votes.rows, minlength=n_participants) >= min_votes)
    indicators = [votes.matrix(v) for v in (AGREE, DISAGREE, PASS)]
    # A pass says the person took no side; it tells little about which group they are
    # in, and fitting it per group only adds noise on small conversations.
    sides = [indicators[0], indicators[1], sparse.csr_matrix(indicators[2].shape)]
    active_indicators = [m[active] for m in sides]
    embedding = mixture.embedding(indicators, dims=2)  # for the map
    # Stable numbers for who and what, from the ids: the folds and samples follow them.
    keys = (
        mixture.keys([votes.participants[i] for i in active]),
        mixture.keys(votes.statements),
    )
    k, start = mixture.choose_k(
        active_indicators,
        seed,
        keys=keys,
        max_k=min(MAX_GROUPS, len(active)),
        previous_k=previous_k,
    )
    fit = mixture.fit(active_indicators, k, None, seed, profiles=start.profiles)
    fit = mixture.largest_first(fit)
    labels = np.full(n_participants, -1)
    labels[active] = fit.responsibilities.argmax(axis=1)
    # A group the mixture kept but nobody is most likely in is no group: drop it (they
    # are numbered largest first, so such groups are the last), or "every group agrees"
    # could never hold.
    k = int(labels.max()) + 1
    groups = []
    for g in range(k):
        members = np.flatnonzero(labels == g)
        groups.append(Group(id=g, members=[votes.participants[i] for i in members]))
    agree_counts, voted_counts = _group_counts(indicators, labels, k)
    for group in groups:
        # Twice as many as shown: those the group's sub-groups do not share are dropped.
        group.representative = _representative(
            votes, agree_counts, voted_counts, group.id, limit=2 * REPRESENTATIVE
        )
    consensus, divides, surely = _consensus_and_divides(votes, agree_counts, voted_counts)
    analysis = Analysis(
        ready=True,
        message="",
        groups=groups,
        group_of={
            p: (int(labels[i]) if labels[i] >= 0 else None)
            for i, p in enumerate(votes.participants)
        },
        map=_map(votes, embedding, fit, labels, k),
        consensus=consensus,
        divides=divides,
        surely=surely,
        log_likelihood=fit.log_likelihood,
        k=k,
        group_tallies={
            statement: [(int(agree_counts[s, g]), int(voted_counts[s, g])) for g in range(k)]
            for s, statement in enumerate(votes.statements)
        },
    )
    sub_fits = mixture.subgroups(
        active_indicators, labels[active], k, keys, max_total=MAX_SUBGROUPS
    )
    _add_predictions(analysis, votes, sides, fit, labels, sub_fits)
    if roles:
        _add_roles(analysis, votes, indicators, roles)
    return analysis


def _add_predictions(analysis, votes, indicators, fit, labels, sub_fits) -> None:
    """Sub-groups, the fitted model and the predicted view of everyone."""
    k = len(sub_fits)
    in_group = _membership(indicators, fit.profiles[:, :, :k], fit.weights[:k])
    columns, owners = [], []
    for g, sub in enumerate(sub_fits):
        within = _membership(indicators, sub.profiles, sub.weights)
        columns.append(in_group[:, [g]] * within)
        owners += [g] * within.shape[1]
    membership = np.hstack(columns)
    owners = np.array(owners)
    # Each grouped participant's sub-group: the likeliest inside their own group.
    sub_labels = np.full(len(labels), -1)
    grouped = labels >= 0
    masked = np.where(owners[None, :] == labels[grouped][:, None], membership[grouped], -1.0)
    sub_labels[grouped] = masked.argmax(axis=1)
    agree, disagree, _ = indicators
    agree_counts, voted_counts = _group_counts(indicators, sub_labels, len(owners))
    analysis.subgroups = []
    for c, g in enumerate(owners):
        members = [votes.participants[i] for i in np.flatnonzero(sub_labels == c)]
        siblings = np.flatnonzero(owners == g)
        local = list(siblings).index(c)
        representative = (
            _representative(votes, agree_counts[:, siblings], voted_counts[:, siblings], local)
            if len(siblings) > 1
            else []
        )
        analysis.subgroups.append(SubGroup(c, int(g), members, representative))
    _hold_in_every_subgroup(analysis, votes, owners, agree_counts, voted_counts)
    analysis.subgroup_of = {
        p: (int(sub_labels[i]) if sub_labels[i] >= 0 else None)
        for i, p in enumerate(votes.participants)
    }
    chances, variance, _ = predict.class_chances(agree, disagree, membership)
    model = predict.Model(
        participant_index={p: i for i, p in enumerate(votes.participants)},
        statement_index={s: j for j, s in enumerate(votes.statements)},
        membership=membership,
        chances=chances,
    )
    # What the (sub-)groups leave unexplained, as a low-rank correction.
    decided = votes.values != PASS
    rows, cols = votes.rows[decided], votes.cols[decided]
    residual = (votes.values[decided] == AGREE) - model.chance_at(rows, cols)
    # Fitted on the agree (+1) / disagree (-1) scale the ridge penalty is tuned for,
    # and halved back to a change in the chance of agreeing.
    people, items = predict.fit_low_rank(rows, cols, 2 * residual, votes.shape)
    model.people, model.items = people / 2, items
    analysis.model = model
    share, low, high = predict.predicted_shares(agree, disagree, model, variance)
    analysis.predicted = {
        statement: Prediction(
            round(float(share[j]), 3), round(float(low[j]), 3), round(float(high[j]), 3)
        )
        for j, statement in enumerate(votes.statements)
    }


def _hold_in_every_subgroup(analysis, votes, owners, agree_counts, voted_counts) -> None:
    """Keep as a group's representative statements only those its sub-groups share: in
    every sub-group with enough votes on it, a majority on the same side."""
    index = {statement: s for s, statement in enumerate(votes.statements)}
    for group in analysis.groups:
        mine = np.flatnonzero(owners == group.id)
        kept = []
        for share in group.representative:
            s = index[share.statement]
            enough = voted_counts[s, mine] >= evidence.MIN_VOTERS
            shares = agree_counts[s, mine][enough] / voted_counts[s, mine][enough]
            agreeing = share.direction == "agree"
            if np.all(shares > 0.5) if agreeing else np.all(shares < 0.5):
                kept.append(share)
        group.representative = kept[:REPRESENTATIVE]


def _membership(indicators, profiles, weights) -> np.ndarray:
    """Everyone's chance of being in each group, from the votes they cast (one E step)."""
    logs = np.log(profiles)
    scores = sum(m @ logs[v] for v, m in enumerate(indicators)) + np.log(weights / weights.sum())
    scores -= scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


# --- reading the fitted groups ---------------------------------------------------------


def _canonical_order(votes: Votes, seed: int) -> Votes:
    """Order participants by how they voted, not by their ids, so the same votes under
    other names give the same groups. (People who voted identically may swap places,
    which changes nothing.)"""
    n, m = votes.shape
    weights = np.random.default_rng(seed).random((3, m))
    signature = np.bincount(votes.rows, weights=weights[votes.values + 1, votes.cols], minlength=n)
    order = np.lexsort((np.arange(n), signature))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return Votes(
        [votes.participants[i] for i in order],
        votes.statements,
        rank[votes.rows],
        votes.cols,
        votes.values,
    )


def _group_counts(indicators, labels: np.ndarray, k: int):
    """Agrees and agree-or-disagree votes per statement and group (statements x k)."""
    agree, disagree, _ = indicators
    membership = sparse.csr_matrix(
        (np.ones(int((labels >= 0).sum())), (np.flatnonzero(labels >= 0), labels[labels >= 0])),
        shape=(agree.shape[0], k),
    )
    agree_counts = np.asarray((agree.T @ membership).todense())
    voted_counts = agree_counts + np.asarray((disagree.T @ membership).todense())
    return agree_counts, voted_counts


def _representative(votes, agree_counts, voted_counts, g, limit=5) -> list[StatementShare]:
    inside_agree, inside = agree_counts[:, g], voted_counts[:, g]
    outside_agree = agree_counts.sum(axis=1) - inside_agree
    outside = voted_counts.sum(axis=1) - inside
    p_in = (inside_agree + 1) / (inside + 2)
    p_out = (outside_agree + 1) / (outside + 2)
    # How surely the group differs from the rest: a two-proportion z-score.
    pooled = (inside_agree + outside_agree + 1) / (inside + outside + 2)
    spread = np.sqrt(
        pooled * (1 - pooled) * (1 / np.maximum(inside, 1) + 1 / np.maximum(outside, 1))
    )
    z = (p_in - p_out) / np.maximum(spread, 1e-9)
    candidates = []
    for s in np.argsort(-np.abs(z)):
        if len(candidates) == limit or abs(z[s]) < 1.96 or inside[s] < 3:
            continue
        direction = "agree" if z[s] > 0 else "disagree"
        share = inside_agree[s] / inside[s]
        if (direction == "agree" and share < 0.5) or (direction == "disagree" and share > 0.5):
            continue  # differs from the rest, but is not what the group itself thinks
        candidates.append(
            StatementShare(votes.statements[s], direction, round(float(share), 3), int(inside[s]))
        )
    return candidates


def _consensus_and_divides(votes, agree_counts, voted_counts):
    """Statements every group surely agrees with (surest first), ones that surely split
    groups (see evidence.py), and each common-ground statement's score, the figure it
    is ranked by."""
    scores = evidence.common_ground_scores(agree_counts, voted_counts)
    common = evidence.surest(scores)
    return (
        [votes.statements[s] for s in common],
        [votes.statements[s] for s in evidence.divides(agree_counts, voted_counts)],
        {votes.statements[s]: float(scores[s]) for s in common},
    )


def _add_roles(analysis: Analysis, votes: Votes, indicators, roles: dict) -> None:
    names = sorted({r for r in roles.values() if r})
    if len(names) < 2:
        return
    index = {name: i for i, name in enumerate(names)}
    labels = np.array([index.get(roles.get(p), -1) for p in votes.participants])
    agree_counts, voted_counts = _group_counts(indicators, labels, len(names))
    analysis.role_consensus, analysis.role_divides, analysis.role_surely = _consensus_and_divides(
        votes, agree_counts, voted_counts
    )
    analysis.role_shares = {
        votes.statements[s]: {
            name: (
                round(float(agree_counts[s, i] / voted_counts[s, i]), 3)
                if voted_counts[s, i]
                else None,
                int(voted_counts[s, i]),
            )
            for name, i in index.items()
        }
        for s in range(len(votes.statements))
        if votes.statements[s] in set(analysis.role_consensus) | set(analysis.role_divides)
    }


def _map(votes, embedding, fit, labels, k) -> dict:
    n = votes.shape[0]
    # Lay the groups out by how differently they vote (classical MDS of the profiles).
    profiles = (fit.profiles[0] - fit.profiles[1])[:, :k]  # statements x k: agree - disagree
    if k > 1:
        distances = ((profiles[:, :, None] - profiles[:, None, :]) ** 2).sum(axis=0)
        centring = np.eye(k) - 1 / k
        inner = -0.5 * centring @ distances @ centring
        values, vectors = np.linalg.eigh(inner)
        order = np.argsort(-values)[:2]
        layout = vectors[:, order] * np.sqrt(np.maximum(values[order], 0))
        if layout.shape[1] < 2:
            layout = np.hstack([layout, np.zeros((k, 1))])
        radius = np.abs(layout).max() or 1.0
        layout /= radius
    else:
        layout = np.zeros((1, 2))
    personal = embedding[:, :2] if embedding.shape[1] >= 2 else np.zeros((n, 2))
    spread = np.abs(personal).max() or 1.0
    personal = personal / spread * 0.25
    positions = personal.copy()
    active = labels >= 0
    positions[active] += layout[labels[active]]
    return {
        participant: (round(float(positions[i, 0]), 4), round(float(positions[i, 1]), 4))
        for i, participant in enumerate(votes.participants)
    }


def _sort_key(value):
    # Numbers (and ids written as digits) in numeric order, then anything else.
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return (0, int(value), "")
    return (1, 0, str(value))
