"""Measuring the classifier: train on one part of labelled texts, predict the other, repeat.

The texts are embedded once by the caller; every split reuses the vectors, as the app
reuses the vectors it stores for its examples.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from domain.triage.classifier import TrainingConfig, TriageClassifier
from domain.triage.embedder import TextEncoder, Vector
from domain.triage.splits import Indices


@dataclass(frozen=True)
class Outcome:
    """Every tested text's true label, predicted label and confidence, in input order."""

    truth: list[str]
    predicted: list[str]
    confidence: list[float]
    split_accuracies: list[float]
    train_seconds: list[float]
    predict_seconds: float
    temperatures: list[float]
    knn_weights: list[float]
    models: list[str]  # each split's model name: the regression chosen may differ by split


def run_splits(
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: Vector,
    splits: Sequence[tuple[Indices, Indices]],
    *,
    encoder: TextEncoder,
    config: TrainingConfig | None = None,
    progress: bool = False,
    family_of: Mapping[str, str] | None = None,
) -> Outcome:
    """Trains on each split's first indices and predicts its second ones.

    The tested indices of the splits must not overlap; a text tested by none is left out.
    With `family_of` (each label's parent), the outcome is about the parents: the predicted
    parent sums the probabilities of its labels, as the desk does with subcategories.
    """
    def truth(i: int) -> str:
        return family_of.get(labels[i], labels[i]) if family_of is not None else labels[i]

    tested: dict[int, tuple[str, float]] = {}
    split_accuracies: list[float] = []
    train_seconds: list[float] = []
    temperatures: list[float] = []
    knn_weights: list[float] = []
    predict_seconds = 0.0
    models: list[str] = []
    bar = tqdm(splits, desc="train and test", unit="split", disable=not progress, leave=False)
    for train, test in bar:
        started = time.perf_counter()
        classifier = TriageClassifier.train(
            [texts[i] for i in train],
            [labels[i] for i in train],
            encoder=encoder,
            config=config,
            vectors=vectors[train],
        )
        train_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        test_texts = [texts[i] for i in test]
        if family_of is None:
            predictions = classifier.classify_vectors(test_texts, vectors[test])
        else:
            _, predictions = classifier.classify_with_families(test_texts, vectors[test], family_of)
        predict_seconds += time.perf_counter() - started
        for i, prediction in zip(test, predictions, strict=True):
            tested[int(i)] = (prediction.label, prediction.confidence)
        right = [truth(i) == p.label for i, p in zip(test, predictions, strict=True)]
        split_accuracies.append(float(np.mean(right)) if right else 0.0)
        temperatures.append(classifier.temperature)
        knn_weights.append(classifier.knn_weight)
        models.append(classifier.model_name)
    order = sorted(tested)
    return Outcome(
        truth=[truth(i) for i in order],
        predicted=[tested[i][0] for i in order],
        confidence=[tested[i][1] for i in order],
        split_accuracies=split_accuracies,
        train_seconds=train_seconds,
        predict_seconds=predict_seconds,
        temperatures=temperatures,
        knn_weights=knn_weights,
        models=models,
    )


def encode_with_progress(
    encoder: TextEncoder, texts: Sequence[str], *, progress: bool, batch: int = 512
) -> Vector:
    """encoder.encode in slices, so that a bar can show progress on thousands of texts.

    Slices of a few hundred keep the encoder's own batching (and its sorting by length)
    nearly as efficient as one call.
    """
    parts = []
    with tqdm(total=len(texts), desc="embed", unit="text", disable=not progress, leave=False) as bar:
        for start in range(0, len(texts), batch):
            chunk = list(texts[start : start + batch])
            parts.append(encoder.encode(chunk))
            bar.update(len(chunk))
    if not parts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)
