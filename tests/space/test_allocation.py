"""The count engine (coproduce.involve.allocation): the issue's golden election, a plain
reference implementation it must agree with on random small elections, and the
properties that make the Method of Equal Shares proportional."""

import random
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coproduce.involve import allocation
from coproduce.involve.allocation import (
    BY_DRAW,
    EQUAL_SHARES,
    GREEDY,
    Election,
    ElectionError,
    count,
    share_of,
    spending,
)

# --- a plain reference ------------------------------------------------------------------


def reference_payment(purses: list[Fraction], cost: int) -> Fraction | None:
    """The smallest payment each (or all a supporter has, if less) that adds up to cost;
    None if all they have together is not enough. Everyone is asked an equal part of
    what is still to find; whoever has less pays all they have and drops out, and the
    rest are asked again, until nobody more drops out."""
    paying, still_to_find = list(purses), Fraction(cost)
    while paying:
        rho = still_to_find / len(paying)
        short = [money for money in paying if money < rho]
        if not short:
            return rho
        still_to_find -= sum(short)
        paying = [money for money in paying if money >= rho]
    return None


def reference_mes(budget, costs, ballots, weights, draw, shares_total):
    """One run of the Method of Equal Shares with cost utilities; returns the projects
    funded in order, and whether the draw ever decided between projects."""
    weights = [Fraction(w) for w in weights] if weights else [Fraction(1)] * len(ballots)
    total_weight = sum(weights)
    money = [shares_total * w / total_weight for w in weights]
    supporters = {}
    for i, ballot in enumerate(ballots):
        for project in ballot:
            supporters.setdefault(project, []).append(i)
    approved = sorted(supporters)
    votes = {p: len(supporters[p]) for p in approved}
    selected, drawn = [], False
    while True:
        offers = []
        for project in approved:
            if project in selected:
                continue
            rho = reference_payment([money[i] for i in supporters[project]], costs[project])
            if rho is not None:
                key = (rho / costs[project], -votes[project], costs[project])
                offers.append((key, project, rho))
        if not offers:
            return selected, drawn
        best = min(key for key, _, _ in offers)
        tied = [(project, rho) for key, project, rho in offers if key == best]
        drawn = drawn or len(tied) > 1
        project, rho = min(tied, key=lambda pair: draw[pair[0]])
        for i in supporters[project]:
            money[i] -= min(money[i], rho)
        selected.append(project)


def reference_equal_shares(budget, costs, ballots, weights=None, seed=""):
    """Equal shares with completion: shares start at B/n and rise by one unit per voter
    each step until the outcome is exhaustive or the next one costs more than B.
    Returns (selected in order, cost, whether a draw decided anything in any run)."""
    n = len(ballots)
    draw = allocation.draw_order(costs, seed)
    approved = {project for ballot in ballots for project in ballot}
    last, drawn_any, step = [], False, 0
    while True:
        selected, drawn = reference_mes(budget, costs, ballots, weights, draw, budget + step * n)
        drawn_any = drawn_any or drawn
        spent = sum(costs[p] for p in selected)
        if spent > budget:
            break
        last = selected
        left = budget - spent
        if n == 0 or not any(costs[p] <= left for p in approved - set(selected)):
            break
        step += 1
    return last, sum(costs[p] for p in last), drawn_any


def reference_greedy(budget, costs, ballots, seed=""):
    votes = {p: sum(p in ballot for ballot in ballots) for p in costs}
    draw = allocation.draw_order(costs, seed)
    order = sorted((p for p in costs if votes[p]), key=lambda p: (-votes[p], costs[p], draw[p]))
    selected, left = [], budget
    for project in order:
        if costs[project] <= left:
            selected.append(project)
            left -= costs[project]
    return selected, budget - left


# --- elections to count -----------------------------------------------------------------


def golden() -> Election:
    costs = {"A1": 40, "A2": 40, "A3": 20, "B1": 30, "B2": 20}
    ballots = (
        [frozenset({"A1", "A2", "A3"})] * 5
        + [frozenset({"A1", "A3"})]
        + [frozenset({"B1", "B2"})] * 3
        + [frozenset({"B1"})]
    )
    return Election(budget=100, costs=costs, ballots=ballots)


