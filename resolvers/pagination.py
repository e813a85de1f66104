"""Relay cursors over keyset pagination: stable under inserts and fast at any depth."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from domain.errors import BadUserInput


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool
    is_datetime: bool = False


# Each order ends with the primary key so that every row has a unique position.
ORDERS: dict[str, tuple[SortKey, ...]] = {
    "CREATED_AT_DESC": (SortKey("created_at", True, True), SortKey("id", True)),
    "CREATED_AT_ASC": (SortKey("created_at", False, True), SortKey("id", False)),
    "UPDATED_AT_DESC": (SortKey("updated_at", True, True), SortKey("id", True)),
    "PRIORITY": (SortKey("priority", False), SortKey("created_at", False, True), SortKey("id", False)),
}


def order_by(order: str) -> list[str]:
    return [f"-{k.column}" if k.descending else k.column for k in ORDERS[order]]


def encode_cursor(order: str, row: Any) -> str:
    values = []
    for key in ORDERS[order]:
        value = getattr(row, key.column)
        values.append(value.isoformat() if key.is_datetime else int(value))
    raw = json.dumps([order, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(order: str, cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_order, values = json.loads(base64.urlsafe_b64decode(padded))
        keys = ORDERS[order]
        if cursor_order != order or len(values) != len(keys):
            raise ValueError
        return [
            datetime.fromisoformat(v) if k.is_datetime else int(v) for k, v in zip(keys, values, strict=True)
        ]
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise BadUserInput("after is not a cursor of this list and order.", field="after") from None


def after_filter(order: str, cursor: str) -> Q:
    """Rows strictly after the cursor: (a, b, c) > (x, y, z) spelled out per column."""
    keys = ORDERS[order]
    values = _decode(order, cursor)
    clauses = []
    for i, key in enumerate(keys):
        equal = {keys[j].column: values[j] for j in range(i)}
        beyond = {f"{key.column}__{'lt' if key.descending else 'gt'}": values[i]}
        clauses.append(Q(**equal, **beyond))
    result = clauses[0]
    for clause in clauses[1:]:
        result |= clause
    return result
