"""Subcategories summed into their parents (table-tested)."""

import numpy as np
import pytest

from domain.triage.families import rolled_up


@pytest.mark.parametrize(
    ("labels", "family_of", "rows", "families", "expected"),
    [
        # two subcategories of P and a top-level category c
        (("a", "b", "c"), {"a": "P", "b": "P"}, [[0.5, 0.3, 0.2]], ("P", "c"), [[0.8, 0.2]]),
        # the parent has examples of its own: they count for it too
        (("P", "a", "c"), {"a": "P"}, [[0.1, 0.5, 0.4], [0.0, 0.2, 0.8]], ("P", "c"), [[0.6, 0.4], [0.2, 0.8]]),
        # no subcategories: the same columns, in label order
        (("a", "b"), {}, [[0.7, 0.3]], ("a", "b"), [[0.7, 0.3]]),
        # a mapping for a label the model does not know changes nothing
        (("a", "b"), {"zz": "P"}, [[0.4, 0.6]], ("a", "b"), [[0.4, 0.6]]),
    ],
)
def test_rolled_up(
    labels: tuple[str, ...], family_of: dict[str, str], rows: list[list[float]],
    families: tuple[str, ...], expected: list[list[float]],
) -> None:
    got_families, summed = rolled_up(np.asarray(rows), labels, family_of)
    assert got_families == families
    assert np.allclose(summed, expected)
    assert np.allclose(summed.sum(axis=1), np.asarray(rows).sum(axis=1))  # probability is kept
