"""Temperature scaling: one number that turns scores into probabilities that mean what they say.

The temperature is fitted on out-of-fold scores of the training examples, so it learns how
right the classifier is on texts it has not seen. Those fold models see less data than the
final model and are a little less accurate, which errs towards under-confidence: the safe
side when a threshold decides what is routed without a human.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

Scores = npt.NDArray[np.float64]
LabelIds = npt.NDArray[np.int_]

# Temperatures outside this range mean degenerate scores, not a better fit.
_LOWEST = 0.05
_HIGHEST = 20.0


def softmax(scores: Scores, temperature: float = 1.0) -> Scores:
    scaled = scores / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: Scores = exp / exp.sum(axis=1, keepdims=True)
    return result


def negative_log_likelihood(scores: Scores, ids: LabelIds, temperature: float) -> float:
    scaled = scores / temperature
    top = scaled.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(scaled - top).sum(axis=1))
    return float(np.mean(log_norm - scaled[np.arange(len(ids)), ids]))


def fit_temperature(
    scores: Scores, ids: LabelIds, prior: float = 1.0, prior_strength: float = 0.0
) -> float:
    """The temperature minimising the negative log-likelihood of the true labels.

    prior_strength > 0 adds prior_strength * (log T - log prior)^2 to the summed NLL (a
    log-normal prior on T). Out-of-fold predictions that are all right make the NLL fall
    forever as T shrinks; on a few dozen examples that means confidence 1.0 for anything,
    gibberish included. The prior stops the collapse and fades as examples accumulate.
    """
    count = len(ids)
    log_prior = float(np.log(prior))

    def objective(log_t: float) -> float:
        fit = count * negative_log_likelihood(scores, ids, float(np.exp(log_t)))
        return fit + prior_strength * (log_t - log_prior) ** 2

    result = minimize_scalar(
        objective,
        bounds=(np.log(_LOWEST), np.log(_HIGHEST)),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


class Combination(NamedTuple):
    knn_weight: float
    temperature: float
    loss: float  # penalised summed NLL of the true labels: lower fits better


def fit_combination(
    linear: Scores,
    neighbours: Scores,
    ids: LabelIds,
    weights: Sequence[float],
    prior: float,
    prior_strength: float,
) -> Combination:
    """The neighbour weight and temperature of the best calibrated mix of the two score sets.

    Each candidate weight gets its own fitted temperature; the pair with the lowest
    penalised NLL wins, the smaller weight on a tie. NLL rather than accuracy: it is
    smooth, and it rewards the mix whose confidences rank right from wrong, which is what
    a routing threshold relies on.
    """
    best: Combination | None = None
    for weight in sorted(weights):
        scores = linear + weight * neighbours
        temperature = fit_temperature(scores, ids, prior, prior_strength)
        loss = len(ids) * negative_log_likelihood(scores, ids, temperature)
        loss += prior_strength * float(np.log(temperature) - np.log(prior)) ** 2
        if best is None or loss < best.loss - 1e-9:
            best = Combination(weight, temperature, loss)
    if best is None:
        raise ValueError("no candidate weights")
    return best
