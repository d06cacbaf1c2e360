"""How well the opinion groups predict votes they did not see, against Polis's groups.

    python bench/opinion_quality.py        # the real conversations in tests/data/polis

For each conversation and each of twenty seeds: hide 10% of the agree/disagree votes,
analyse the rest, and predict each hidden vote as the majority of the voter's group on
that statement (the statement's overall majority when the voter has no group or the
group has not voted on it). The same predictor with the groups Polis published
(`group-id` in participants-votes.csv) is the reference. Polis computed its groups
with every vote, the hidden ones included, which favours it slightly.
Writes bench/results/opinion_quality.json.
"""

import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from coproduce.deliberation import polis  # noqa: E402 (after the path is set)
from coproduce.deliberation.engine import Votes, analyse  # noqa: E402

DATA = ROOT / "tests" / "data" / "polis"
RESULTS = ROOT / "bench" / "results" / "opinion_quality.json"
SEEDS = range(20)


def polis_groups(directory: Path) -> dict:
    with (directory / "participants-votes.csv").open() as handle:
        return {row["participant"]: (row["group-id"] or None) for row in csv.DictReader(handle)}


def accuracy(groups: dict, train, hidden) -> float:
    by_group = defaultdict(lambda: [0, 0])
    by_statement = defaultdict(lambda: [0, 0])
    for voter, statement, vote in train:
        if vote == 0:
            continue
        side = 0 if vote == 1 else 1
        by_statement[statement][side] += 1
        if groups.get(voter) is not None:
            by_group[(groups[voter], statement)][side] += 1
    correct = 0
    for voter, statement, vote in hidden:
        counts = by_group.get((groups.get(voter), statement))
        if not counts or counts[0] == counts[1]:
            counts = by_statement.get(statement, [1, 0])
        correct += (1 if counts[0] >= counts[1] else -1) == vote
    return correct / len(hidden)


def main() -> int:
    rows = []
    for directory in sorted(p for p in DATA.iterdir() if p.is_dir()):
        export = polis.read_export(directory)
        latest = {(voter, statement): vote for voter, statement, vote in export.votes}
        items = [(voter, statement, vote) for (voter, statement), vote in latest.items()]
        theirs = polis_groups(directory)
        ours_scores, polis_scores, group_counts, seconds = [], [], [], []
        for seed in SEEDS:
            rng = np.random.default_rng(seed)
            hide = rng.random(len(items)) < 0.10
            hidden = [item for item, h in zip(items, hide, strict=True) if h and item[2] != 0]
            train = [item for item, h in zip(items, hide, strict=True) if not (h and item[2] != 0)]
            started = time.perf_counter()
            analysis = analyse(Votes.from_log(train))
            seconds.append(time.perf_counter() - started)
            ours_scores.append(accuracy(analysis.group_of, train, hidden))
            polis_scores.append(accuracy(theirs, train, hidden))
            group_counts.append(analysis.k)
        rows.append(
            {
                "conversation": directory.name,
                "votes": len(items),
                "hidden_per_run": int(np.mean([0.1 * sum(v != 0 for *_, v in items)])),
                "ours": round(float(np.mean(ours_scores)), 4),
                "polis": round(float(np.mean(polis_scores)), 4),
                "ours_groups": group_counts,
                "polis_groups": len({g for g in theirs.values() if g is not None}),
                "analysis_s": round(float(np.mean(seconds)), 3),
            }
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"seeds": len(SEEDS), "results": rows}, indent=2) + "\n")
    print(f"{'conversation':<22}{'votes':>8}{'ours':>8}{'Polis':>8}  groups (ours / Polis)")
    for row in rows:
        print(
            f"{row['conversation']:<22}{row['votes']:>8}{row['ours']:>8.4f}{row['polis']:>8.4f}"
            f"  {row['ours_groups']} / {row['polis_groups']}"
        )
    print(f"Accuracy predicting hidden votes, mean of {len(SEEDS)} seeds.")
    print(f"Results written to {RESULTS.relative_to(ROOT)}")
    return 0 if all(row["ours"] >= row["polis"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
