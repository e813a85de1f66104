from datetime import timedelta

import pytest

from domain.rules.retry import retry_delay


@pytest.mark.parametrize(
    ("failed", "delay"),
    [(0, 0), (1, 5), (2, 10), (3, 20), (8, 640), (9, 1280), (10, 1800), (500, 1800)],
)
def test_retry_delay(failed: int, delay: int) -> None:
    assert retry_delay(failed) == timedelta(seconds=delay)