@st.composite
def elections(draw, weighted: bool = False):
    projects = [f"p{i}" for i in range(draw(st.integers(1, 6)))]
    costs = {p: draw(st.integers(1, 30)) for p in projects}
    ballots = draw(
        st.lists(st.frozensets(st.sampled_from(projects), max_size=len(projects)), max_size=9)
    )
    weights = None
    if weighted and ballots and draw(st.booleans()):
        weights = draw(
            st.lists(
                st.sampled_from([1, 2, 3, Fraction(3, 2)]),
                min_size=len(ballots),
                max_size=len(ballots),
            )
        )
    return Election(
        budget=draw(st.integers(0, 60)),
        costs=costs,
        ballots=ballots,
        weights=weights,
        seed=draw(st.text(max_size=4)),
    )


# --- the golden election ----------------------------------------------------------------


def test_golden_equal_shares_funds_both_groups():
    outcome = count(golden(), EQUAL_SHARES)
    assert set(outcome.selected) == {"A1", "A3", "B1"}
    assert outcome.cost == 90
    assert outcome.budget == 100
    assert not any(tie.decided_by == BY_DRAW for tie in outcome.tie_breaks)


def test_golden_greedy_gives_the_majority_everything():
    outcome = count(golden(), GREEDY)
    assert set(outcome.selected) == {"A1", "A2", "A3"}
    assert outcome.cost == 100


def test_golden_agrees_with_the_reference():
    election = golden()
    selected, cost, _ = reference_equal_shares(election.budget, election.costs, election.ballots)
    outcome = count(election, EQUAL_SHARES)
    assert list(outcome.selected) == selected
    assert outcome.cost == cost


# --- agreement with the reference -------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(elections(weighted=True))
def test_equal_shares_agrees_with_the_reference(election):
    selected, cost, drawn = reference_equal_shares(
        election.budget, election.costs, election.ballots, election.weights, election.seed
    )
    outcome = count(election, EQUAL_SHARES)
    assert list(outcome.selected) == selected
    assert outcome.cost == cost
    if any(tie.decided_by == BY_DRAW for tie in outcome.tie_breaks):
        assert drawn


@settings(max_examples=300, deadline=None)
@given(elections())
def test_greedy_agrees_with_the_reference_and_fits(election):
    outcome = count(election, GREEDY)
    selected, cost = reference_greedy(
        election.budget, election.costs, election.ballots, election.seed
    )
    assert list(outcome.selected) == selected
    assert outcome.cost == cost <= election.budget
    # The votes order: a project with more votes is never funded after one with fewer.
    votes = [outcome.votes[p] for p in outcome.selected]
    assert votes == sorted(votes, reverse=True)


@pytest.mark.parametrize("seed", range(4))
def test_equal_shares_agrees_with_the_reference_on_bigger_elections(seed):
    rng = random.Random(seed)
    projects = [f"p{i}" for i in range(25)]
    costs = {p: rng.randint(50, 2_000) for p in projects}
    ballots = [frozenset(rng.sample(projects, rng.randint(0, 6))) for _ in range(300)]
    weights = [rng.choice([1, 1, 1, 2]) for _ in ballots] if seed % 2 else None
    election = Election(budget=6_000, costs=costs, ballots=ballots, weights=weights, seed="x")
    selected, cost, _ = reference_equal_shares(6_000, costs, ballots, weights, "x")
    outcome = count(election, EQUAL_SHARES)
    assert list(outcome.selected) == selected
    assert outcome.cost == cost
    assert len(selected) > 2


# --- properties -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(elections(weighted=True))
def test_the_selected_cost_never_exceeds_the_budget(election):
    outcome = count(election, EQUAL_SHARES)
    assert outcome.cost == sum(election.costs[p] for p in outcome.selected) <= election.budget
    assert len(set(outcome.selected)) == len(outcome.selected)
    paid_for = dict.fromkeys(outcome.selected, Fraction(0))
    for voter in range(len(election.ballots)):
        spent = spending(election, outcome, voter)
        assert sum(paid for _, paid in spent) <= share_of(election, outcome, voter)
        assert all(project in election.ballots[voter] for project, _ in spent)
        for project, paid in spent:
            paid_for[project] += paid
    # Each project funded is paid for exactly by its supporters' spending.
    assert paid_for == {p: election.costs[p] for p in outcome.selected}


