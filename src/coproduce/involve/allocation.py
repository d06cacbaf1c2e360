"""Sharing a resource among the projects people approve (pure: no Django).

The Method of Equal Shares gives every voter an equal share of the resource (larger
shares, openly, for voters a hub chose to favour) and spends each share only on projects
its voter approves. Round by round it funds the project whose supporters can pay for it
with the smallest payment each (everyone pays the same, or all they have left), so a
group of 40% of the voters controls about 40% of the resource. Utilities are costs (a
project is worth its cost to each supporter), the form used in real elections. Greedy counting, the
comparison shown beside it, takes projects in order of votes while they fit, so a
majority can take everything.

Completion: shares start at B/n and rise by one unit of the resource per voter each
step; the count stops as soon as the outcome is exhaustive (no unfunded approved project
fits what is left) or the next outcome would cost more than B, keeping the last one that
fits.

Everything is exact (integers and fractions, never floats), so anyone can check a count
by hand. Ties in payment are broken by more votes, then lower cost, then a draw seeded
from the round; each tie is reported with what decided it.

The work is kept small by counting voters in classes with the same money left (all
voters start in one class, or one per weight) and by lazy evaluation: a project's
payment can only rise as voters spend, so a payment worked out earlier is a lower bound
and only the front of the queue needs working out again.
"""

import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from coproduce.errors import ApplicationError

EQUAL_SHARES, GREEDY = "equal-shares", "greedy"
RULES = (EQUAL_SHARES, GREEDY)
# What decided between projects that tied: they needed the same payment each (or, in
# the greedy count, had the same votes), then...
BY_VOTES, BY_COST, BY_DRAW = "votes", "cost", "draw"


class ElectionError(ApplicationError):
    """The election cannot be counted as given (a cost, the budget or a ballot)."""


@dataclass(frozen=True)
class Election:
    budget: int
    costs: Mapping[str, int]  # project id -> cost, in whole units of the resource
    ballots: Sequence[frozenset[str]]  # one per voter; those approving nothing count too
    # Each voter's share of the resource relative to the others (None: all equal).
    weights: Sequence[Fraction | int] | None = None
    seed: str = ""  # seeds the draw that breaks full ties

    def check(self) -> None:
        if not isinstance(self.budget, int) or self.budget < 0:
            raise ElectionError(f"The budget must be a whole number, not {self.budget!r}.")
        for project, cost in self.costs.items():
            if not isinstance(cost, int) or cost <= 0:
                raise ElectionError(
                    f"Project {project}: the cost must be a whole number above 0, not {cost!r}."
                )
        for number, ballot in enumerate(self.ballots, start=1):
            unknown = sorted(set(ballot) - set(self.costs))
            if unknown:
                raise ElectionError(f"Ballot {number} approves unknown project {unknown[0]}.")
        if self.weights is not None:
            if len(self.weights) != len(self.ballots):
                raise ElectionError("There must be one weight for each ballot.")
            if any(Fraction(weight) <= 0 for weight in self.weights):
                raise ElectionError("Every weight must be above 0.")


@dataclass(frozen=True)
class TieBreak:
    chosen: str
    rivals: tuple[str, ...]
    decided_by: str  # BY_VOTES, BY_COST or BY_DRAW


@dataclass(frozen=True)
class Outcome:
    rule: str
    selected: tuple[str, ...]  # in the order they were funded
    cost: int
    budget: int
    votes: Mapping[str, int]
    # Equal shares only: the payment asked of each supporter, in the order funded (a
    # supporter with less left paid all they had), and the completion step counted.
    payments: tuple[tuple[str, Fraction], ...] = ()
    step: int = 0
    shares_total: Fraction = Fraction(0)  # B + step * n: the shares added up
    exhaustive: bool = True
    tie_breaks: tuple[TieBreak, ...] = ()
    # For each approved project not funded: how many more supporters, each bringing a
    # full (average) share, it needed (equal shares), or the resource it lacked (greedy).
    needed: Mapping[str, int] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return self.budget - self.cost


