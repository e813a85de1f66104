"""When to try again after a failed delivery: exponential, capped, pure."""

from datetime import timedelta

FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=30)


def retry_delay(failed_attempts: int) -> timedelta:
    """5 s after the first failure, doubling each time, never more than 30 min."""
    if failed_attempts < 1:
        return timedelta(0)
    return min(FIRST_RETRY * 2 ** min(failed_attempts - 1, 20), LONGEST_WAIT)