@settings(max_examples=200, deadline=None)
@given(elections(weighted=True), st.randoms(use_true_random=False))
def test_relabelling_voters_changes_nothing(election, shuffler):
    order = list(range(len(election.ballots)))
    shuffler.shuffle(order)
    shuffled = Election(
        budget=election.budget,
        costs=election.costs,
        ballots=[election.ballots[i] for i in order],
        weights=[election.weights[i] for i in order] if election.weights else None,
        seed=election.seed,
    )
    for rule in (EQUAL_SHARES, GREEDY):
        before, after = count(election, rule), count(shuffled, rule)
        assert after.selected == before.selected
        assert after.payments == before.payments
        assert after.tie_breaks == before.tie_breaks


@settings(max_examples=200, deadline=None)
@given(elections(weighted=True), st.randoms(use_true_random=False))
def test_relabelling_projects_changes_nothing_unless_drawn(election, shuffler):
    _, _, drawn = reference_equal_shares(
        election.budget, election.costs, election.ballots, election.weights, election.seed
    )
    outcome = count(election, EQUAL_SHARES)
    # Only a draw depends on the names, and it decided nothing in any run counted.
    assume(not drawn and not any(t.decided_by == BY_DRAW for t in outcome.tie_breaks))
    names = list(election.costs)
    new_names = [f"q{i}" for i in range(len(names))]
    shuffler.shuffle(new_names)
    rename = dict(zip(names, new_names, strict=True))
    renamed = Election(
        budget=election.budget,
        costs={rename[p]: c for p, c in election.costs.items()},
        ballots=[frozenset(rename[p] for p in ballot) for ballot in election.ballots],
        weights=election.weights,
        seed=election.seed,
    )
    after = count(renamed, EQUAL_SHARES)
    assert after.selected == tuple(rename[p] for p in outcome.selected)
    assert after.cost == outcome.cost


@settings(max_examples=300, deadline=None)
@given(elections(weighted=True))
def test_single_minded_voters_whose_shares_cover_their_project_get_it(election):
    outcome = count(election, EQUAL_SHARES)
    for project, cost in election.costs.items():
        alone = [i for i, b in enumerate(election.ballots) if b == frozenset({project})]
        if sum(share_of(election, outcome, i) for i in alone) >= cost:
            assert project in outcome.selected
        # At the start (B/n each, before any completion) the same holds a fortiori.


@settings(max_examples=300, deadline=None)
@given(elections(weighted=True))
def test_a_bloc_whose_share_covers_a_project_gets_one_it_approves(election):
    outcome = count(election, EQUAL_SHARES)
    for ballot in set(election.ballots):
        bloc = [i for i, b in enumerate(election.ballots) if b == ballot]
        share = sum(share_of(election, outcome, i) for i in bloc)
        if any(election.costs[p] <= share for p in ballot):
            assert set(ballot) & set(outcome.selected), (ballot, outcome.selected)


def test_a_bloc_of_forty_percent_gets_its_share_where_greedy_gives_nothing():
    costs = {f"M{i}": 10 for i in range(10)} | {f"N{i}": 10 for i in range(10)}
    ballots = [frozenset(f"M{i}" for i in range(10))] * 6 + [
        frozenset(f"N{i}" for i in range(10))
    ] * 4
    election = Election(budget=100, costs=costs, ballots=ballots, seed="forty")
    shares = count(election, EQUAL_SHARES)
    assert sum(p.startswith("N") for p in shares.selected) == 4
    assert sum(p.startswith("M") for p in shares.selected) == 6
    assert not any(p.startswith("N") for p in count(election, GREEDY).selected)


# --- weighted shares --------------------------------------------------------------------


