"""The count engine at scale: the Method of Equal Shares with completion, on a big
participatory budget of approval ballots.

    python bench/allocation.py            # 10,000 voters, 200 projects, £100,000
    python bench/allocation.py --quick    # 2,000 voters, 50 projects, £40,000, for CI

The election is generated from a fixed seed: each voter approves 3 to 15 projects, drawn
with a skewed popularity (project k is chosen in proportion to 1/(k+1)^0.8, so a few
projects are very popular and many have a small following, as in real ballots). The
resource is £100,000 (£10 a voter at full size, the scale of a city district's
participatory budget), and projects cost £1,000 to £20,000 in whole pounds. Costs and
the budget are whole pounds, so the completion raises every voter's share by £1 a step.

Times `allocation.equal_shares` (best of a few runs) and, once, the plain reference
implementation the tests check it against (`tests/space/test_allocation.py`: a Fraction
purse for every voter, every project's payment worked out afresh each round, the
completion run step by step from the start). The
two must fund the same projects in the same order. Writes bench/results/allocation.json
(or allocation.quick.json): voters, projects, seconds and reference_seconds.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.space.test_allocation import reference_equal_shares  # noqa: E402

from coproduce.involve import allocation  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SIZES = {"full": (10_000, 200, 100_000), "quick": (2_000, 50, 40_000)}
RUNS = 3


def generate(voters: int, projects: int, budget: int, seed: int = 17) -> allocation.Election:
    rng = np.random.default_rng(seed)
    names = [f"P{k + 1:03d}" for k in range(projects)]
    popularity = 1 / np.arange(1, projects + 1) ** 0.8
    popularity /= popularity.sum()
    costs = {
        name: int(cost)
        for name, cost in zip(names, rng.integers(1_000, 20_001, projects), strict=True)
    }
    ballots = [
        frozenset(names[k] for k in rng.choice(projects, size=size, replace=False, p=popularity))
        for size in rng.integers(3, 16, voters)
    ]
    return allocation.Election(budget=budget, costs=costs, ballots=ballots, seed="bench")


def run(size: str) -> dict:
    voters, projects, budget = SIZES[size]
    election = generate(voters, projects, budget)
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        outcome = allocation.equal_shares(election)
        times.append(time.perf_counter() - began)
    began = time.perf_counter()
    selected, cost, _ = reference_equal_shares(
        election.budget, election.costs, election.ballots, seed=election.seed
    )
    reference_seconds = time.perf_counter() - began
    assert list(outcome.selected) == selected, (outcome.selected, selected)
    assert outcome.cost == cost
    greedy = allocation.greedy(election)
    seconds = min(times)
    print(
        f"{voters:,} voters, {projects} projects, £{budget:,}; "
        f"{sum(len(b) for b in election.ballots) / voters:.1f} approvals a voter"
    )
    print(
        f"equal shares: {len(outcome.selected)} projects funded for £{outcome.cost:,} "
        f"after {outcome.step} completion steps (£{outcome.step} more a voter), "
        f"{len(outcome.tie_breaks)} ties broken"
    )
    print(f"  selected: {', '.join(outcome.selected)}")
    print(f"greedy: {len(greedy.selected)} projects funded for £{greedy.cost:,}")
    print(
        f"engine {seconds:.3f} s (best of {RUNS}: {', '.join(f'{t:.3f}' for t in times)}); "
        f"reference {reference_seconds:.1f} s, the same selection; "
        f"the engine {reference_seconds / seconds:.0f} times faster"
    )
    return {
        "voters": voters,
        "projects": projects,
        "seconds": round(seconds, 3),
        "reference_seconds": round(reference_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A smaller election, for CI.")
    args = parser.parse_args()
    result = run("quick" if args.quick else "full")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("allocation.quick.json" if args.quick else "allocation.json")
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"Written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
