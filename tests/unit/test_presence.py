from datetime import UTC, datetime, timedelta

import pytest

from domain.rules.presence import Activity, Presence, collisions, current

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=10)
GONE = NOW - timedelta(seconds=1)


def p(user: int, activity: Activity, expires: datetime) -> Presence:
    return Presence(user, activity, expires)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([], []),
        ([p(1, Activity.VIEWING, GONE)], []),
        ([p(2, Activity.VIEWING, LATER), p(1, Activity.REPLYING, LATER)], [1, 2]),  # replying first
        ([p(1, Activity.VIEWING, LATER), p(1, Activity.REPLYING, LATER + timedelta(seconds=1))], [1]),
    ],
)
def test_current(entries: list[Presence], expected: list[int]) -> None:
    assert [e.user_id for e in current(entries, NOW)] == expected


@pytest.mark.parametrize(
    ("entries", "activity", "expected"),
    [
        ([p(2, Activity.REPLYING, LATER)], Activity.REPLYING, [2]),
        ([p(2, Activity.REPLYING, LATER)], Activity.VIEWING, []),
        ([p(2, Activity.VIEWING, LATER)], Activity.REPLYING, []),
        ([p(2, Activity.REPLYING, GONE)], Activity.REPLYING, []),
        ([p(1, Activity.REPLYING, LATER)], Activity.REPLYING, []),  # oneself is no collision
    ],
)
def test_collisions(entries: list[Presence], activity: Activity, expected: list[int]) -> None:
    assert [c.user_id for c in collisions(entries, user_id=1, activity=activity, now=NOW)] == expected
