"""The encoder's forward pass as a frozen TorchScript graph.

A single ticket is a few dozen tokens: the matrix products take a few milliseconds, and
Python's walk through some hundred modules, hooks and checks per call adds as much again.
Traced and frozen, the same arithmetic runs without it. On 2 cores, in alternating runs: a
single text encoded in 6.9-7.8 ms (p50) against 10.2-11.0 ms, a single ticket classified
in 8.8-10.7 ms against 11.7-13.9 ms (bench.classifier_throughput); batches gained 3-18%,
within what these shared cores vary by. Vectors agree to 1e-7.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

Features = dict[str, "torch.Tensor"]
Forward = Callable[[Features], Features]

_log = logging.getLogger(__name__)

# Two texts of different lengths, so the trace runs with padding in the attention mask.
_EXAMPLE = ["a ticket about a card payment that was declined twice", "refund"]
# A trace records one path through the Python code. Mask code that branched on whether a
# batch has padding, or on its length, would replay the traced branch on every input; this
# transformers does not, but a later one might. So the graph is checked against the model
# at load on batches shaped unlike the example: one unpadded text, and three of which two
# are padded, to a length the example did not have.
_CHECKS = [
    ["why was I charged a fee"],
    ["refund", "my card still has not arrived after two weeks, where is it?", "top up failed"],
]
_TOLERANCE = 1e-4


def traced_forward(model: SentenceTransformer) -> Forward:
    """model's forward (features in, features with "sentence_embedding" out), traced.

    Tracing is an optimisation: where this torch or model cannot be traced, the model
    itself is returned and a warning logged, and the vectors are the same.
    """
    import torch

    example = dict(model.tokenizer(_EXAMPLE, padding=True, return_tensors="pt"))
    quiet = [logging.getLogger(name) for name in ("sentence_transformers", "transformers")]
    levels = [logger.level for logger in quiet]
    try:
        # Tracing reads deprecated attributes and warns about Python values it records as
        # constants; none of it applies to a fixed model in eval mode.
        for logger in quiet:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(model, (example,), strict=False, check_trace=False)
            frozen: Forward = torch.jit.freeze(traced.eval())
            for texts in _CHECKS:  # the first calls also optimise the graph, at load time
                features = dict(model.tokenizer(texts, padding=True, return_tensors="pt"))
                expected = model(dict(features))["sentence_embedding"]
                actual = frozen(features)["sentence_embedding"]
                if float((actual - expected).abs().max()) > _TOLERANCE:
                    raise ValueError(f"the traced model disagrees with the model on {len(texts)} texts")
        return frozen
    except Exception:  # any failure leaves the eager model, which works
        _log.warning("encoder tracing failed; using the eager model", exc_info=True)
        return model
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
