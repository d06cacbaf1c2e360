"""How well the opinion engine predicts votes it did not see, against Polis and others.

    make opinion-quality                    # all six conversations, 20 seeds, red-dwarf
    python bench/opinion_quality.py [--seeds N] [--reddwarf-python PATH]

The six real Polis conversations in tests/data/polis (CC BY 4.0). For each conversation
and each seed: hide 10% of the agree and disagree votes (a split drawn with that seed),
analyse the rest with `engine.analyse(..., seed=seed)` and predict every hidden vote
(agree or disagree) with:

- the engine's predicted view: agree when `analysis.agree_chance` is at least one half.
  This is "the engine's held-out accuracy" that the criteria below judge;
- the engine's groups: the majority of the voter's group on that statement in the votes
  analysed (the statement's overall majority when the voter has no group or the group
  is split evenly or has not voted on it); the same with the engine's sub-groups;
- Polis's published groups (`group-id` in participants-votes.csv), same majority rule.
  Polis computed them from every vote, the hidden ones included, which favours it;
- red-dwarf's default (PCA + k-means with k 2..5 by silhouette, as Polis), same rule,
  run in its own venv by bench/reddwarf_groups.py (skipped without --reddwarf-python);
- the global majority: the statement's majority in the votes analysed;
- a low-rank model with no groups at all, as a ceiling: a regularised rank-4 matrix
  factorisation of the agree (+1) and disagree (-1) votes after taking off each
  statement's mean (alternating ridge regressions, shrinkage 5 votes, 30 rounds, from
  a fixed start). Rank and shrinkage were chosen once, not per conversation.

Each figure is the mean over seeds with its standard error. Pooled accuracy is over all
hidden votes of all conversations. Also reported: the number of groups the engine chose
on each seed, and the median number of voters (agree or disagree, summed over groups)
behind the engine's top ten common-ground statements on the full data, against the
top ten by plain agree share.

Exits 1, saying why, when the engine's pooled accuracy (predicted view) is not above
Polis's and red-dwarf's, when it is below Polis on some conversation by more than one
standard error of the paired difference, or when its number of groups is not the same
in at least 18 of 20 seeds somewhere. Writes bench/results/opinion_quality.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# One thread per process: the engine runs in two processes and red-dwarf in two more on
# two cores, and k-means or BLAS threads on top of that make the run several times slower. (Only
# when run as a script: importing this module must not change anything else.)
THREAD_LIMITS = {
    name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
}
if __name__ == "__main__":
    for _name, _value in THREAD_LIMITS.items():
        os.environ.setdefault(_name, _value)

import numpy as np  # noqa: E402 (after the thread limits are set)
from scipy import sparse  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from coproduce.deliberation import polis  # noqa: E402 (after the path is set)
from coproduce.deliberation.engine import Votes, analyse  # noqa: E402

DATA = ROOT / "tests" / "data" / "polis"
RESULTS = ROOT / "bench" / "results" / "opinion_quality.json"
SEEDS = 20
HIDDEN_SHARE = 0.10
RANK, SHRINK, ROUNDS = 4, 5.0, 30
STEADY_SEEDS = 18  # of 20: the engine's number of groups must be the same in this many
TOP = 10

METHODS = {
    "engine": "Engine: predicted view",
    "engine_groups": "Engine: groups' majority",
    "engine_subgroups": "Engine: sub-groups' majority",
    "polis": "Polis's groups",
    "reddwarf": "red-dwarf default",
    "majority": "Global majority",
    "low_rank": "Low-rank, no groups",
}


@dataclass
class Conversation:
    name: str
    participants: list
    statements: list
    rows: np.ndarray  # participant index of each latest vote
    cols: np.ndarray  # statement index
    values: np.ndarray  # 1 agree, -1 disagree, 0 pass
    polis_labels: np.ndarray  # Polis's group per participant, -1 for none

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)


def load(directory: Path) -> Conversation:
    export = polis.read_export(directory)
    latest = {(voter, statement): vote for voter, statement, vote in export.votes}
    participants = sorted({p for p, _ in latest})
    statements = sorted({s for _, s in latest})
    p_index = {p: i for i, p in enumerate(participants)}
    s_index = {s: j for j, s in enumerate(statements)}
    rows = np.array([p_index[p] for p, _ in latest], dtype=np.int64)
    cols = np.array([s_index[s] for _, s in latest], dtype=np.int64)
    values = np.array(list(latest.values()), dtype=np.int64)
    theirs = {}
    with (directory / "participants-votes.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["group-id"]:
                theirs[row["participant"]] = int(row["group-id"])
    labels = np.array([theirs.get(p, -1) for p in participants], dtype=np.int64)
    return Conversation(directory.name, participants, statements, rows, cols, values, labels)


def hidden_mask(values: np.ndarray, seed: int) -> np.ndarray:
    """True for a seeded tenth of the agree and disagree votes (never a pass)."""
    decided = np.flatnonzero(values != 0)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(decided, round(HIDDEN_SHARE * len(decided)), replace=False)
    mask = np.zeros(len(values), dtype=bool)
    mask[chosen] = True
    return mask


# --- predictors: each returns +1 (agree) or -1 (disagree) for every queried vote ------


def statement_majority(cols, values, n_statements, query_cols) -> np.ndarray:
    """The statement's majority among the agree and disagree votes given (agree on a tie
    or when nobody voted on it)."""
    balance = np.bincount(cols, weights=values.astype(float), minlength=n_statements)
    return np.where(balance[query_cols] >= 0, 1, -1)


def group_majority(labels, rows, cols, values, n_statements, query_rows, query_cols):
    """The majority of the voter's group on the statement; the statement's majority when
    the voter has no group (label -1) or the group is evenly split or has not voted."""
    fallback = statement_majority(cols, values, n_statements, query_cols)
    groups = int(labels.max()) + 1 if len(labels) else 0
    if groups == 0:
        return fallback
    voter_group = labels[rows]
    grouped = voter_group >= 0
    balance = np.bincount(
        voter_group[grouped] * n_statements + cols[grouped],
        weights=values[grouped].astype(float),
        minlength=groups * n_statements,
    )
    query_group = labels[query_rows]
    side = np.where(
        query_group >= 0, balance[np.maximum(query_group, 0) * n_statements + query_cols], 0
    )
    return np.where(side > 0, 1, np.where(side < 0, -1, fallback))


def low_rank(rows, cols, values, shape, query_rows, query_cols, *, rank=RANK, shrink=SHRINK):
    """A group-free ceiling: statement means plus a regularised rank-`rank` factorisation
    of what they leave, fitted to the agree (+1) and disagree (-1) votes only by
    alternating ridge regressions from a fixed start (so it is deterministic)."""
    n_participants, n_statements = shape
    decided = values != 0
    r, c = rows[decided], cols[decided]
    x = values[decided].astype(float)
    count = np.bincount(c, minlength=n_statements)
    centre = np.bincount(c, weights=x, minlength=n_statements) / (count + 1.0)
    residual = x - centre[c]
    start = np.random.default_rng(0)
    people = start.normal(0.0, 0.1, (n_participants, rank))
    items = start.normal(0.0, 0.1, (n_statements, rank))
    for _ in range(ROUNDS):
        people = _ridge(r, c, residual, items, n_participants, shrink)
        items = _ridge(c, r, residual, people, n_statements, shrink)
    score = centre[query_cols] + (people[query_rows] * items[query_cols]).sum(axis=1)
    return np.where(score >= 0, 1, -1)


def _ridge(own, other, target, factors, n, shrink) -> np.ndarray:
    """For each of `n` rows, the ridge regression of its targets on the other side's
    factors: (F'F + shrink I)^-1 F'y, all rows at once."""
    rank = factors.shape[1]
    f = factors[other]
    member = sparse.csr_matrix((np.ones(len(own)), (own, np.arange(len(own)))), shape=(n, len(own)))
    gram = (member @ (f[:, :, None] * f[:, None, :]).reshape(len(own), -1)).reshape(n, rank, rank)
    gram += shrink * np.eye(rank)
    right = member @ (f * target[:, None])
    return np.linalg.solve(gram, right[:, :, None])[:, :, 0]


def engine_view(analysis, conversation, query_rows, query_cols) -> np.ndarray:
    chance = analysis.agree_chance(
        [conversation.participants[i] for i in query_rows],
        [conversation.statements[j] for j in query_cols],
    )
    return np.where(np.asarray(chance) >= 0.5, 1, -1)


def labels_from(mapping: dict, participants: list) -> np.ndarray:
    return np.array(
        [-1 if mapping.get(p) is None else int(mapping[p]) for p in participants], dtype=np.int64
    )


# --- figures ---------------------------------------------------------------------------


def mean_se(values) -> tuple[float, float]:
    """The mean and its standard error (sample standard deviation over root n)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float(values.mean()), 0.0
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def modal_count(ks) -> tuple[int, int]:
    """The most common number of groups and on how many seeds it was chosen."""
    found, counts = np.unique(np.asarray(ks), return_counts=True)
    best = int(np.argmax(counts))
    return int(found[best]), int(counts[best])


def voters_behind(analysis, statements) -> float | None:
    """The median number of agree-or-disagree voters (summed over groups) behind these."""
    if not statements:
        return None
    return float(
        np.median([sum(voted for _, voted in analysis.group_tallies[s]) for s in statements])
    )


def top_by_share(conversation: Conversation, top: int = TOP) -> list:
    """The `top` statements with the highest plain agree share of those who took a side
    (more voters first among equal shares)."""
    decided = conversation.values != 0
    cols = conversation.cols[decided]
    n = len(conversation.statements)
    voted = np.bincount(cols, minlength=n)
    agrees = np.bincount(cols, weights=conversation.values[decided] > 0, minlength=n)
    share = np.divide(agrees, voted, out=np.zeros(n), where=voted > 0)
    order = np.lexsort((-voted, -share))
    return [conversation.statements[j] for j in order[:top] if voted[j] > 0]


def verdict(rows: list[dict], pooled: dict, *, seeds: int = SEEDS) -> list[str]:
    """Plain sentences, one for each criterion the engine fails (empty when it passes)."""
    failures = []
    engine = pooled["engine"][0]
    for method in ("polis", "reddwarf"):
        if method in pooled and not engine > pooled[method][0]:
            failures.append(
                f"The engine's pooled accuracy ({engine:.4f}) is not above "
                f"{METHODS[method]} ({pooled[method][0]:.4f})."
            )
    for row in rows:
        difference, error = row["engine_minus_polis"]
        if difference < -error:
            failures.append(
                f"On {row['conversation']} the engine ({row['engine'][0]:.4f}) is below "
                f"Polis's groups ({row['polis'][0]:.4f}) by more than one standard error "
                f"({-difference:.4f} against {error:.4f})."
            )
        needed = int(np.ceil(STEADY_SEEDS * seeds / SEEDS))
        if row["modal_k_seeds"] < needed:
            failures.append(
                f"On {row['conversation']} the engine chose {row['modal_k']} groups on only "
                f"{row['modal_k_seeds']} of {seeds} seeds (at least {needed} needed)."
            )
    return failures


# --- the run -----------------------------------------------------------------------------


def reddwarf_labels(python: str, conversations, masks, seeds, workdir: Path, processes=2):
    """Starts red-dwarf on every split in the background, the seeds shared between
    `processes` processes; returns a function that waits for them and gives
    {conversation: (labels seeds x participants, k per seed, seconds per seed)}."""
    running = []
    for part in range(processes):
        arguments = []
        for conversation in conversations:
            source = workdir / f"{conversation.name}.{part}.splits.npz"
            np.savez(
                source,
                rows=conversation.rows,
                cols=conversation.cols,
                values=conversation.values,
                hidden=np.array(masks[conversation.name][part::processes]),
                seeds=np.array(seeds[part::processes]),
                n=len(conversation.participants),
            )
            arguments += [str(source), str(workdir / f"{conversation.name}.{part}.labels.npz")]
        script = str(ROOT / "bench" / "reddwarf_groups.py")
        running.append(
            subprocess.Popen([python, script, *arguments], env={**os.environ, **THREAD_LIMITS})
        )

    def collect():
        if any(process.wait() != 0 for process in running):
            raise SystemExit("red-dwarf failed (see above).")
        found = {}
        for conversation in conversations:
            labels = np.zeros((len(seeds), len(conversation.participants)), dtype=np.int64)
            ks, seconds = np.zeros(len(seeds)), np.zeros(len(seeds))
            for part in range(processes):
                data = np.load(workdir / f"{conversation.name}.{part}.labels.npz")
                labels[part::processes] = data["labels"]
                ks[part::processes] = data["k"]
                seconds[part::processes] = data["seconds"]
            found[conversation.name] = (labels, ks, seconds)
        return found

    return collect


def predict_split(conversation: Conversation, mask: np.ndarray, seed: int):
    """Every predictor's guess at the hidden votes of one split, the engine's number of
    groups and how long its analysis took."""
    kept = ~mask
    rows, cols, values = conversation.rows[kept], conversation.cols[kept], conversation.values[kept]
    q_rows, q_cols = conversation.rows[mask], conversation.cols[mask]
    n_statements = len(conversation.statements)
    train = [
        (conversation.participants[i], conversation.statements[j], int(v))
        for i, j, v in zip(rows, cols, values, strict=True)
    ]
    started = time.perf_counter()
    analysis = analyse(Votes.from_log(train), seed=seed)
    took = time.perf_counter() - started

    def majority(labels):
        return group_majority(labels, rows, cols, values, n_statements, q_rows, q_cols)

    people = conversation.participants
    predictions = {
        "engine": engine_view(analysis, conversation, q_rows, q_cols),
        "engine_groups": majority(labels_from(analysis.group_of, people)),
        "engine_subgroups": majority(labels_from(analysis.subgroup_of, people)),
        "polis": majority(conversation.polis_labels),
        "majority": statement_majority(cols, values, n_statements, q_cols),
        "low_rank": low_rank(rows, cols, values, conversation.shape, q_rows, q_cols),
    }
    return predictions, analysis.k, took


def run(conversations, seeds, reddwarf_python=None, processes=2) -> dict:
    masks = {c.name: [hidden_mask(c.values, seed) for seed in seeds] for c in conversations}
    with tempfile.TemporaryDirectory() as workdir:
        collect = (
            reddwarf_labels(reddwarf_python, conversations, masks, seeds, Path(workdir))
            if reddwarf_python
            else None
        )
        per_seed, extras = {}, {}
        splits = [
            (conversation, mask, seed)
            for conversation in conversations
            for seed, mask in zip(seeds, masks[conversation.name], strict=True)
        ]
        # The engine's analyses are the bulk of the run: one process per core, results
        # taken back in the order the splits were made. Workers start from a fresh
        # interpreter (forkserver): forking a process that runs threads may deadlock.
        if processes > 1:
            start = multiprocessing.get_context("forkserver")
            with ProcessPoolExecutor(max_workers=processes, mp_context=start) as pool:
                results = iter(list(pool.map(predict_split, *zip(*splits, strict=True))))
        else:
            results = iter([predict_split(*split) for split in splits])
        for conversation in conversations:
            scores = {method: [] for method in METHODS}
            hits = {method: [] for method in METHODS}
            ks, seconds = [], []
            for mask in masks[conversation.name]:
                predictions, k, took = next(results)
                ks.append(k)
                seconds.append(took)
                truth = conversation.values[mask]
                for method, predicted in predictions.items():
                    hits[method].append(int((predicted == truth).sum()))
                    scores[method].append(float((predicted == truth).mean()))
            hidden = [int(m.sum()) for m in masks[conversation.name]]
            per_seed[conversation.name] = (scores, hits, hidden)
            extras[conversation.name] = {"ks": ks, "seconds": seconds}
        if collect is not None:
            for name, (labels, ks, seconds) in collect().items():
                conversation = next(c for c in conversations if c.name == name)
                scores, hits, _ = per_seed[name]
                for seed_index, mask in enumerate(masks[name]):
                    kept = ~mask
                    predicted = group_majority(
                        labels[seed_index],
                        conversation.rows[kept],
                        conversation.cols[kept],
                        conversation.values[kept],
                        len(conversation.statements),
                        conversation.rows[mask],
                        conversation.cols[mask],
                    )
                    truth = conversation.values[mask]
                    hits["reddwarf"].append(int((predicted == truth).sum()))
                    scores["reddwarf"].append(float((predicted == truth).mean()))
                extras[name]["reddwarf_ks"] = [int(k) for k in ks]
                extras[name]["reddwarf_seconds"] = [float(s) for s in seconds]
    return summarise(conversations, per_seed, extras, len(seeds))


def summarise(conversations, per_seed, extras, seeds) -> dict:
    rows = []
    methods = [m for m in METHODS if all(per_seed[c.name][0][m] for c in conversations)]
    for conversation in conversations:
        scores, _, hidden = per_seed[conversation.name]
        full = analyse(
            Votes.from_log(
                (conversation.participants[i], conversation.statements[j], int(v))
                for i, j, v in zip(
                    conversation.rows, conversation.cols, conversation.values, strict=True
                )
            ),
            seed=0,
        )
        k, k_seeds = modal_count(extras[conversation.name]["ks"])
        row = {
            "conversation": conversation.name,
            "participants": len(conversation.participants),
            "statements": len(conversation.statements),
            "votes": int((conversation.values != 0).sum()),
            "hidden_per_seed": int(np.mean(hidden)),
            **{method: mean_se(scores[method]) for method in methods},
            "engine_minus_polis": mean_se(np.array(scores["engine"]) - np.array(scores["polis"])),
            "engine_k": extras[conversation.name]["ks"],
            "modal_k": k,
            "modal_k_seeds": k_seeds,
            "polis_k": len(set(conversation.polis_labels[conversation.polis_labels >= 0].tolist())),
            "engine_seconds": round(float(np.mean(extras[conversation.name]["seconds"])), 3),
            "consensus_voters": voters_behind(full, full.consensus[:TOP]),
            "plain_share_voters": voters_behind(
                full, [s for s in top_by_share(conversation) if s in full.group_tallies]
            ),
        }
        if "reddwarf_ks" in extras[conversation.name]:
            row["reddwarf_k"] = extras[conversation.name]["reddwarf_ks"]
            row["reddwarf_seconds"] = round(
                float(np.mean(extras[conversation.name]["reddwarf_seconds"])), 3
            )
        rows.append(row)
    pooled = {}
    for method in methods:
        per = [
            sum(per_seed[c.name][1][method][s] for c in conversations)
            / sum(per_seed[c.name][2][s] for c in conversations)
            for s in range(seeds)
        ]
        pooled[method] = mean_se(per)
    return {
        "seeds": seeds,
        "methods": {m: METHODS[m] for m in methods},
        "pooled": pooled,
        "results": rows,
    }


def _counts(ks) -> str:
    """Numbers of groups and on how many seeds each was chosen: "3 (5), 4 (15)"."""
    ks = [int(k) for k in ks]
    return ", ".join(f"{k} ({ks.count(k)})" for k in sorted(set(ks)))


def table(report: dict) -> str:
    """Two Markdown tables: accuracy by method, then groups and common ground."""
    methods = list(report["methods"])
    red = "reddwarf" in methods
    lines = [
        "| Conversation | People | Hidden | "
        + " | ".join(report["methods"][m] for m in methods)
        + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in methods) + " |",
    ]
    for row in report["results"]:
        lines.append(
            f"| {row['conversation']} | {row['participants']:,} | {row['hidden_per_seed']:,} | "
            + " | ".join(f"{row[m][0]:.4f} ± {row[m][1]:.4f}" for m in methods)
            + " |"
        )
    lines.append(
        "| **Pooled** | | | "
        + " | ".join(
            f"**{report['pooled'][m][0]:.4f}** ± {report['pooled'][m][1]:.4f}" for m in methods
        )
        + " |"
    )
    lines += [
        "",
        "| Conversation | Engine's groups: number (seeds) | Same in | Polis's"
        + (" | red-dwarf's" if red else "")
        + " | Voters behind the top 10: engine's common ground | By plain share |",
        "| --- | --- | ---: | ---:" + (" | ---" if red else "") + " | ---: | ---: |",
    ]
    for row in report["results"]:
        lines.append(
            f"| {row['conversation']} | {_counts(row['engine_k'])} "
            f"| {row['modal_k_seeds']} of {len(row['engine_k'])} | {row['polis_k']}"
            + (f" | {_counts(row['reddwarf_k'])}" if red else "")
            + f" | {_median(row['consensus_voters'])} | {_median(row['plain_share_voters'])} |"
        )
    return "\n".join(lines)


def _median(value) -> str:
    return "none" if value is None else f"{value:g}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=SEEDS, help="how many splits (20)")
    parser.add_argument("--reddwarf-python", help="a Python with red-dwarf installed")
    parser.add_argument("--data", type=Path, default=DATA, help="the Polis exports")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    conversations = [load(d) for d in sorted(p for p in arguments.data.iterdir() if p.is_dir())]
    report = run(conversations, list(range(arguments.seeds)), arguments.reddwarf_python)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["failures"] = verdict(report["results"], report["pooled"], seeds=arguments.seeds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(
        f"\nShare of hidden votes predicted right, mean ± standard error over "
        f"{arguments.seeds} seeds; {report['seconds']} s in all."
    )
    if "reddwarf" not in report["methods"]:
        print("red-dwarf was not run (no --reddwarf-python): its criterion was not checked.")
    print(f"Results written to {RESULTS.relative_to(ROOT)}")
    for failure in report["failures"]:
        print(f"FAIL: {failure}")
    if report["failures"]:
        return 1
    print("The engine meets every criterion.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
