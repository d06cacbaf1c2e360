"""The predictors and the pass/fail rule of bench/opinion_quality.py, on small hand-made
cases (the full benchmark is `make opinion-quality`)."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "opinion_quality.py"


def _load():
    spec = importlib.util.spec_from_file_location("opinion_quality_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


bench = _load()


def planted(people=60, statements=30, seed=1):
    """A rank-1 pattern: everyone is on one of two sides, and each statement is agreed
    by one side and disagreed by the other."""
    rng = np.random.default_rng(seed)
    side = rng.choice([-1, 1], people)
    leaning = rng.choice([-1, 1], statements)
    rows, cols = np.divmod(np.arange(people * statements), statements)
    values = side[rows] * leaning[cols]
    return side, rows, cols, values


def test_low_rank_recovers_a_planted_rank_one_pattern():
    _, rows, cols, values = planted()
    hidden = np.random.default_rng(2).random(len(values)) < 0.2
    kept = ~hidden
    predicted = bench.low_rank(
        rows[kept], cols[kept], values[kept], (60, 30), rows[hidden], cols[hidden]
    )
    assert (predicted == values[hidden]).mean() >= 0.97
    # The global majority cannot: each statement splits the people into two sides.
    majority = bench.statement_majority(cols[kept], values[kept], 30, cols[hidden])
    assert (majority == values[hidden]).mean() < 0.75


def test_low_rank_is_deterministic():
    _, rows, cols, values = planted(seed=3)
    first = bench.low_rank(rows, cols, values, (60, 30), rows[:50], cols[:50])
    second = bench.low_rank(rows, cols, values, (60, 30), rows[:50], cols[:50])
    assert np.array_equal(first, second)


def test_low_rank_ignores_passes():
    _, rows, cols, values = planted(seed=4)
    with_passes = np.where(np.arange(len(values)) % 7 == 0, 0, values)
    decided = with_passes != 0
    everything = bench.low_rank(rows, cols, with_passes, (60, 30), rows, cols)
    only_decided = bench.low_rank(
        rows[decided], cols[decided], values[decided], (60, 30), rows, cols
    )
    assert np.array_equal(everything, only_decided)


def test_statement_majority_with_ties_and_unseen_statements():
    cols = np.array([0, 0, 0, 1, 1, 2])
    values = np.array([1, -1, -1, 1, -1, 0])
    # statement 0: 1 agree, 2 disagree; 1: a tie; 2: a pass only; 3: nobody voted
    assert bench.statement_majority(cols, values, 4, np.array([0, 1, 2, 3])).tolist() == [
        -1,
        1,
        1,
        1,
    ]


def test_group_majority_uses_the_voters_group_and_falls_back_to_the_statement():
    labels = np.array([0, 0, 0, 1, 1, -1, 0])
    # statement 0: group 0 agrees (3 to 0), group 1 disagrees (0 to 2), overall agree
    # statement 1: group 0 is split 1 to 1, overall disagree (1 to 3)
    rows = np.array([0, 1, 2, 3, 4, 0, 1, 3, 4])
    cols = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    values = np.array([1, 1, 1, -1, -1, 1, -1, -1, -1])
    query_rows = np.array([6, 3, 5, 6, 2])
    query_cols = np.array([0, 0, 0, 1, 1])
    predicted = bench.group_majority(labels, rows, cols, values, 2, query_rows, query_cols)
    # group 0 agrees; group 1 disagrees; no group: overall agree; group 0 split on
    # statement 1: overall disagree; same for another member of group 0
    assert predicted.tolist() == [1, -1, 1, -1, -1]


def test_group_majority_with_nobody_grouped_is_the_global_majority():
    _, rows, cols, values = planted(seed=5)
    labels = np.full(60, -1)
    assert np.array_equal(
        bench.group_majority(labels, rows, cols, values, 30, rows, cols),
        bench.statement_majority(cols, values, 30, cols),
    )


def test_group_majority_with_the_planted_sides_is_right_everywhere():
    side, rows, cols, values = planted(seed=6)
    labels = (side > 0).astype(np.int64)
    predicted = bench.group_majority(labels, rows, cols, values, 30, rows, cols)
    assert np.array_equal(predicted, values)


def test_hidden_mask_hides_a_tenth_of_the_decided_votes_and_no_pass():
    values = np.array([1, -1, 0] * 400)
    mask = bench.hidden_mask(values, seed=7)
    assert mask.sum() == 80  # 10% of the 800 agree and disagree votes
    assert not mask[values == 0].any()
    assert np.array_equal(mask, bench.hidden_mask(values, seed=7))
    assert not np.array_equal(mask, bench.hidden_mask(values, seed=8))


def test_mean_and_standard_error():
    mean, error = bench.mean_se([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert error == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)
    assert bench.mean_se([0.5]) == (0.5, 0.0)


def test_modal_count():
    assert bench.modal_count([3, 3, 4, 3, 2]) == (3, 3)


def row(name="small", engine=0.80, polis=0.80, difference=(0.0, 0.01), ks=None):
    ks = ks if ks is not None else [3] * 20
    k, seeds = bench.modal_count(ks)
    return {
        "conversation": name,
        "engine": (engine, 0.01),
        "polis": (polis, 0.01),
        "engine_minus_polis": difference,
        "modal_k": k,
        "modal_k_seeds": seeds,
    }


POOLED = {"engine": (0.80, 0.001), "polis": (0.79, 0.001), "reddwarf": (0.78, 0.001)}


def test_verdict_passes_when_every_criterion_holds():
    assert bench.verdict([row(difference=(-0.009, 0.01))], POOLED) == []


def test_verdict_fails_when_the_engine_is_below_polis_by_more_than_one_standard_error():
    failures = bench.verdict([row("estate", 0.78, 0.80, difference=(-0.02, 0.01))], POOLED)
    assert len(failures) == 1
    assert "estate" in failures[0] and "below Polis" in failures[0]


def test_verdict_fails_when_pooled_accuracy_is_not_above_polis_or_red_dwarf():
    level = {"engine": (0.79, 0.001), "polis": (0.79, 0.001), "reddwarf": (0.80, 0.001)}
    failures = bench.verdict([row()], level)
    assert len(failures) == 2
    assert "Polis's groups" in failures[0] and "red-dwarf" in failures[1]


def test_verdict_fails_when_the_number_of_groups_wanders():
    assert bench.verdict([row(ks=[3] * 18 + [4, 2])], POOLED) == []
    failures = bench.verdict([row("school", ks=[3] * 17 + [4] * 3)], POOLED)
    assert len(failures) == 1
    assert "school" in failures[0] and "17 of 20" in failures[0]


def test_a_small_run_end_to_end():
    """Two seeds on a planted conversation: every predictor is scored, the engine's
    number of groups is kept per seed and the table has a row for it and the pool."""
    side, rows, cols, values = planted(people=40, statements=12, seed=9)
    conversation = bench.Conversation(
        name="planted",
        participants=[f"p{i}" for i in range(40)],
        statements=[f"s{j}" for j in range(12)],
        rows=rows,
        cols=cols,
        values=values,
        polis_labels=(side > 0).astype(np.int64),
    )
    report = bench.run([conversation], [0, 1], processes=1)
    result = report["results"][0]
    assert result["polis"][0] == 1.0  # the planted sides predict every hidden vote
    assert result["low_rank"][0] >= 0.95
    assert result["majority"][0] < 0.8
    assert len(result["engine_k"]) == 2
    assert "reddwarf" not in report["methods"]
    text = bench.table(report)
    assert "| planted |" in text and "| **Pooled** |" in text