def test_a_voter_with_weight_two_has_twice_the_share():
    election = Election(
        budget=90,
        costs={"X": 30, "Y": 50},
        ballots=[frozenset({"X"}), frozenset({"Y"}), frozenset({"X", "Y"})],
        weights=[2, 1, 1],
    )
    outcome = count(election, EQUAL_SHARES)
    assert share_of(election, outcome, 0) == 2 * share_of(election, outcome, 1)
    assert share_of(election, outcome, 1) == share_of(election, outcome, 2)
    assert sum(share_of(election, outcome, i) for i in range(3)) == outcome.shares_total
    for voter in range(3):
        assert sum(paid for _, paid in spending(election, outcome, voter)) <= share_of(
            election, outcome, voter
        )


def test_weighting_moves_the_result_towards_the_favoured_voters():
    # Two voters want X, one wants Y, both cost 6 of 10: equal shares (10/3 each) fund X.
    # Weight 3 for Y's voter gives her 6 of the 10: Y is funded and X no longer fits.
    costs = {"X": 6, "Y": 6}
    ballots = [frozenset({"X"}), frozenset({"X"}), frozenset({"Y"})]
    plain = Election(budget=10, costs=costs, ballots=ballots)
    favoured = Election(budget=10, costs=costs, ballots=ballots, weights=[1, 1, 3])
    assert count(plain, EQUAL_SHARES).selected == ("X",)
    outcome = count(favoured, EQUAL_SHARES)
    assert outcome.selected == ("Y",)
    assert share_of(favoured, outcome, 2) == 6
    assert spending(favoured, outcome, 2) == [("Y", 6)]
    assert spending(favoured, outcome, 0) == []


# --- exact ties -------------------------------------------------------------------------


def tied(seed: str) -> Election:
    # Both ask 5 of each voter, have two votes and cost 10; only one fits.
    both = frozenset({"P", "Q"})
    return Election(budget=10, costs={"P": 10, "Q": 10}, ballots=[both, both], seed=seed)


def test_an_exact_tie_is_decided_by_the_seeded_draw():
    winners = set()
    for seed in ("a", "b", "c", "d", "e", "f", "g", "h"):
        outcome = count(tied(seed), EQUAL_SHARES)
        assert len(outcome.selected) == 1
        [tie] = outcome.tie_breaks
        assert tie.decided_by == BY_DRAW
        assert tie.chosen == outcome.selected[0]
        assert tie.rivals == tuple({"P", "Q"} - {tie.chosen})
        draw = allocation.draw_order({"P", "Q"}, seed)
        assert tie.chosen == min(("P", "Q"), key=draw.get)
        assert count(tied(seed), EQUAL_SHARES) == outcome  # the same seed, the same count
        winners.add(tie.chosen)
    assert winners == {"P", "Q"}  # the seed really decides


def test_votes_then_cost_decide_before_the_draw():
    # 3 each. P (three votes, 3 each) first; then Q (voter 2 has nothing left, voter 4
    # pays 1) and R (voter 3 pays 2) both ask all of a unit of cost: Q has more votes.
    election = Election(
        budget=15,
        costs={"P": 9, "Q": 1, "R": 2},
        ballots=[
            frozenset({"P"}),
            frozenset({"P", "Q"}),
            frozenset({"R"}),
            frozenset({"Q"}),
            frozenset({"P"}),
        ],
    )
    outcome = count(election, EQUAL_SHARES)
    assert outcome.selected == ("P", "Q", "R")
    assert outcome.payments == (("P", 3), ("Q", 1), ("R", 2))
    [tie] = outcome.tie_breaks
    assert (tie.chosen, tie.rivals, tie.decided_by) == ("Q", ("R",), "votes")
    # Two voters, 5 each: C and D both ask half of each unit of cost, have two votes
    # each; the cheaper goes first, and then D no longer fits.
    cheaper = Election(budget=10, costs={"C": 4, "D": 8}, ballots=[frozenset({"C", "D"})] * 2)
    result = count(cheaper, EQUAL_SHARES)
    assert result.selected == ("C",)
    [tie] = result.tie_breaks
    assert (tie.chosen, tie.rivals, tie.decided_by) == ("C", ("D",), "cost")


