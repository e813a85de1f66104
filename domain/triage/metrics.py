"""Scores of a classifier's answers against the truth: pure functions over label sequences.

Labels are strings, as the app stores them. Per-class figures follow the usual convention
for a class that is never predicted (precision 0) or never true (recall 0), so that the
macro average punishes a class the classifier ignores instead of skipping it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int  # how many items truly have this label


@dataclass(frozen=True)
class CoverageRow:
    """The items whose confidence is at least `threshold`: how many, what share, how right."""

    threshold: float
    coverage: float
    accuracy: float | None  # None when no item reaches the threshold
    count: int


@dataclass(frozen=True)
class CoverageAtTarget:
    """The largest share of items that can be routed keeping accuracy at least `target`.

    threshold is the confidence to route at (route when confidence >= threshold); None when
    not even the most confident items reach the target.
    """

    target: float
    coverage: float
    accuracy: float | None
    count: int
    threshold: float | None


def _check_pair(truth: Sequence[str], predicted: Sequence[str]) -> None:
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    if not truth:
        raise ValueError("no items to score")


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    _check_pair(truth, predicted)
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def label_set(truth: Sequence[str], predicted: Sequence[str]) -> list[str]:
    """Every label seen on either side, sorted: the rows and columns of the tables."""
    return sorted(set(truth) | set(predicted))


def per_class_scores(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> list[ClassScore]:
    _check_pair(truth, predicted)
    labels = label_set(truth, predicted) if labels is None else labels
    true_count = Counter(truth)
    predicted_count = Counter(predicted)
    hits = Counter(t for t, p in zip(truth, predicted, strict=True) if t == p)
    scores = []
    for label in labels:
        precision = hits[label] / predicted_count[label] if predicted_count[label] else 0.0
        recall = hits[label] / true_count[label] if true_count[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(ClassScore(label, precision, recall, f1, true_count[label]))
    return scores


def macro_f1(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> float:
    scores = per_class_scores(truth, predicted, labels)
    return sum(s.f1 for s in scores) / len(scores)


def confusion_matrix(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> list[list[int]]:
    """matrix[i][j]: items whose true label is labels[i] and predicted label labels[j]."""
    _check_pair(truth, predicted)
    labels = label_set(truth, predicted) if labels is None else labels
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return matrix


def top_confusions(
    truth: Sequence[str], predicted: Sequence[str], limit: int = 10
) -> list[tuple[str, str, int]]:
    """The most frequent (true, predicted, count) mistakes, most frequent first.

    With dozens of classes the full matrix is unreadable; the few pairs that carry most
    of the errors say which intents need better examples.
    """
    _check_pair(truth, predicted)
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    ordered = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return [(t, p, n) for (t, p), n in ordered[:limit]]


def _check_confidence(
    truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]
) -> None:
    _check_pair(truth, predicted)
    if len(confidence) != len(truth):
        raise ValueError(f"{len(truth)} true labels but {len(confidence)} confidences")


def accuracy_at_coverage(
    truth: Sequence[str],
    predicted: Sequence[str],
    confidence: Sequence[float],
    thresholds: Sequence[float],
) -> list[CoverageRow]:
    """One row per threshold: what routing only the items at or above it would give."""
    _check_confidence(truth, predicted, confidence)
    rows = []
    for threshold in thresholds:
        kept = [t == p for t, p, c in zip(truth, predicted, confidence, strict=True) if c >= threshold]
        rows.append(
            CoverageRow(
                threshold=threshold,
                coverage=len(kept) / len(truth),
                accuracy=sum(kept) / len(kept) if kept else None,
                count=len(kept),
            )
        )
    return rows


def coverage_at_accuracy(
    truth: Sequence[str],
    predicted: Sequence[str],
    confidence: Sequence[float],
    target: float,
) -> CoverageAtTarget:
    """The largest confidence-ordered head of the items whose accuracy is at least target.

    Items of equal confidence are taken or left together, since a threshold cannot split
    them. The head's accuracy is not monotonic in its length, so every cut is considered,
    not only the first that falls short.
    """
    _check_confidence(truth, predicted, confidence)
    order = sorted(range(len(truth)), key=lambda i: -confidence[i])
    best = CoverageAtTarget(target, 0.0, None, 0, None)
    correct = 0
    for position, i in enumerate(order):
        correct += truth[i] == predicted[i]
        count = position + 1
        at_boundary = count == len(order) or confidence[order[count]] != confidence[i]
        # Compares the quotient, not correct >= target * count: 0.7 * 10 rounds above 7.
        if at_boundary and correct / count >= target:
            best = CoverageAtTarget(target, count / len(truth), correct / count, count, confidence[i])
    return best
