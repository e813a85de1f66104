import pytest

from domain.rules.rate_limit import client_identity, retry_after, window_at


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
