"""Fixed-window rate limiting: the same rule whether counts live in memory or in Redis."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    index: int
    ends_at: float


def window_at(now_seconds: float, window_seconds: int) -> Window:
    index = int(now_seconds // window_seconds)
    return Window(index=index, ends_at=(index + 1) * window_seconds)


def retry_after(count: int, *, limit: int, window: Window, now_seconds: float) -> float | None:
    """None when the request (the `count`-th in its window) may pass, else seconds to wait."""
    if limit <= 0 or count <= limit:
        return None
    return max(window.ends_at - now_seconds, 0.0)
