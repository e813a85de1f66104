import pytest

from domain.rules.attainment import tally


@pytest.mark.parametrize(
    ("states", "met", "breached", "pending", "percent"),
    [
        ([], 0, 0, 0, None),
        (["RUNNING", "PAUSED"], 0, 0, 2, None),
        (["MET", "MET", "BREACHED", "NEAR_BREACH"], 2, 1, 1, 66.67),
        (["BREACHED"], 0, 1, 0, 0.0),
        (["MET"] * 3, 3, 0, 0, 100.0),
    ],
)
def test_tally(states: list[str], met: int, breached: int, pending: int, percent: float | None) -> None:
    result = tally(states)
    assert (result.met, result.breached, result.pending, result.met_percent) == (met, breached, pending, percent)
