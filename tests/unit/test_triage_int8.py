"""The 8-bit encoder: a different fingerprint (cached vectors of one never pass for the
other), vectors close to full precision, and the same answers on plain cases."""

import numpy as np

from domain.triage.classifier import TriageClassifier
from domain.triage.embedder import shared_embedder

TEXTS = ["I was charged twice for my plan", "Please send my invoice", "I cannot log in",
         "The password reset mail never arrives"]
LABELS = ["billing", "billing", "access", "access"]


def test_int8_is_its_own_model_close_to_full_precision() -> None:
    full, small = shared_embedder(), shared_embedder(int8=True)
    assert small is shared_embedder(int8=True)  # one per process
    assert full.fingerprint() != small.fingerprint() and small.name.endswith("int8")
    a, b = full.encode(TEXTS), small.encode(TEXTS)
    assert b.shape == a.shape and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.85


def test_int8_classifies_plain_cases_like_full_precision() -> None:
    for encoder in (shared_embedder(), shared_embedder(int8=True)):
        model = TriageClassifier.train(TEXTS, LABELS, encoder=encoder)
        assert [p.label for p in model.classify_batch(["charged two times", "can't sign in"])] == [
            "billing", "access"
        ]
