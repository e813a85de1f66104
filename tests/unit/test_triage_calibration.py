"""Splits and temperature scaling: the pieces the classifier's calibration rests on."""

import numpy as np
import pytest

from domain.triage.calibration import fit_combination, fit_temperature, negative_log_likelihood, softmax
from domain.triage.splits import fold_ids, holdout_split


def test_fold_ids_balance_labels_and_accept_singletons() -> None:
    ids = np.array([0] * 9 + [1] * 3 + [2])
    folds = fold_ids(ids, 3, seed=0)
    for label in (0, 1):
        assert sorted(np.bincount(folds[ids == label], minlength=3)) == ([3, 3, 3] if label == 0 else [1, 1, 1])
    assert folds[ids == 2].shape == (1,)
    assert np.array_equal(folds, fold_ids(ids, 3, seed=0))
    with pytest.raises(ValueError):
        fold_ids(ids, 1, seed=0)


def test_holdout_keeps_a_training_example_per_label() -> None:
    ids = np.array([0] * 10 + [1] * 2 + [2])
    train, test = holdout_split(ids, 0.2, seed=1)
    assert sorted([*train, *test]) == list(range(13))
    assert sorted(ids[test].tolist()) == [0, 0, 1]  # 2 of 10, 1 of 2, none of the lone one
    assert set(ids[train].tolist()) == {0, 1, 2}
    with pytest.raises(ValueError):
        holdout_split(ids, 1.0, seed=1)


def test_temperature_recovers_overconfidence() -> None:
    # Scores sharpened by 3 while the true probabilities are softmax(base): T ~ 3.
    rng = np.random.default_rng(0)
    base = rng.normal(size=(4000, 4))
    ids = np.array([rng.choice(4, p=p) for p in softmax(base)])
    assert fit_temperature(3 * base, ids) == pytest.approx(3.0, rel=0.1)


def test_prior_stops_collapse_on_perfect_predictions() -> None:
    scores = np.array([[5.0, 0.0], [0.0, 5.0]] * 6)
    ids = np.array([0, 1] * 6)
    assert fit_temperature(scores, ids) < 0.2  # the likelihood keeps rising as T falls
    assert 0.3 < fit_temperature(scores, ids, prior=0.6, prior_strength=4.0) <= 0.6


def test_combination_picks_the_informative_scores() -> None:
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 3, size=600)
    informative = np.eye(3)[ids] * 2.0 + rng.normal(scale=0.5, size=(600, 3))
    noise = rng.normal(size=(600, 3))
    weight = fit_combination(noise, informative, ids, (0.0, 1.0, 2.0), 1.0, 0.0).knn_weight
    assert weight > 0
    weight = fit_combination(informative, noise, ids, (0.0, 1.0, 2.0), 1.0, 0.0).knn_weight
    assert weight == 0.0
    assert negative_log_likelihood(informative, ids, 1.0) < negative_log_likelihood(noise, ids, 1.0)
