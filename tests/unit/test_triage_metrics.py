"""Classifier metrics: table tests with hand-counted answers."""

from collections.abc import Callable

import pytest

from domain.triage import metrics
from domain.triage.metrics import ClassScore, CoverageAtTarget, CoverageRow

TRUTH = ["a", "a", "a", "b", "b", "c"]
PREDICTED = ["a", "a", "b", "b", "c", "c"]


@pytest.mark.parametrize(
    ("truth", "predicted", "expected"),
    [
        (["x"], ["x"], 1.0),
        (["x"], ["y"], 0.0),
        (TRUTH, PREDICTED, 4 / 6),
        (["a", "b", "a", "b"], ["a", "a", "a", "a"], 0.5),
    ],
)
def test_accuracy(truth: list[str], predicted: list[str], expected: float) -> None:
    assert metrics.accuracy(truth, predicted) == pytest.approx(expected)


def test_per_class_scores_by_hand() -> None:
    # a: predicted 2 times, both right, 3 true -> P 1, R 2/3
    # b: predicted 2 times (one right), 2 true -> P 1/2, R 1/2
    # c: predicted 2 times (one right), 1 true -> P 1/2, R 1
    scores = metrics.per_class_scores(TRUTH, PREDICTED)
    assert [s.label for s in scores] == ["a", "b", "c"]
    expected = [
        ClassScore("a", 1.0, 2 / 3, 0.8, 3),
        ClassScore("b", 0.5, 0.5, 0.5, 2),
        ClassScore("c", 0.5, 1.0, 2 / 3, 1),
    ]
    for got, want in zip(scores, expected, strict=True):
        assert got.label == want.label and got.support == want.support
        assert (got.precision, got.recall, got.f1) == pytest.approx((want.precision, want.recall, want.f1))
    assert metrics.macro_f1(TRUTH, PREDICTED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


@pytest.mark.parametrize(
    ("truth", "predicted", "label", "precision", "recall", "support"),
    [
        # never predicted: precision 0, not skipped
        (["a", "b"], ["a", "a"], "b", 0.0, 0.0, 1),
        # predicted but never true: support 0, recall 0
        (["a", "a"], ["a", "z"], "z", 0.0, 0.0, 0),
    ],
)
def test_per_class_edge_cases(
    truth: list[str], predicted: list[str], label: str, precision: float, recall: float, support: int
) -> None:
    score = {s.label: s for s in metrics.per_class_scores(truth, predicted)}[label]
    assert (score.precision, score.recall, score.f1, score.support) == (precision, recall, 0.0, support)


def test_macro_f1_counts_an_ignored_class() -> None:
    # a perfect "a" and an ignored "b": the macro average is halved, not 1.0
    assert metrics.macro_f1(["a", "a", "b"], ["a", "a", "a"]) == pytest.approx((0.8 + 0.0) / 2)


def test_confusion_matrix_rows_are_truth() -> None:
    assert metrics.confusion_matrix(TRUTH, PREDICTED) == [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
    ]
    assert metrics.confusion_matrix(["a"], ["b"], labels=["b", "a"]) == [[0, 0], [1, 0]]


def test_top_confusions_most_frequent_first() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    predicted = ["b", "b", "a", "c", "a", "a"]
    assert metrics.top_confusions(truth, predicted, limit=2) == [("a", "b", 2), ("b", "a", 1)]
    assert metrics.top_confusions(["a"], ["a"]) == []


CONFIDENCE = [0.95, 0.9, 0.4, 0.8, 0.55, 0.99]
# by confidence: c(0.99, right) a(0.95, right) a(0.9, right) b(0.8, right) b(0.55, wrong) a(0.4, wrong)


@pytest.mark.parametrize(
    ("threshold", "coverage", "accuracy", "count"),
    [
        (0.0, 1.0, 4 / 6, 6),
        (0.5, 5 / 6, 4 / 5, 5),
        (0.8, 4 / 6, 1.0, 4),  # a confidence equal to the threshold counts
        (0.96, 1 / 6, 1.0, 1),
        (0.995, 0.0, None, 0),
    ],
)
def test_accuracy_at_coverage(threshold: float, coverage: float, accuracy: float | None, count: int) -> None:
    [row] = metrics.accuracy_at_coverage(TRUTH, PREDICTED, CONFIDENCE, [threshold])
    assert isinstance(row, CoverageRow)
    assert (row.threshold, row.count) == (threshold, count)
    assert row.coverage == pytest.approx(coverage)
    assert row.accuracy == (None if accuracy is None else pytest.approx(accuracy))


@pytest.mark.parametrize(
    ("target", "count", "threshold"),
    [
        (1.0, 4, 0.8),
        (0.8, 5, 0.55),  # 4 of 5 right is exactly 0.8
        (0.6, 6, 0.4),
    ],
)
def test_coverage_at_accuracy(target: float, count: int, threshold: float) -> None:
    result = metrics.coverage_at_accuracy(TRUTH, PREDICTED, CONFIDENCE, target)
    assert (result.count, result.threshold) == (count, threshold)
    assert result.coverage == pytest.approx(count / 6)
    assert result.accuracy is not None and result.accuracy >= target


def test_coverage_at_accuracy_takes_the_largest_head_not_the_first_failure() -> None:
    # head accuracies: 0/1, 1/2, 2/3, 3/4 -> only the whole set reaches 0.75
    truth = ["a", "a", "a", "a"]
    predicted = ["b", "a", "a", "a"]
    result = metrics.coverage_at_accuracy(truth, predicted, [0.9, 0.8, 0.7, 0.6], 0.75)
    assert (result.count, result.threshold) == (4, 0.6)


def test_coverage_at_accuracy_keeps_ties_together() -> None:
    # the two items at 0.7 cannot be split by a threshold: taking both drops to 2/3
    result = metrics.coverage_at_accuracy(["a", "a", "a"], ["a", "a", "b"], [0.9, 0.7, 0.7], 0.9)
    assert (result.count, result.threshold) == (1, 0.9)


def test_coverage_at_accuracy_none_reaches_target() -> None:
    result = metrics.coverage_at_accuracy(["a", "b"], ["b", "a"], [0.9, 0.8], 0.5)
    assert result == CoverageAtTarget(0.5, 0.0, None, 0, None)


@pytest.mark.parametrize(
    "call",
    [
        lambda: metrics.accuracy([], []),
        lambda: metrics.accuracy(["a"], ["a", "b"]),
        lambda: metrics.per_class_scores(["a", "b"], ["a"]),
        lambda: metrics.accuracy_at_coverage(["a"], ["a"], [0.5, 0.6], [0.5]),
        lambda: metrics.coverage_at_accuracy(["a"], ["a"], [], 0.9),
    ],
)
def test_mismatched_or_empty_inputs_raise(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()
