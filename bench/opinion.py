"""Opinion engine speed, memory and accuracy on generated conversations.

    python bench/opinion.py            # 100k, 1M and 10M votes
    python bench/opinion.py --quick    # 100k only, for a smoke run

Each conversation has four planted opinion groups; everyone votes on about 20
statements picked at random (so the vote matrix is sparse, as real conversations are). Each case
runs in its own process, so peak memory is the analysis's own: the engine
(`deliberation.engine.analyse`), then the reference, Polis's method done plainly with
scikit-learn: fill unseen votes with the statement's mean, PCA to two dimensions,
k-means with the true number of groups (an advantage the engine does not get). The
reference is skipped when its dense matrix would not fit in REFERENCE_LIMIT_GB.
Groups are scored against the planted ones with the adjusted Rand index.
Writes bench/results/opinion.json.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "bench" / "results" / "opinion.json"
QUICK_RESULTS = ROOT / "bench" / "results" / "opinion.quick.json"
CASES = [(100_000, 5_000, 500), (1_000_000, 50_000, 2_000), (10_000_000, 500_000, 2_000)]
GROUPS = 4
VOTES_EACH = 20
REFERENCE_LIMIT_GB = 2.0


def generate(participants: int, statements: int, seed: int = 1):
    from coproduce.deliberation.engine import Votes

    rng = np.random.default_rng(seed)
    truth = rng.integers(GROUPS, size=participants)
    agree_chance = rng.choice([0.1, 0.5, 0.9], size=(GROUPS, statements), p=[0.35, 0.3, 0.35])
    # Statements picked at random for each person; a repeat is dropped (few at 20 of 500).
    pairs = np.unique(
        np.repeat(np.arange(participants), VOTES_EACH) * statements
        + rng.integers(statements, size=participants * VOTES_EACH)
    )
    rows, cols = pairs // statements, pairs % statements
    chance = agree_chance[truth[rows], cols]
    draw = rng.random(len(rows))
    values = np.where(draw < 0.1, 0, np.where(draw < 0.1 + 0.9 * chance, 1, -1)).astype(np.int8)
    votes = Votes(list(range(participants)), list(range(statements)), rows, cols, values)
    return votes, truth


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(method: str, n_votes: int, participants: int, statements: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    votes, truth = generate(participants, statements)
    before = peak_mb()
    started = time.perf_counter()
    if method == "engine":
        from coproduce.deliberation.engine import analyse

        analysis = analyse(votes)
        labels = np.array([analysis.group_of[p] for p in votes.participants], dtype=float)
        labels = np.nan_to_num(labels, nan=-1)
        groups = analysis.k
    else:
        from sklearn.cluster import KMeans
        from sklearn.decomposition import PCA

        dense = np.full((participants, statements), np.nan, dtype=np.float32)
        dense[votes.rows, votes.cols] = votes.values
        means = np.nanmean(dense, axis=0)
        missing = np.isnan(dense)
        dense[missing] = np.take(means, np.nonzero(missing)[1])
        del missing
        projected = PCA(n_components=2, random_state=0).fit_transform(dense)
        labels = KMeans(n_clusters=GROUPS, n_init=3, random_state=0).fit_predict(projected)
        groups = GROUPS
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb() - before, 1),
        "ari": round(float(adjusted_rand_score(truth, labels)), 3),
        "groups": int(groups),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one", nargs=4, metavar=("METHOD", "VOTES", "PEOPLE", "STATEMENTS"))
    args = parser.parse_args()
    if args.one:
        method, *sizes = args.one
        print(json.dumps(run_one(method, *map(int, sizes))))
        return 0
    cases = []
    for n_votes, participants, statements in CASES[:1] if args.quick else CASES:
        case = {"votes": n_votes, "participants": participants, "statements": statements}
        for method in ("engine", "reference"):
            dense_gb = participants * statements * 4 / 1e9
            if method == "reference" and dense_gb > REFERENCE_LIMIT_GB:
                case[method] = {"skipped": f"its dense matrix needs {dense_gb:.0f} GB"}
                continue
            done = subprocess.run(
                [sys.executable, __file__, "--one", method, str(n_votes), str(participants),
                 str(statements)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            case[method] = json.loads(done.stdout.strip().splitlines()[-1])
            print(n_votes, method, case[method], file=sys.stderr, flush=True)
        reference = case["reference"].get("seconds")
        case["speedup"] = round(reference / case["engine"]["seconds"], 1) if reference else None
        cases.append(case)
    results = QUICK_RESULTS if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({"cases": cases}, indent=2) + "\n")
    print(f"{'votes':>11}{'engine s':>10}{'MB':>8}{'ARI':>7}{'reference s':>13}{'MB':>8}{'ARI':>7}")
    for case in cases:
        ours, ref = case["engine"], case["reference"]
        print(
            f"{case['votes']:>11,}{ours['seconds']:>10}{ours['peak_mb']:>8}{ours['ari']:>7}"
            + (
                f"{ref['seconds']:>13}{ref['peak_mb']:>8}{ref['ari']:>7}"
                if "seconds" in ref
                else f"  reference skipped: {ref['skipped']}"
            )
        )
    print(f"Results written to {results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
