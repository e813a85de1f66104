"""shared_embedder: one loaded Embedder per process, even when threads race for it."""

import threading
import time

import numpy as np
import pytest

from domain.triage import embedder as embedder_module
from domain.triage.embedder import SHARED_POLICY, Embedder, shared_embedder
from domain.triage.traced import traced_forward


def test_shared_embedder_is_loaded_once_and_shared() -> None:
    first = shared_embedder()
    assert first.loaded
    assert first.policy == SHARED_POLICY
    assert shared_embedder() is first
    vectors = first.encode(["hello", "x" * 20_000])
    assert vectors.shape == (2, 384)


def test_racing_threads_load_one_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[Embedder] = []

    def slow_load(self: Embedder) -> Embedder:
        loads.append(self)
        time.sleep(0.05)  # widens the window in which a second loader could slip in
        return self

    monkeypatch.setattr(embedder_module, "_shared", {})
    monkeypatch.setattr(Embedder, "load", slow_load)
    start = threading.Barrier(8)
    seen: list[Embedder] = []

    def call() -> None:
        start.wait()
        seen.append(shared_embedder())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(seen) == 8 and all(e is loads[0] for e in seen)


def test_a_text_with_a_body_is_the_mean_of_its_sentences_subject_weighted() -> None:
    embedder = shared_embedder()
    text = "Export fails\n<!-- Describe the bug. -->\nThe CSV export stops at 50%. It says timeout."
    pieces = ["Export fails", "The CSV export stops at 50%.", "It says timeout."]
    vectors = embedder.encode(pieces)
    expected = 3 * vectors[0] + vectors[1] + vectors[2]
    expected /= np.linalg.norm(expected)
    [actual] = embedder.encode([text])
    assert float(actual @ expected) > 0.9999
    # The template's comment changes nothing; a one-line text is read whole, as before.
    [without_comment] = embedder.encode([text.replace("<!-- Describe the bug. -->\n", "")])
    assert float(actual @ without_comment) > 0.9999
    one_line = "The CSV export stops at 50%. It says timeout."
    [whole] = embedder.encode([one_line])
    direct = embedder.sentence_transformer().encode([one_line], normalize_embeddings=True)[0]
    assert float(whole @ direct) > 0.9999
    assert float(whole @ expected) < 0.999


def test_vectors_match_the_models_own_encode_whatever_the_batching() -> None:
    """Grouping by token count and the traced forward pass change no vector."""
    embedder = shared_embedder()
    small_budget = embedder.with_options(token_budget=16)  # far smaller batches
    model = embedder.sentence_transformer()
    expected = model.encode(MIXED_TEXTS, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    for candidate in (embedder, small_budget):
        actual = candidate._encode_pieces(model, MIXED_TEXTS)
        assert np.abs(actual - expected).max() < 1e-5
    assert small_budget.policy == embedder.policy and small_budget.fingerprint() == embedder.fingerprint()


def test_the_forward_pass_is_traced_and_falls_back_to_the_model_when_tracing_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import torch

    model = shared_embedder().sentence_transformer()
    assert isinstance(traced_forward(model), torch.jit.ScriptModule)

    def broken_trace(*args: object, **kwargs: object) -> None:
        raise RuntimeError("this torch cannot trace")

    monkeypatch.setattr(torch.jit, "trace", broken_trace)
    assert traced_forward(model) is model
    assert "tracing failed" in caplog.text
    eager = Embedder(SHARED_POLICY).load()
    expected = model.encode(MIXED_TEXTS, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(eager.encode(MIXED_TEXTS) - expected).max() < 1e-5


def test_a_trace_that_disagrees_with_the_model_is_not_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Stands in for a trace that replays the wrong branch on some batch shape."""
    import torch

    model = shared_embedder().sentence_transformer()
    freeze = torch.jit.freeze

    def drifting_freeze(module: torch.jit.ScriptModule) -> object:
        frozen = freeze(module)

        def forward(features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            out = dict(frozen(features))
            padded = bool((features["attention_mask"] == 0).any())
            out["sentence_embedding"] = out["sentence_embedding"] + (0.01 if padded else 0.0)
            return out

        return forward

    monkeypatch.setattr(torch.jit, "freeze", drifting_freeze)
    assert traced_forward(model) is model
    assert "disagrees" in caplog.text


MIXED_TEXTS = [
    "hi",
    "  my card was declined at the shop  ",
    "Why is there a fee on my transfer?",
    "Ünïcode: café crème — 3€ refund?",
    "word " * 400,  # beyond the model's 256 positions: truncated the same way
    "",
    "How do I change my PIN " * 3,
] * 5
