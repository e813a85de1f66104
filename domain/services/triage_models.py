"""The classifiers a process holds: trained from the stored examples, retrained when the
examples change.

Examples carry their cached embeddings, so a process only encodes examples that are new or
were embedded by another model; training the heads on a few hundred vectors takes well under
a second. Every example change bumps one generation counter in the database, so each API
process and worker notices on its next classification and retrains, with no messaging.
"""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from tortoise.expressions import F
from tortoise.models import Model

from domain.enums import Priority
from domain.models import CategoryExample, PriorityExample, TriageGeneration
from domain.services import category_tree
from domain.triage.classifier import Prediction, TriageClassifier
from domain.triage.embedder import DIMENSION, TextEncoder, Vector

GENERATION_ROW = 1


async def bump_generation() -> None:
    """Call inside the transaction that changes examples: processes retrain after it commits."""
    if not await TriageGeneration.filter(id=GENERATION_ROW).update(value=F("value") + 1):
        await TriageGeneration.get_or_create(id=GENERATION_ROW, defaults={"value": 1})


async def current_generation() -> int:
    row = await TriageGeneration.get_or_none(id=GENERATION_ROW)
    return row.value if row is not None else 0


def fingerprint_of(encoder: TextEncoder) -> str:
    fingerprint = getattr(encoder, "fingerprint", None)
    return str(fingerprint()) if callable(fingerprint) else encoder.name


@dataclass(frozen=True)
class TrainedModels:
    generation: int
    categories: TriageClassifier | None  # None: fewer than two categories have examples
    priorities: TriageClassifier | None  # None: fewer than two priorities have examples
    # Each subcategory's parent, as category id strings (the category labels).
    category_families: Mapping[str, str] = field(default_factory=dict)

    @property
    def model_name(self) -> str:
        model = self.categories or self.priorities
        return model.model_name if model is not None else "none"


@dataclass(frozen=True)
class Scored:
    """One text's predictions: category labels are category ids, priority labels names."""

    category: Prediction | None
    priority: Prediction | None
    # The best top-level category, subcategories summed into their parents; the same as
    # `category` when there are no subcategories.
    category_family: Prediction | None = None


class TriageModels:
    """Owned by the app's lifespan (or the worker's context): one per process."""

    def __init__(self, encoder_factory: Callable[[], TextEncoder]) -> None:
        self._encoder_factory = encoder_factory
        self._encoder: TextEncoder | None = None
        self._trained: TrainedModels | None = None
        self._lock = asyncio.Lock()

    async def encoder(self) -> TextEncoder:
        if self._encoder is None:
            # Loading the weights takes seconds: off the event loop.
            self._encoder = await asyncio.to_thread(self._encoder_factory)
        return self._encoder

    async def current(self) -> TrainedModels:
        generation = await current_generation()
        trained = self._trained
        if trained is not None and trained.generation == generation:
            return trained
        async with self._lock:
            if self._trained is not None and self._trained.generation == generation:
                return self._trained
            encoder = await self.encoder()
            families = {str(child): str(parent) for child, parent in (await category_tree.parents()).items()}
            categories = await _train(encoder, CategoryExample, "category_id")
            priorities = await _train(encoder, PriorityExample, "priority")
            self._trained = TrainedModels(generation, categories, priorities, families)
            return self._trained

    async def score(self, texts: Sequence[str]) -> tuple[TrainedModels, list[Scored]]:
        """One encode call for all the texts, then both heads on the same vectors."""
        trained = await self.current()
        if not texts or (trained.categories is None and trained.priorities is None):
            return trained, [Scored(None, None) for _ in texts]
        encoder = await self.encoder()
        vectors = await asyncio.to_thread(encoder.encode, list(texts))

        def predict() -> list[Scored]:
            categories, families = (
                trained.categories.classify_with_families(texts, vectors, trained.category_families)
                if trained.categories else (None, None)
            )
            priorities = trained.priorities.classify_vectors(texts, vectors) if trained.priorities else None
            return [
                Scored(categories[i] if categories else None, priorities[i] if priorities else None,
                       families[i] if families else None)
                for i in range(len(texts))
            ]

        return trained, await asyncio.to_thread(predict)


def _label(model: type[Model], value: object) -> str:
    return Priority(int(str(value))).name if model is PriorityExample else str(value)


async def _train(encoder: TextEncoder, model: type[Model], label_field: str) -> TriageClassifier | None:
    rows = await model.all().order_by("id").values("id", "text", label_field, "embedding", "embedding_model")
    labels = [_label(model, row[label_field]) for row in rows]
    if len(set(labels)) < 2:
        return None
    fingerprint = fingerprint_of(encoder)
    stale = [
        i for i, row in enumerate(rows)
        if row["embedding"] is None or row["embedding_model"] != fingerprint
    ]
    stale_set = set(stale)
    vectors = np.zeros((len(rows), DIMENSION), dtype=np.float32)
    for i, row in enumerate(rows):
        if i not in stale_set:
            vectors[i] = np.frombuffer(row["embedding"], dtype=np.float32)
    if stale:
        fresh: Vector = await asyncio.to_thread(encoder.encode, [rows[i]["text"] for i in stale])
        for position, i in enumerate(stale):
            vectors[i] = fresh[position]
            # Cache for the next process; a concurrent writer caching the same vector is harmless.
            await model.filter(id=rows[i]["id"]).update(
                embedding=fresh[position].tobytes(), embedding_model=fingerprint
            )
    texts = [row["text"] for row in rows]
    return await asyncio.to_thread(TriageClassifier.train, texts, labels, encoder=encoder, vectors=vectors)
