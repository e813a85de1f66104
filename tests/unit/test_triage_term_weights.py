"""The n-gram weights: terms that tell labels apart count more than terms every label uses."""

import numpy as np
import pytest
from scipy import sparse

from domain.triage.term_weights import discriminative_weights

# Columns: 0 "crash" (label 0 only), 1 "please" (everywhere), 2 "how" (label 1 only),
# 3 "crash" twice in one text (counted as present, not twice).
PRESENCE = np.array(
    [
        [1, 1, 0, 0],
        [1, 1, 0, 2],
        [0, 1, 1, 0],
        [0, 1, 1, 0],
    ],
    dtype=np.float32,
)
IDS = np.array([0, 0, 1, 1])


def weights(matrix: np.ndarray, ids: np.ndarray, labels: int = 2, smoothing: float = 1.0) -> np.ndarray:
    return discriminative_weights(sparse.csr_matrix(matrix), ids, labels, smoothing)


def test_a_term_of_one_label_outweighs_a_term_of_every_label() -> None:
    result = weights(PRESENCE, IDS)
    assert result[0] > 5 * result[1] and result[2] > 5 * result[1]


def test_the_weights_average_one() -> None:
    assert weights(PRESENCE, IDS).mean() == pytest.approx(1.0)


def test_presence_counts_not_repetition() -> None:
    """A term repeated in one text weighs as if it appeared once there."""
    result = weights(PRESENCE, IDS)
    once = PRESENCE.copy()
    once[1, 3] = 1
    assert weights(once, IDS)[3] == pytest.approx(result[3])


@pytest.mark.parametrize(
    ("matrix", "ids", "labels"),
    [
        (np.ones((4, 3), dtype=np.float32), IDS, 2),  # no term prefers a label
        (np.zeros((4, 3), dtype=np.float32), IDS, 2),  # no term at all
        (PRESENCE, np.zeros(4, dtype=np.int_), 1),  # one label: nothing to tell apart
    ],
)
def test_without_a_preference_every_term_weighs_one(matrix: np.ndarray, ids: np.ndarray, labels: int) -> None:
    assert np.allclose(weights(matrix, ids, labels), 1.0)


def test_a_label_without_examples_is_ignored() -> None:
    """A cross-validation fold may miss a rare label; its columns must not dominate."""
    assert np.allclose(weights(PRESENCE, IDS, labels=3), weights(PRESENCE, IDS, labels=2))


def test_an_empty_vocabulary_gives_no_weights() -> None:
    assert weights(np.zeros((4, 0), dtype=np.float32), IDS).shape == (0,)


def test_smoothing_must_be_positive() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        weights(PRESENCE, IDS, smoothing=0.0)


def test_the_features_scale_their_n_grams_by_the_weights() -> None:
    """Wiring: with weighting on, a word every label uses loses weight against a label's own word."""
    from domain.triage.features import FeatureConfig, TextFeatures

    texts = ["please crash now", "please crash again", "please how to", "please how do"]
    vectors = np.ones((4, 2), dtype=np.float32)

    def word_columns(smoothing: float) -> tuple[float, float]:
        config = FeatureConfig(1.0, (1, 1), (2, 2), 0.0, 4_000, 200, smoothing)
        features = TextFeatures(config)
        features.fit_transform(texts, vectors, IDS, 2)
        matrix = features.transform(["please crash"], vectors[:1])
        vocabulary = features._blocks[0]._vectorizer.vocabulary_  # type: ignore[union-attr]
        row = matrix.toarray()[0, 2:]
        return float(row[vocabulary["please"]]), float(row[vocabulary["crash"]])

    plain_please, plain_crash = word_columns(0.0)
    weighted_please, weighted_crash = word_columns(1.0)
    assert weighted_please / weighted_crash < 0.5 * (plain_please / plain_crash)
