"""`helpdesk classify-eval`: how well the classifier does on a labelled CSV file.

    classify-eval CSV [--train CSV] [--folds N | --holdout FRACTION] [--text-column text]
                  [--label-column label] [--seed 0] [--thresholds 0.5,0.6,...]
                  [--target-accuracy 0.98] [--limit N] [--json]

Without --train it cross-validates CSV (5 folds unless --folds or --holdout); with --train
it trains on that file and tests on CSV. Bad input ends with a message and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from domain.triage import report
from domain.triage.embedder import shared_embedder
from domain.triage.evaluation import encode_with_progress, run_splits
from domain.triage.labelled_csv import DataError, LabelledTexts, read_labelled_csv
from domain.triage.splits import Indices, fold_ids, holdout_split

DEFAULT_FOLDS = 5
DEFAULT_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
EXIT_BAD_INPUT = 2


def _thresholds(value: str) -> list[float]:
    try:
        thresholds = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {value!r}") from None
    if not thresholds or any(not 0.0 <= t <= 1.0 for t in thresholds):
        raise argparse.ArgumentTypeError("thresholds must lie between 0 and 1")
    return sorted(thresholds)


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 < number < 1.0:
        raise argparse.ArgumentTypeError("must lie strictly between 0 and 1")
    return number


def _at_least(minimum: int) -> Any:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument to main() instead of exiting, so main() returns the code."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


def parser() -> argparse.ArgumentParser:
    command = _Parser(
        prog="helpdesk classify-eval",
        description="Measure the ticket classifier on a labelled CSV file.",
    )
    command.add_argument("csv", help="labelled texts to test on (and to train on without --train)")
    command.add_argument("--train", metavar="CSV", help="train on this file, test on CSV")
    command.add_argument("--text-column", default="text")
    command.add_argument("--label-column", default="label")
    command.add_argument(
        "--parent-column", metavar="COLUMN",
        help="the label column holds subcategories and COLUMN each one's parent category: train "
             "on the subcategories, report on the parents (each the sum of its subcategories, as "
             "the desk routes)",
    )
    scheme = command.add_mutually_exclusive_group()
    scheme.add_argument(
        "--folds", type=_at_least(2), help=f"cross-validation folds (default {DEFAULT_FOLDS})"
    )
    scheme.add_argument("--holdout", type=_fraction, metavar="FRACTION", help="stratified share to test on")
    command.add_argument("--seed", type=int, default=0)
    command.add_argument(
        "--thresholds", type=_thresholds, default=list(DEFAULT_THRESHOLDS),
        help="confidence thresholds of the coverage table, comma-separated",
    )
    command.add_argument("--target-accuracy", type=_fraction, default=0.98)
    command.add_argument("--limit", type=_at_least(1), metavar="N", help="use the first N rows only")
    command.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    command.add_argument("--int8", action="store_true", help="the encoder quantised to 8 bits (faster)")
    return command


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except _UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _run(args)
    except DataError as error:
        print(f"classify-eval: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.train is not None and (args.folds is not None or args.holdout is not None):
        raise DataError("--train tests on CSV as a whole: it excludes --folds and --holdout")
    test = _read(args.csv, args)
    train = _read(args.train, args) if args.train is not None else None
    taught = train or test
    if len(set(taught.labels)) < 2:
        raise DataError(f"{args.train or args.csv}: fewer than 2 labels in {args.label_column!r}")
    read_s = time.perf_counter() - started

    texts = (train.texts if train else []) + test.texts
    labels = (train.labels if train else []) + test.labels
    family_of = (
        _families(labels, (train.parents if train else []) + test.parents)
        if args.parent_column else None
    )
    splits, scheme = _splits(args, labels, len(train.texts) if train else None)
    # A bar on stderr only where a person watches; it would garble captured output.
    progress = sys.stderr.isatty()

    started = time.perf_counter()
    encoder = shared_embedder(int8=args.int8)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    vectors = encode_with_progress(encoder, texts, progress=progress)
    embed_s = time.perf_counter() - started
    outcome = run_splits(texts, labels, vectors, splits, encoder=encoder, progress=progress,
                         family_of=family_of)

    data = {
        "csv": args.csv,
        "train": args.train,
        "text_column": args.text_column,
        "label_column": args.label_column,
        "parent_column": args.parent_column,
        "rows": len(texts),
        "skipped_rows": test.skipped + (train.skipped if train else 0),
        "labels": len(set(labels)),
        "parents": len(set(family_of.values())) if family_of is not None else None,
        "summary": _data_summary(args, test, train),
    }
    train_s = sum(outcome.train_seconds)
    timings = {
        "read_s": read_s,
        "model_load_s": load_s,
        "embed_s": embed_s,
        "embed_ms_per_text": 1000 * embed_s / len(texts),
        "train_s": train_s,
        "train_s_per_split": train_s / len(splits),
        "predict_ms_per_text": 1000 * outcome.predict_seconds / max(len(outcome.truth), 1),
        "total_s": read_s + load_s + embed_s + train_s + outcome.predict_seconds,
    }
    result = report.build(
        outcome,
        thresholds=args.thresholds,
        target_accuracy=args.target_accuracy,
        context={"data": data, "scheme": scheme, "timings": timings},
    )
    print(json.dumps(result) if args.json else report.render(result))
    return 0


def _read(path: str, args: argparse.Namespace) -> LabelledTexts:
    data = read_labelled_csv(path, args.text_column, args.label_column, args.limit, args.parent_column)
    if not data.texts:
        raise DataError(f"{path}: no row has both a {args.text_column!r} and a {args.label_column!r}")
    return data


def _families(labels: Sequence[str], parents: Sequence[str]) -> dict[str, str]:
    """Each label's parent; a label given two parents is an error in the data."""
    family_of: dict[str, str] = {}
    for label, parent in zip(labels, parents, strict=True):
        if family_of.setdefault(label, parent) != parent:
            raise DataError(f"label {label!r} has two parents: {family_of[label]!r} and {parent!r}")
    return family_of