def count(election: Election, rule: str) -> Outcome:
    if rule == EQUAL_SHARES:
        return equal_shares(election)
    if rule == GREEDY:
        return greedy(election)
    raise ElectionError(f"Unknown rule {rule!r}: choose {' or '.join(RULES)}.")


def draw_order(projects, seed: str) -> dict[str, int]:
    """A fixed random order of the projects, the same for the same seed and projects."""
    order = sorted(projects)
    random.Random(f"draw:{seed}").shuffle(order)
    return {project: rank for rank, project in enumerate(order)}


def vote_counts(election: Election) -> dict[str, int]:
    votes = dict.fromkeys(election.costs, 0)
    for ballot in election.ballots:
        for project in ballot:
            votes[project] += 1
    return votes


def _decider(first, second, votes, costs, draw) -> str:
    if votes[first] != votes[second]:
        return BY_VOTES
    if costs[first] != costs[second]:
        return BY_COST
    return BY_DRAW


def greedy(election: Election) -> Outcome:
    """Most votes first, each project taken if it fits what is left."""
    election.check()
    votes, costs = vote_counts(election), election.costs
    draw = draw_order(costs, election.seed)
    order = sorted((p for p in costs if votes[p]), key=lambda p: (-votes[p], costs[p], draw[p]))
    selected, left = [], election.budget
    for project in order:
        if costs[project] <= left:
            selected.append(project)
            left -= costs[project]
    # A tie mattered where a project was funded ahead of one with as many votes that
    # then did not fit.
    ties = []
    for position, project in enumerate(order):
        rivals = tuple(
            p for p in order[position + 1 :] if votes[p] == votes[project] and p not in selected
        )
        if project in selected and rivals:
            decided = _decider(project, rivals[0], votes, costs, draw)
            ties.append(TieBreak(project, rivals, decided))
    cost = election.budget - left
    return Outcome(
        rule=GREEDY,
        selected=tuple(selected),
        cost=cost,
        budget=election.budget,
        votes=votes,
        shares_total=Fraction(election.budget),
        exhaustive=not any(votes[p] and p not in selected and costs[p] <= left for p in costs),
        tie_breaks=tuple(ties),
        needed={p: costs[p] - left for p in order if p not in selected},
    )


class _Prepared:
    """The election as arrays: who supports what, and the order of full ties."""

    def __init__(self, election: Election):
        import numpy as np  # only when a count runs: web processes that never count stay small

        election.check()
        self.budget = election.budget
        self.projects = sorted(p for p, n in vote_counts(election).items() if n)
        self.costs = election.costs
        self.votes = vote_counts(election)
        self.draw = draw_order(election.costs, election.seed)
        self.voters = len(election.ballots)
        index = {project: i for i, project in enumerate(self.projects)}
        supporters = [[] for _ in self.projects]
        for voter, ballot in enumerate(election.ballots):
            for project in ballot:
                supporters[index[project]].append(voter)
        self.supporters = [np.array(s, dtype=np.int64) for s in supporters]
        weights = election.weights or [1] * self.voters
        self.weights = [Fraction(w) for w in weights]
        self.total_weight = sum(self.weights, Fraction(0))
        # Voters start in one class per distinct weight.
        distinct = sorted(set(self.weights))
        self.start_class = np.array(
            [distinct.index(w) + 1 for w in self.weights] if distinct else [], dtype=np.int64
        )
        self.start_weights = distinct

    def key(self, project: str, payment: Fraction):
        """Cost utilities: a project is worth its cost to each supporter, so projects
        compete on the payment asked per unit of cost (1/k when all k supporters can pay
        alike): broad support beats cheapness."""
        cost = self.costs[project]
        return (payment / cost, -self.votes[project], cost, self.draw[project])


@dataclass
class _Run:
    selected: list[str]
    payments: list[tuple[str, Fraction]]
    ties: list[TieBreak]
    cost: int
    money_left: dict[str, Fraction]  # for each project not funded: its supporters' money


