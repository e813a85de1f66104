import pytest

from domain.rules.rate_limit import retry_after, window_at


@pytest.mark.parametrize(
    ("now", "count", "limit", "expected"),
    [
        (0.0, 1, 3, None),
        (10.0, 3, 3, None),
        (10.0, 4, 3, 50.0),
        (59.5, 4, 3, 0.5),
        (60.0, 4, 3, 60.0),  # a new window
        (10.0, 1000, 0, None),  # 0 disables
    ],
)
def test_fixed_window(now: float, count: int, limit: int, expected: float | None) -> None:
    window = window_at(now, 60)
    assert retry_after(count, limit=limit, window=window, now_seconds=now) == expected


def test_windows_are_consecutive() -> None:
    assert window_at(59.999, 60).index + 1 == window_at(60.0, 60).index
