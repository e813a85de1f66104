import pytest

from domain.rules.rate_limit import client_identity, retry_after, shown_wait, window_at


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


@pytest.mark.parametrize(
    ("address", "identity"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", "unknown"),
    ],
)
def test_a_client_is_its_ipv4_address_or_its_ipv6_slash_64(address: str, identity: str) -> None:
    assert client_identity(address) == identity


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.0001, 0.1),  # refused a moment before the window ends: never "retry after 0"
        (0.04, 0.1),
        (0.1, 0.1),
        (0.11, 0.2),  # rounded up: waiting that long lands in the next window
        (59.95, 60.0),
        (60.0, 60.0),
    ],
)
def test_the_wait_shown_is_in_tenths_rounded_up_and_never_zero(seconds: float, shown: float) -> None:
    assert shown_wait(seconds) == shown
