"""Most hub conversations are small and sparse: an estate, a practice, a school. On such
conversations the engine must find the outlooks that are there, find one group when
there is one outlook, and give the same answer whatever the seed."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from coproduce.deliberation.engine import Votes, analyse

CONVERSATIONS = 20


def small_conversation(seed: int, outlooks: int, statements: int = 40):
    """60-130 people, each voting on 8-16 of 40 statements. Each outlook agrees with a
    statement with chance 0.1, 0.5 or 0.9 (about a third each); one vote in ten is a
    pass. Returns the votes and each participant's planted outlook (in `participants`
    order)."""
    rng = np.random.default_rng(seed)
    people = int(rng.integers(60, 131))
    truth = rng.integers(outlooks, size=people)
    chance = rng.choice([0.1, 0.5, 0.9], size=(outlooks, statements), p=[0.35, 0.3, 0.35])
    log = []
    for person in range(people):
        for statement in rng.choice(statements, int(rng.integers(8, 17)), replace=False):
            passed = rng.random() < 0.1
            agrees = rng.random() < chance[truth[person], statement]
            log.append((person, int(statement), 0 if passed else (1 if agrees else -1)))
    votes = Votes.from_log(log)
    return votes, truth[np.array(votes.participants)]


def labels(analysis, votes) -> list:
    groups = analysis.group_of
    return [-1 if groups[p] is None else groups[p] for p in votes.participants]


def test_three_planted_outlooks_are_recovered_on_small_sparse_conversations():
    scores, groups = [], []
    for seed in range(CONVERSATIONS):
        votes, truth = small_conversation(seed, outlooks=3)
        analysis = analyse(votes)
        scores.append(adjusted_rand_score(truth, labels(analysis, votes)))
        groups.append(analysis.k)
    assert np.mean(scores) >= 0.6, (np.round(scores, 2), groups)
    assert groups.count(3) >= 0.7 * CONVERSATIONS, groups
    assert max(groups) <= 3, groups


def test_one_planted_outlook_gives_one_group():
    groups = []
    for seed in range(CONVERSATIONS):
        votes, _ = small_conversation(100 + seed, outlooks=1)
        groups.append(analyse(votes).k)
    assert groups == [1] * CONVERSATIONS


@pytest.mark.parametrize("seed", [1, 7])
def test_the_groups_do_not_depend_on_the_seed(seed):
    votes, _ = small_conversation(seed, outlooks=3)
    first, second = analyse(votes, seed=0), analyse(votes, seed=seed * 1000 + 3)
    assert first.k == second.k
    assert adjusted_rand_score(labels(first, votes), labels(second, votes)) == pytest.approx(1.0)
