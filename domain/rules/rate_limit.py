"""Fixed-window rate limiting: the same rule whether counts live in memory or in Redis."""

import ipaddress
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    index: int
    ends_at: float


def window_at(now_seconds: float, window_seconds: int) -> Window:
    index = int(now_seconds // window_seconds)
    return Window(index=index, ends_at=(index + 1) * window_seconds)


def client_identity(address: str) -> str:
    """Whom a client address stands for: an IPv6 host usually holds a whole /64, so counting
    single addresses there would let one client take 2^64 identities."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def shown_wait(seconds: float) -> float:
    """A wait as clients are told it (`retryAfterSeconds`): in tenths, rounded up, so that
    waiting that long always lands in the next window; never 0 (a refusal a moment before
    the window ends would otherwise say "retry after 0 s")."""
    return max(math.ceil(seconds * 10) / 10, 0.1)


def retry_after(count: int, *, limit: int, window: Window, now_seconds: float) -> float | None:
    """None when the request (the `count`-th in its window) may pass, else seconds to wait."""
    if limit <= 0 or count <= limit:
        return None
    return max(window.ends_at - now_seconds, 0.0)
