"""red-dwarf's default groups (PCA + k-means, as Polis) for the opinion quality benchmark.

Run by bench/opinion_quality.py with the Python of a separate venv that has red-dwarf
(bench/requirements-reddwarf.txt), so the project itself never depends on it:

    .venv-reddwarf/bin/python bench/reddwarf_groups.py SPLITS.npz LABELS.npz [...]

Each SPLITS.npz holds one conversation's latest votes (`rows`, `cols`, `values`: participant
and statement indices, 1 / -1 / 0) and `hidden` (seeds x votes, True where a vote is
hidden), `seeds` and `n` (participants). For each seed, red-dwarf's `run_pipeline` runs
on the votes not hidden with its defaults (at least 7 votes to be grouped, k 2..5 by silhouette) and
`random_state` the seed. LABELS.npz gets `labels` (seeds x participants, -1 for no
group), `k` and `seconds` per seed.
"""

import sys
import time
import warnings

import numpy as np


def groups(rows, cols, values, n_participants, seed) -> tuple[np.ndarray, int]:
    """red-dwarf's default groups: the steps of its `run_pipeline` that make the groups
    (vote matrix, PCA, the participants with at least 7 votes, k-means with k 2..5 by
    silhouette), called as `run_pipeline` calls them; the statistics it computes after
    are not needed here. `run_pipeline(votes, random_state=seed)` gives the same labels."""
    import pandas as pd
    from reddwarf.utils.clusterer.base import run_clusterer
    from reddwarf.utils.matrix import (
        generate_raw_matrix,
        get_clusterable_participant_ids,
        simple_filter_matrix,
    )
    from reddwarf.utils.reducer.base import run_reducer

    votes = [
        {"participant_id": int(r), "statement_id": int(c), "vote": int(v), "modified": i}
        for i, (r, c, v) in enumerate(zip(rows, cols, values, strict=True))
    ]
    raw = generate_raw_matrix(votes=votes)
    matrix = simple_filter_matrix(vote_matrix=raw, mod_out_statement_ids=[])
    projected, _, _ = run_reducer(vote_matrix=matrix.values, reducer="pca", random_state=seed)
    positions = pd.DataFrame(projected, index=matrix.index)
    clusterable = get_clusterable_participant_ids(raw, vote_threshold=7)
    model = run_clusterer(
        clusterer="kmeans",
        X_participants_clusterable=positions.loc[clusterable, :].values,
        max_group_count=5,
        random_state=seed,
    )
    labels = np.full(n_participants, -1, dtype=np.int64)
    if model is not None:
        labels[np.asarray(clusterable, dtype=np.int64)] = model.labels_
    return labels, int(model.n_clusters) if model is not None else 0


def pipeline_groups(rows, cols, values, n_participants, seed) -> np.ndarray:
    """The labels from red-dwarf's whole `run_pipeline`, to check `groups` against."""
    from reddwarf.implementations.base import run_pipeline

    votes = [
        {"participant_id": int(r), "statement_id": int(c), "vote": int(v), "modified": i}
        for i, (r, c, v) in enumerate(zip(rows, cols, values, strict=True))
    ]
    result = run_pipeline(votes=votes, random_state=seed)
    labels = np.full(n_participants, -1, dtype=np.int64)
    column = result.participants_df["cluster_id"]
    known = column.notna()
    labels[column.index[known].to_numpy(dtype=np.int64)] = column[known].to_numpy(dtype=np.int64)
    return labels


def main(source: str, target: str) -> None:
    warnings.simplefilter("ignore")
    data = np.load(source)
    rows, cols, values = data["rows"], data["cols"], data["values"]
    n_participants = int(data["n"])
    labels, ks, seconds = [], [], []
    for seed, hidden in zip(data["seeds"], data["hidden"], strict=True):
        kept = ~hidden
        started = time.perf_counter()
        found, k = groups(rows[kept], cols[kept], values[kept], n_participants, int(seed))
        seconds.append(time.perf_counter() - started)
        labels.append(found)
        ks.append(k)
    np.savez(target, labels=np.array(labels), k=np.array(ks), seconds=np.array(seconds))


if __name__ == "__main__":
    paths = sys.argv[1:]
    for source, target in zip(paths[::2], paths[1::2], strict=True):
        main(source, target)
