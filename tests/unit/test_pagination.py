from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from domain.errors import BadUserInput
from resolvers.pagination import ORDERS, after_filter, encode_cursor, order_by


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_cursor_round_trip(order: str) -> None:
    row = SimpleNamespace(
        id=7,
        priority=2,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, tzinfo=UTC),
    )
    after_filter(order, encode_cursor(order, row))  # decodes without error
    assert order_by(order)[-1] in ("id", "-id")


@pytest.mark.parametrize("cursor", ["", "garbage", "W10", "WyJQUklPUklUWSIsWzFdXQ"])
def test_bad_cursors(cursor: str) -> None:
    with pytest.raises(BadUserInput):
        after_filter("CREATED_AT_DESC", cursor)
