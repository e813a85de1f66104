"""length_batches: token-count batches for the encoder, table-tested."""

import numpy as np
import pytest

from domain.triage.batching import length_batches


@pytest.mark.parametrize(
    ("lengths", "budget", "expected"),
    [
        ([], 8, []),
        ([3], 8, [[0]]),
        # Shortest first; the third 2 would pass 6 (3 x 2), so it starts the next batch.
        ([2, 2, 2], 5, [[0, 1], [2]]),
        ([5, 1, 3, 1], 6, [[1, 3], [2], [0]]),
        ([5, 1, 3, 1], 9, [[1, 3, 2], [0]]),
        # A row longer than the budget still goes, alone.
        ([9, 1], 4, [[1], [0]]),
        # Padded size counts the longest row: 1 and 4 would cost 8, not 5.
        ([1, 4], 5, [[0], [1]]),
        ([4, 4, 4, 4], 16, [[0, 1, 2, 3]]),
    ],
)
def test_batches_sort_by_length_and_keep_padded_size_within_budget(
    lengths: list[int], budget: int, expected: list[list[int]]
) -> None:
    batches = length_batches(np.asarray(lengths, dtype=np.int64), budget)
    assert [batch.tolist() for batch in batches] == expected


def test_every_row_is_in_one_batch_and_no_batch_overruns() -> None:
    lengths = np.random.default_rng(0).integers(1, 300, size=500)
    batches = length_batches(lengths, 1024)
    seen = np.concatenate(batches)
    assert sorted(seen.tolist()) == list(range(500))
    for batch in batches:
        assert len(batch) == 1 or len(batch) * lengths[batch].max() <= 1024


def test_a_budget_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        length_batches(np.asarray([1]), 0)