def _np():
    import numpy

    return numpy


class _Purses:
    """What each voter has left, by class: voters with the same money left share a
    class (class 0: nothing left). Amounts are whole numbers of 1/scale of a unit, so
    they sort and add as plain integers; the scale grows when a payment needs it."""

    def __init__(self, prep: _Prepared, shares_total: Fraction):
        starts = [shares_total * w / prep.total_weight for w in prep.start_weights]
        self.scale = math.lcm(1, *(share.denominator for share in starts))
        self.values = [0] + [int(share * self.scale) for share in starts]
        self.cls = prep.start_class.copy()

    def groups(self, supporters) -> list[tuple[int, int]]:
        """(money left, how many) for these voters, poorest first, those with none out."""
        ids, counts = _np().unique(self.cls[supporters], return_counts=True)
        values = self.values
        return sorted(
            (values[c], n) for c, n in zip(ids.tolist(), counts.tolist(), strict=True) if c
        )

    def payment(self, supporters, cost: int) -> Fraction | None:
        """The smallest payment each that buys a project costing this (each supporter
        pays it, or all they have if less); None if together they cannot."""
        groups = self.groups(supporters)
        need = cost * self.scale
        if sum(v * n for v, n in groups) < need:
            return None
        paying = sum(n for _, n in groups)
        for value, n in groups:
            if value * paying >= need:
                return Fraction(need, paying * self.scale)
            need -= value * n
            paying -= n
        raise AssertionError("unreachable: the supporters can afford it")

    def pay(self, supporters, rho: Fraction) -> None:
        scale = math.lcm(self.scale, rho.denominator)
        if scale != self.scale:
            factor = scale // self.scale
            self.values = [value * factor for value in self.values]
            self.scale = scale
        asked = int(rho * scale)
        np = _np()
        remap = np.arange(len(self.values), dtype=np.int64)
        for c in np.unique(self.cls[supporters]).tolist():
            if c:
                after = self.values[c] - asked
                if after > 0:
                    self.values.append(after)
                    remap[c] = len(self.values) - 1
                else:
                    remap[c] = 0
        self.cls[supporters] = remap[self.cls[supporters]]

    def money(self, supporters) -> Fraction:
        return Fraction(sum(v * n for v, n in self.groups(supporters)), self.scale)


def _mes(prep: _Prepared, shares_total: Fraction) -> _Run:
    """One run of the Method of Equal Shares with these shares in all."""
    purses = _Purses(prep, shares_total)

    def payment(i: int) -> Fraction | None:
        return purses.payment(prep.supporters[i], prep.costs[prep.projects[i]])

    fresh_round = 0
    queue = []
    for i, project in enumerate(prep.projects):
        rho = payment(i)
        if rho is not None:
            queue.append((prep.key(project, rho), fresh_round, i))
    heapq.heapify(queue)
    run = _Run([], [], [], 0, {})
    funded = set()
    while queue:
        key, computed, i = heapq.heappop(queue)
        if computed != fresh_round:
            rho = payment(i)
            if rho is not None:
                heapq.heappush(queue, (prep.key(prep.projects[i], rho), fresh_round, i))
            continue
        rate, project = key[0], prep.projects[i]
        rho = rate * prep.costs[project]  # what is asked of each supporter
        rivals = _tied_rivals(prep, queue, rate, fresh_round, payment)
        if rivals:
            first = prep.projects[rivals[0]]
            decided = _decider(project, first, prep.votes, prep.costs, prep.draw)
            run.ties.append(TieBreak(project, tuple(prep.projects[r] for r in rivals), decided))
        purses.pay(prep.supporters[i], rho)
        run.selected.append(project)
        run.payments.append((project, rho))
        run.cost += prep.costs[project]
        funded.add(i)
        fresh_round += 1
    for i, project in enumerate(prep.projects):
        if i not in funded:
            run.money_left[project] = purses.money(prep.supporters[i])
    return run