def test_greedy_ties_on_votes_go_to_the_cheaper():
    election = Election(
        budget=10,
        costs={"C": 4, "D": 8},
        ballots=[frozenset({"C", "D"})] * 2,
    )
    outcome = count(election, GREEDY)
    assert outcome.selected == ("C",)
    [tie] = outcome.tie_breaks
    assert (tie.chosen, tie.rivals, tie.decided_by) == ("C", ("D",), "cost")


# --- edge cases -------------------------------------------------------------------------


def test_no_ballots_funds_nothing():
    election = Election(budget=100, costs={"A": 10}, ballots=[])
    for rule in (EQUAL_SHARES, GREEDY):
        outcome = count(election, rule)
        assert outcome.selected == ()
        assert outcome.cost == 0


def test_ballots_approving_nothing_count_and_shrink_the_shares():
    costs = {"P": 3, "Q": 8, "R": 10}
    voters = [frozenset({"R", "P"}), frozenset({"Q"}), frozenset({"R", "Q"}), frozenset({"R"})]
    alone = Election(budget=6, costs=costs, ballots=voters)
    crowd = Election(budget=6, costs=costs, ballots=[*voters, frozenset()])
    # Four voters: 1.5, 2.5, then 3.5 each, when R's three supporters (10.5) buy R (10),
    # more than the budget: the count keeps step 1, where nothing could be bought.
    outcome = count(alone, EQUAL_SHARES)
    assert (outcome.selected, outcome.step, outcome.cost) == ((), 1, 0)
    assert share_of(alone, outcome, 0) == Fraction(10, 4)
    # Five voters (the fifth approving nothing): 1.2, 2.2, then 3.2 each at step 2, when
    # R's supporters (9.6) cannot buy R but P's voter can buy P.
    outcome = count(crowd, EQUAL_SHARES)
    assert (outcome.selected, outcome.step, outcome.cost) == (("P",), 2, 3)
    assert outcome.shares_total == 16
    assert share_of(crowd, outcome, 0) == Fraction(16, 5)
    assert share_of(crowd, outcome, 4) == Fraction(16, 5)
    assert spending(crowd, outcome, 4) == []


def test_budget_smaller_than_every_cost():
    election = Election(budget=5, costs={"A": 6, "B": 9}, ballots=[frozenset({"A", "B"})] * 3)
    for rule in (EQUAL_SHARES, GREEDY):
        outcome = count(election, rule)
        assert outcome.selected == ()
        assert outcome.cost == 0
        assert outcome.exhaustive


@pytest.mark.parametrize("cost", [0, -3, 2.5, Fraction(1, 2)])
def test_a_cost_that_is_not_a_whole_number_above_zero_is_refused(cost):
    election = Election(budget=10, costs={"Hall": cost}, ballots=[frozenset({"Hall"})])
    for rule in (EQUAL_SHARES, GREEDY):
        with pytest.raises(ElectionError, match="Project Hall"):
            count(election, rule)


def test_a_ballot_naming_an_unknown_project_is_refused():
    election = Election(
        budget=10, costs={"A": 5}, ballots=[frozenset({"A"}), frozenset({"A", "Ghost"})]
    )
    for rule in (EQUAL_SHARES, GREEDY):
        with pytest.raises(ElectionError, match="Ballot 2 approves unknown project Ghost"):
            count(election, rule)


def test_an_unknown_rule_is_refused():
    with pytest.raises(ElectionError, match="Unknown rule"):
        count(golden(), "borda")


@pytest.mark.parametrize("project", ["A2", "B2"])
def test_supporters_needed_is_the_fewest_that_fund_a_losing_project(project):
    election = golden()
    needed = allocation.supporters_needed(election, project, limit=50)

    def funded_with(extra):
        more = [*election.ballots, *([frozenset({project})] * extra)]
        bigger = allocation.Election(election.budget, election.costs, more, seed=election.seed)
        return project in allocation.equal_shares(bigger).selected

    assert needed >= 1 and funded_with(needed) and not funded_with(needed - 1)
    if needed > 1:
        assert allocation.supporters_needed(election, project, limit=needed - 1) is None