def _splits(
    args: argparse.Namespace, labels: list[str], train_rows: int | None
) -> tuple[list[tuple[Indices, Indices]], dict[str, Any]]:
    """The (train, test) index pairs over texts and what they mean, for the report."""
    if train_rows is not None:
        everything = np.arange(len(labels))
        summary = f"trained on {args.train}, tested on {args.csv}"
        pair = (everything[:train_rows], everything[train_rows:])
        return [pair], {"kind": "train-file", "summary": summary}
    names = sorted(set(labels))
    index = {label: i for i, label in enumerate(names)}
    ids = np.asarray([index[label] for label in labels], dtype=np.int_)
    if args.holdout is not None:
        train, test = holdout_split(ids, args.holdout, args.seed)
        summary = f"stratified holdout of {args.holdout:g} ({len(test):,} tested), seed {args.seed}"
        scheme = {"kind": "holdout", "fraction": args.holdout, "seed": args.seed, "summary": summary}
        return [(train, test)], scheme
    folds = args.folds or DEFAULT_FOLDS
    assignment = fold_ids(ids, folds, args.seed)
    pairs = [(np.flatnonzero(assignment != f), np.flatnonzero(assignment == f)) for f in range(folds)]
    summary = f"{folds}-fold stratified cross-validation, seed {args.seed}"
    return pairs, {"kind": "cross-validation", "folds": folds, "seed": args.seed, "summary": summary}


def _data_summary(args: argparse.Namespace, test: LabelledTexts, train: LabelledTexts | None) -> str:
    def one(path: str, data: LabelledTexts) -> str:
        skipped = f", {data.skipped} skipped" if data.skipped else ""
        return f"{Path(path).name}: {len(data.texts):,} rows, {len(set(data.labels))} labels{skipped}"

    if train is None:
        parts = [one(args.csv, test)]
    else:
        parts = [f"train {one(args.train, train)}", f"test {one(args.csv, test)}"]
    columns = f"column {args.label_column!r}"
    if args.parent_column:
        columns = (f"trained on column {args.label_column!r}, "
                   f"reported on its parents in {args.parent_column!r}")
    return "; ".join(parts) + f" ({columns})"


if __name__ == "__main__":
    raise SystemExit(main())