def _tied_rivals(prep, queue, rate, fresh_round, payment) -> list[int]:
    """Projects asking exactly the same payment per unit of cost now (worked out afresh
    if stale)."""
    rivals, held = [], []
    while queue and queue[0][0][0] == rate:
        key, computed, i = heapq.heappop(queue)
        if computed != fresh_round:
            new = payment(i)
            if new is None:
                continue
            key, computed = prep.key(prep.projects[i], new), fresh_round
            if key[0] != rate:
                held.append((key, computed, i))
                continue
        rivals.append(i)
        held.append((key, computed, i))
    for item in held:
        heapq.heappush(queue, item)
    return sorted(
        rivals, key=lambda i: prep.key(prep.projects[i], rate * prep.costs[prep.projects[i]])
    )


def equal_shares(election: Election) -> Outcome:
    prep = _Prepared(election)
    n = prep.voters
    last, step = None, 0
    while True:
        shares_total = Fraction(election.budget + step * n)
        run = _mes(prep, shares_total)
        if run.cost > election.budget:
            break
        last, last_step, last_total = run, step, shares_total
        left = election.budget - run.cost
        if n == 0 or not any(prep.costs[p] <= left for p in prep.projects if p not in run.selected):
            break
        step += 1
    left = election.budget - last.cost
    # One voter more brings an average share (the whole resource, were nobody voting).
    average_share = last_total / n if n else Fraction(election.budget)
    unfunded = {p: Fraction(0) for p in prep.costs if p not in prep.votes or not prep.votes[p]}
    needed = {
        project: max(1, math.ceil((prep.costs[project] - money) / average_share))
        for project, money in (unfunded | last.money_left).items()
        if average_share
    }
    return Outcome(
        rule=EQUAL_SHARES,
        selected=tuple(last.selected),
        cost=last.cost,
        budget=election.budget,
        votes=prep.votes,
        payments=tuple(last.payments),
        step=last_step,
        shares_total=last_total,
        exhaustive=not any(prep.costs[p] <= left for p in prep.projects if p not in last.selected),
        tie_breaks=tuple(last.ties),
        needed=needed,
    )


def share_of(election: Election, outcome: Outcome, voter: int) -> Fraction:
    """The share of the resource this voter (by position) had in the final count."""
    if outcome.rule != EQUAL_SHARES or not election.ballots:
        return Fraction(0)
    weights = [Fraction(w) for w in (election.weights or [1] * len(election.ballots))]
    return outcome.shares_total * weights[voter] / sum(weights)


def spending(election: Election, outcome: Outcome, voter: int) -> list[tuple[str, Fraction]]:
    """How this voter's share was spent: each funded project they approved, and what they
    paid towards it (what was asked of each supporter, or all they had left)."""
    left = share_of(election, outcome, voter)
    ballot, spent = election.ballots[voter], []
    for project, rho in outcome.payments:
        if project in ballot:
            paid = min(left, rho)
            spent.append((project, paid))
            left -= paid
    return spent


def supporters_needed(election: Election, project: str, limit: int) -> int | None:
    """The fewest more voters (each approving only this project, with an ordinary share)
    that would get it funded by equal shares; None if more than `limit` would be needed.

    Counted, not estimated: each guess is a whole count. More supporters of a project
    only help it, so the search doubles until the project is funded, then halves back."""
    if project not in election.costs:
        raise ElectionError(f"Unknown project {project}.")

    def funded_with(extra: int) -> bool:
        weights = election.weights
        more = Election(
            budget=election.budget,
            costs=election.costs,
            ballots=[*election.ballots, *([frozenset({project})] * extra)],
            weights=None if weights is None else [*weights, *([1] * extra)],
            seed=election.seed,
        )
        return project in equal_shares(more).selected

    if funded_with(0):
        return 0
    high = 1
    while not funded_with(high):
        if high >= limit:
            return None
        high = min(high * 2, limit)
    low = high // 2  # not enough (or zero)
    while high - low > 1:
        middle = (low + high) // 2
        if funded_with(middle):
            high = middle
        else:
            low = middle
    return high
