"""Reading labelled texts from a CSV file, with errors a person can act on."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path


class DataError(Exception):
    """The input cannot be used; the message says why, for the command line."""


@dataclass(frozen=True)
class LabelledTexts:
    texts: list[str]
    labels: list[str]
    skipped: int  # rows without a text or a label
    parents: list[str] = field(default_factory=list)  # each label's parent, when asked for


def read_labelled_csv(
    path: str | Path, text_column: str, label_column: str, limit: int | None = None,
    parent_column: str | None = None,
) -> LabelledTexts:
    """The first `limit` usable rows (all when None); rows lacking text or label (or the
    parent, when `parent_column` is given) are skipped."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    texts: list[str] = []
    labels: list[str] = []
    parents: list[str] = []
    skipped = 0
    previous_limit = csv.field_size_limit()
    # Issue bodies with pasted logs exceed the csv module's 128 KiB field limit.
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column, *([parent_column] if parent_column else [])):
                if column not in columns:
                    raise DataError(f"{path}: no column {column!r}; the columns are {', '.join(columns)}")
            for row in reader:
                if limit is not None and len(texts) >= limit:
                    break
                text, label = row.get(text_column), row.get(label_column)
                parent = row.get(parent_column) if parent_column else None
                if (not text or not text.strip() or not label or not label.strip()
                        or (parent_column and (not parent or not parent.strip()))):
                    skipped += 1
                    continue
                texts.append(text)
                labels.append(label.strip())
                if parent is not None:
                    parents.append(parent.strip())
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        raise DataError(f"{path}: cannot read it as CSV: {error}") from error
    finally:
        csv.field_size_limit(previous_limit)
    return LabelledTexts(texts, labels, skipped, parents)
