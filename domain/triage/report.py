"""The evaluation's figures, as one JSON-ready dict and as text for a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from domain.triage import metrics
from domain.triage.evaluation import Outcome

# Up to this many labels the whole confusion matrix fits a terminal; beyond, the most
# frequent confused pairs say more than a 77 x 77 grid.
_MATRIX_LABELS = 10
_TOP_CONFUSIONS = 15


def build(
    outcome: Outcome,
    *,
    thresholds: Sequence[float],
    target_accuracy: float,
    context: dict[str, Any],
) -> dict[str, Any]:
    """Every figure of the evaluation; `context` (data, scheme, timings) is merged in as is."""
    truth, predicted, confidence = outcome.truth, outcome.predicted, outcome.confidence
    labels = metrics.label_set(truth, predicted)
    coverage = metrics.accuracy_at_coverage(truth, predicted, confidence, thresholds)
    at_target = metrics.coverage_at_accuracy(truth, predicted, confidence, target_accuracy)
    return {
        **context,
        # One name when every split chose the same model, else each split's in order.
        "model": " ".join(outcome.models) if len(set(outcome.models)) > 1 else (outcome.models or [""])[0],
        "models": outcome.models,
        "temperatures": outcome.temperatures,
        "knn_weights": outcome.knn_weights,
        "items": len(truth),
        "accuracy": metrics.accuracy(truth, predicted),
        "macro_f1": metrics.macro_f1(truth, predicted),
        "split_accuracies": outcome.split_accuracies,
        "per_class": [asdict(score) for score in metrics.per_class_scores(truth, predicted, labels)],
        "confusion": {"labels": labels, "matrix": metrics.confusion_matrix(truth, predicted, labels)},
        "top_confusions": [
            {"true": t, "predicted": p, "count": n}
            for t, p, n in metrics.top_confusions(truth, predicted, _TOP_CONFUSIONS)
        ],
        "accuracy_at_coverage": [asdict(row) for row in coverage],
        "coverage_at_target": asdict(at_target),
    }


def render(result: dict[str, Any]) -> str:
    lines = [*_head(result), "", *_per_class(result), "", *_confusion(result), ""]
    lines += [*_coverage(result), "", *_timings(result)]
    return "\n".join(lines)


def _head(result: dict[str, Any]) -> list[str]:
    data, scheme = result["data"], result["scheme"]
    splits = " ".join(f"{a:.4f}" for a in result["split_accuracies"])
    temperatures = " ".join(f"{t:.3g}" for t in result["temperatures"])
    weights = " ".join(f"{w:g}" for w in result["knn_weights"])
    return [
        f"data       {data['summary']}",
        f"scheme     {scheme['summary']}",
        f"model      {result['model']} (temperature {temperatures}; neighbour weight {weights})",
        f"items      {result['items']:,} predicted",
        f"accuracy   {result['accuracy']:.4f}  (per split: {splits})",
        f"macro-F1   {result['macro_f1']:.4f}",
    ]


def _per_class(result: dict[str, Any]) -> list[str]:
    rows = sorted(result["per_class"], key=lambda row: (row["f1"], row["label"]))
    width = max(12, *(len(row["label"]) for row in rows))
    lines = [f"{'label (worst F1 first)':<{width}}  precision  recall     F1  support"]
    for row in rows:
        lines.append(
            f"{row['label']:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
            f"{row['f1']:5.3f}  {row['support']:7d}"
        )
    return lines


def _confusion(result: dict[str, Any]) -> list[str]:
    labels, matrix = result["confusion"]["labels"], result["confusion"]["matrix"]
    if len(labels) <= _MATRIX_LABELS:
        width = max(8, *(len(label) for label in labels))
        header = " " * width + "".join(f"  {label[:width]:>{width}}" for label in labels)
        lines = ["confusion (rows: true, columns: predicted)", header]
        for label, row in zip(labels, matrix, strict=True):
            lines.append(f"{label:<{width}}" + "".join(f"  {n:>{width}d}" for n in row))
        return lines
    lines = ["most confused (true -> predicted: count)"]
    for pair in result["top_confusions"]:
        lines.append(f"  {pair['true']} -> {pair['predicted']}: {pair['count']}")
    return lines


def _coverage(result: dict[str, Any]) -> list[str]:
    lines = ["confidence >= t   coverage   accuracy    count   accuracy >= t"]
    for row in result["accuracy_at_coverage"]:
        accuracy = row["accuracy"]
        shown = "-" if accuracy is None else f"{accuracy:.4f}"
        holds = "-" if accuracy is None else ("yes" if accuracy >= row["threshold"] else "NO")
        lines.append(
            f"{row['threshold']:15.2f}   {row['coverage']:7.1%}   {shown:>8}  {row['count']:7d}   {holds}"
        )
    target = result["coverage_at_target"]
    if target["threshold"] is None:
        lines.append(f"coverage at accuracy >= {target['target']:g}: none (no confidence reaches it)")
    else:
        lines.append(
            f"coverage at accuracy >= {target['target']:g}: {target['coverage']:.1%} "
            f"({target['count']:,} items, confidence >= {target['threshold']:.3f}, "
            f"accuracy {target['accuracy']:.4f})"
        )
    return lines


def _timings(result: dict[str, Any]) -> list[str]:
    timings = result["timings"]
    return [
        f"timings    read {timings['read_s']:.1f} s, load model {timings['model_load_s']:.1f} s, "
        f"embed {timings['embed_s']:.1f} s "
        f"({timings['embed_ms_per_text']:.2f} ms/text), train {timings['train_s']:.1f} s "
        f"({timings['train_s_per_split']:.1f} s/split), predict "
        f"{timings['predict_ms_per_text']:.3f} ms/text, total {timings['total_s']:.1f} s"
    ]
