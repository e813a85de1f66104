"""How much each n-gram tells the labels apart, learned from the training examples.

TF-IDF weighs a term by how rare it is, not by how much it says about the label: a
template line every issue carries ("steps to reproduce" in features and bugs alike) counts
as much as a word only questions use. Scaling each term by its largest log-count ratio
between one label and the rest (the Naive Bayes weighting of Wang and Manning's NB-SVM,
taken over all labels) lets the regression start from the terms that separate labels.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

Weights = npt.NDArray[np.float32]
LabelIds = npt.NDArray[np.int_]


def discriminative_weights(
    matrix: sparse.csr_matrix, ids: LabelIds, label_count: int, smoothing: float
) -> Weights:
    """One weight per column of `matrix` (examples x terms), averaging 1.

    A term's weight is the largest, over the labels, absolute log ratio of its smoothed
    share of that label's term occurrences to its share of the other labels'. Occurrence
    means presence in an example, so one long text cannot make a term look typical of its
    label. Scaled to mean 1, the weights change which terms count, not how much the terms
    count beside the other features. Terms no label prefers all get the same weight.
    """
    if smoothing <= 0:
        raise ValueError("smoothing must be positive")
    columns = matrix.shape[1]
    if columns == 0:
        return np.ones(0, dtype=np.float32)
    present = matrix.copy().tocsr()
    present.data = np.ones_like(present.data, dtype=np.float64)
    rows = np.arange(len(ids))
    by_label = sparse.csr_matrix(
        (np.ones(len(ids)), (np.asarray(ids, dtype=np.int_), rows)), shape=(label_count, len(ids))
    )
    # A label without examples (a fold that missed a rare label) says nothing about any term.
    seen = np.asarray(by_label.sum(axis=1)).ravel() > 0
    counts = np.asarray((by_label[seen] @ present).todense(), dtype=np.float64) + smoothing
    if len(counts) < 2:
        return np.ones(columns, dtype=np.float32)
    total = counts.sum(axis=0)
    weights = np.zeros(columns, dtype=np.float64)
    for inside in counts:
        outside = total - inside
        ratio = np.log((inside / inside.sum()) / (outside / outside.sum()))
        np.maximum(weights, np.abs(ratio), out=weights)
    mean = weights.mean()
    if not np.isfinite(mean) or mean <= 1e-12:
        return np.ones(columns, dtype=np.float32)
    return (weights / mean).astype(np.float32)
