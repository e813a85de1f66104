"""Uncalibrated class scores: logistic regression over the features, and embedding neighbours.

The two come back apart; the caller weighs them (the weight is fitted with the temperature,
since the best mix depends on the labels: see TrainingConfig). Both are log-probabilities
over the full label set (column j is label j of the caller's labels), so the calibration
can treat a model trained on a subset of the labels (a cross-validation fold that missed a
rare label) like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from threadpoolctl import ThreadpoolController

from domain.triage.embedder import Vector
from domain.triage.features import FeatureConfig, TextFeatures

Scores = npt.NDArray[np.float64]
LabelIds = npt.NDArray[np.int_]

# The log-probability of a label the model never saw: certain enough to lose, finite so
# that temperature scaling and averaging stay well defined.
_ABSENT = float(np.log(1e-12))
@cache
def _controller() -> ThreadpoolController:
    # Finding the loaded libraries reads /proc/self/maps: 3 ms, a fifth of a single-ticket
    # classification, so it is done once. numpy's and scipy's BLAS are loaded by then, as
    # this module imports them.
    return ThreadpoolController()


def _one_thread() -> Any:
    """Keeps BLAS to one thread inside the block (a context manager).

    The solver's many small BLAS calls gain nothing from threads, and on a busy 2-core
    machine the spinning BLAS workers fight the server and each other: a logistic regression
    on 100 tickets took 0.7-1.1 s with the default pool while another process was busy,
    0.04-0.06 s with one thread. OpenBLAS's thread count is process-wide: threads that
    classify at once may leave it at one thread after they return, which only slows large
    numpy products elsewhere.
    """
    return _controller().limit(limits=1, user_api="blas")


# Neighbour queries are taken in blocks to bound the similarity matrix (block x training).
_QUERY_BLOCK = 1024


@dataclass(frozen=True)
class ScorerConfig:
    features: FeatureConfig
    c: float
    max_iter: int
    knn_k: int
    knn_sharpness: float
    knn_smoothing: float


@dataclass(frozen=True)
class Parts:
    linear: Scores  # the regression's log-probabilities
    neighbours: Scores  # the neighbour vote's smoothed log-probabilities

    def combined(self, knn_weight: float) -> Scores:
        result: Scores = self.linear + knn_weight * self.neighbours
        return result


class Scorer:
    """Fits on label ids 0..label_count-1; scores any texts with their embeddings."""

    def __init__(self, config: ScorerConfig, label_count: int) -> None:
        self.config = config
        self.label_count = label_count
        self._features = TextFeatures(config.features)
        self._model: LogisticRegression | None = None
        self._only: int | None = None  # the one label present, when training had only one
        self._vectors: Vector = np.zeros((0, 0), dtype=np.float32)
        self._ids: LabelIds = np.zeros(0, dtype=np.int_)

    def fit(self, texts: Sequence[str], vectors: Vector, ids: LabelIds) -> Scorer:
        present = np.unique(ids)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._ids = np.asarray(ids, dtype=np.int_)
        if len(present) == 1:
            self._only = int(present[0])
            return self
        matrix = self._features.fit_transform(texts, vectors, self._ids, self.label_count)
        # lbfgs is deterministic; random_state only matters to solvers that shuffle.
        model = LogisticRegression(C=self.config.c, max_iter=self.config.max_iter, random_state=0)
        with _one_thread():
            self._model = model.fit(matrix, self._ids)
        return self

    def parts(self, texts: Sequence[str], vectors: Vector) -> Parts:
        """(len(texts), label_count) log-probabilities of both models; higher is likelier."""
        linear = np.full((len(texts), self.label_count), _ABSENT, dtype=np.float64)
        if self._only is not None:
            linear[:, self._only] = 0.0
            return Parts(linear, np.zeros_like(linear))
        assert self._model is not None, "fit() first"
        columns = np.asarray(self._model.classes_, dtype=np.int_)
        with _one_thread():
            linear[:, columns] = self._model.predict_log_proba(self._features.transform(texts, vectors))
            return Parts(linear, self._neighbour_scores(vectors))

    def _neighbour_scores(self, vectors: Vector) -> Scores:
        """Log of a similarity-weighted vote of the nearest training examples.

        The vote recovers a label whose examples form several tight clusters that a linear
        boundary averages away. Smoothing keeps labels without a neighbour finite, so the
        logistic model alone decides between them.
        """
        k = min(self.config.knn_k, len(self._ids))
        votes = np.zeros((len(vectors), self.label_count), dtype=np.float64)
        for start in range(0, len(vectors), _QUERY_BLOCK):
            block = np.asarray(vectors[start : start + _QUERY_BLOCK], dtype=np.float32)
            similarity = block @ self._vectors.T
            nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
            rows = np.arange(len(block))[:, None]
            # Cosine similarity is at most 1; subtracting it keeps exp() from overflowing.
            weight = np.exp(self.config.knn_sharpness * (similarity[rows, nearest] - 1.0))
            np.add.at(votes[start : start + len(block)], (rows, self._ids[nearest]), weight)
        share = votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-300)
        smoothing = self.config.knn_smoothing
        result: Scores = np.log((1.0 - smoothing) * share + smoothing / self.label_count)
        return result
