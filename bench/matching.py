"""Matching engine speed and the safeguarding gate, on generated members and needs.

    python bench/matching.py            # 100,000 members, 1,000 needs
    python bench/matching.py --quick    # 10,000 members, 100 needs, for a smoke run

Times the top 10 with reasons for each need from `referrals.matching.Pool` (built once,
as the hub's pool would be), and the same from the reference: every member scored in a
plain Python loop (`rank_naive`), on a sample of the needs because it is slow. The two
must return the same people in the same order. Counts gate violations: anyone returned
for a need that requires a safeguarding check who has no check valid that day.
Writes bench/results/matching.json.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from coproduce.referrals.matching import Candidate, Need, Pool, rank_naive  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TODAY = 740_000
CATEGORIES = 30
AREAS = 50
VOCABULARY = [f"word{i}" for i in range(300)]
REFERENCE_NEEDS = 30


def generate(members: int, needs: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    checks = rng.choice([0, TODAY - 30, TODAY, TODAY + 400], size=members, p=[0.55, 0.1, 0.05, 0.3])
    candidates = [
        Candidate(
            member_id=i + 1,
            categories=frozenset(rng.choice(CATEGORIES, size=rng.integers(1, 4)).tolist()),
            # Popular words are used more, as real asset lists are (Zipf-like).
            words=frozenset(
                VOCABULARY[min(int(w), len(VOCABULARY) - 1)]
                for w in rng.zipf(1.3, size=rng.integers(1, 6))
            ),
            area=int(rng.integers(-1, AREAS)),
            availability=int(rng.integers(0, 1 << 21)),
            check_valid_until=int(checks[i]),
            load=int(rng.choice([0, 0, 0, 1, 1, 2, 3, 4])),
            given_minutes=int(rng.integers(0, 6000)),
            received_minutes=int(rng.integers(0, 6000)),
        )
        for i in range(members)
    ]
    wanted = [
        Need(
            today=TODAY,
            category=int(rng.integers(CATEGORIES)),
            words=frozenset(
                VOCABULARY[min(int(w), len(VOCABULARY) - 1)] for w in rng.zipf(1.3, size=3)
            ),
            area=(area := int(rng.integers(AREAS))),
            adjacent_areas=frozenset({(area + 1) % AREAS, (area - 1) % AREAS}),
            availability=int(rng.integers(0, 1 << 21)) & int(rng.integers(0, 1 << 21)),
            needs_check=bool(rng.random() < 0.4),
            exclude=frozenset(rng.integers(1, members + 1, size=3).tolist()),
        )
        for _ in range(needs)
    ]
    return candidates, wanted


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def violations(ranked, need: Need, by_id: dict[int, Candidate]) -> int:
    if not need.needs_check:
        return 0
    return sum(1 for r in ranked if by_id[r.member_id].check_valid_until <= need.today)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    members, needs = (10_000, 100) if args.quick else (100_000, 1_000)
    candidates, wanted = generate(members, needs)
    by_id = {c.member_id: c for c in candidates}

    started = time.perf_counter()
    pool = Pool(candidates, load_cap=3)
    build_s = time.perf_counter() - started

    fast_ms, results, gate_violations = [], [], 0
    for need in wanted:
        started = time.perf_counter()
        ranked = pool.rank(need, k=10)
        fast_ms.append((time.perf_counter() - started) * 1000)
        results.append(ranked)
        gate_violations += violations(ranked, need, by_id)

    reference_ms, agree = [], 0
    sample = range(0, needs, max(1, needs // REFERENCE_NEEDS))
    for index in sample:
        started = time.perf_counter()
        ranked = rank_naive(candidates, wanted[index], k=10, load_cap=3)
        reference_ms.append((time.perf_counter() - started) * 1000)
        agree += ranked == results[index]
        gate_violations += violations(ranked, wanted[index], by_id)

    summary = {
        "members": members,
        "needs": needs,
        "p50_ms": round(statistics.median(fast_ms), 2),
        "p95_ms": round(percentile(fast_ms, 0.95), 2),
        "reference_p50_ms": round(statistics.median(reference_ms), 2),
        "reference_p95_ms": round(percentile(reference_ms, 0.95), 2),
        "reference_needs": len(reference_ms),
        "same_top_10_as_reference": f"{agree}/{len(reference_ms)}",
        "gate_violations": gate_violations,
        "pool_build_s": round(build_s, 2),
        "needs_with_a_check_gate": sum(n.needs_check for n in wanted),
        "target": "p95 <= 50 ms, 0 gate violations",
    }
    summary["speedup_p95"] = round(summary["reference_p95_ms"] / summary["p95_ms"], 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "matching.quick.json" if args.quick else "matching.json"
    # Keep what bench/matching_db.py wrote (its keys start with db_).
    path = RESULTS / name
    kept = json.loads(path.read_text()) if path.exists() else {}
    summary.update({key: value for key, value in kept.items() if key.startswith("db_")})
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"Matching {members:,} members, {needs:,} needs: top 10 with reasons "
        f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms "
        f"(reference loop p95 {summary['reference_p95_ms']} ms, "
        f"{summary['speedup_p95']}x slower); same top 10 as the reference "
        f"{summary['same_top_10_as_reference']}; gate violations {gate_violations}; "
        f"pool built in {summary['pool_build_s']} s."
    )
    ok = summary["p95_ms"] <= 50 and gate_violations == 0 and agree == len(reference_ms)
    print("Target met." if ok else "TARGET MISSED.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
