"""Seeded, label-stratified splits that accept labels with very few examples.

Stratified splitters refuse a label with fewer examples than folds, yet a new label with
one or two example tickets is common in an app's example set and in long-tailed data.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

LabelIds = npt.NDArray[np.int_]
Indices = npt.NDArray[np.int_]


def fold_ids(ids: LabelIds, folds: int, seed: int) -> Indices:
    """A fold number per example: each label's examples shuffled, then dealt round-robin.

    A label with fewer examples than folds is missing from the training side of some
    folds, as a rare label is missing from much of the future.
    """
    if folds < 2:
        raise ValueError("at least 2 folds are needed")
    rng = np.random.default_rng(seed)
    assignment = np.zeros(len(ids), dtype=np.int_)
    offset = 0
    for label in np.unique(ids):
        members = np.flatnonzero(ids == label)
        rng.shuffle(members)
        # Rotating the first fold keeps the many small labels from all landing in fold 0.
        assignment[members] = (np.arange(len(members)) + offset) % folds
        offset += len(members)
    return assignment


def holdout_split(ids: LabelIds, fraction: float, seed: int) -> tuple[Indices, Indices]:
    """(train, test) indices, about `fraction` of each label held out.

    A label keeps at least one training example (it could not be predicted otherwise) and,
    when it has two or more, gives at least one to the test side.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError("the holdout fraction must lie between 0 and 1")
    rng = np.random.default_rng(seed)
    test: list[Indices] = []
    for label in np.unique(ids):
        members = np.flatnonzero(ids == label)
        rng.shuffle(members)
        held = min(max(round(fraction * len(members)), 1), len(members) - 1)
        test.append(members[:held])
    test_ids = np.sort(np.concatenate(test)) if test else np.zeros(0, dtype=np.int_)
    mask = np.ones(len(ids), dtype=bool)
    mask[test_ids] = False
    return np.flatnonzero(mask), test_ids
