"""Article vectors are kept per process between suggestions, and an edit made by any process
(a new version of the row) is ranked by its new text on the next suggestion."""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest

from domain.models import Article
from domain.rules.knowledge import ArticleStatus, ArticleVisibility
from domain.services import knowledge
from domain.triage.embedder import DIMENSION, Vector


class WordHashEncoder:
    """Each word hashed to one dimension: texts sharing words are similar. Counts its texts."""

    name = "word-hash-test-encoder"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vector:
        self.encoded.extend(texts)
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
            vectors[row] /= max(float(np.linalg.norm(vectors[row])), 1e-12)
        return vectors


async def published(title: str, body: str) -> Article:
    now = datetime.now(UTC)
    return await Article.create(
        title=title, body=body, status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC,
        published_at=now, created_at=now, updated_at=now,
    )


async def best(encoder: WordHashEncoder, text: str) -> list[int]:
    found = await knowledge.suggest(actor=None, queries=[knowledge.SuggestQuery(text, 3)], encoder=encoder)
    return [s.article.id for s in found[0]]


async def test_stored_vectors_are_read_once_per_process(database: None) -> None:
    encoder = WordHashEncoder()
    password = await published("reset password", "reset password link email")
    invoice = await published("invoice copy", "download invoice copy billing")
    assert await best(encoder, "reset password link") == [password.id]
    assert len(encoder.encoded) == 1 + 2 * 2  # the question, then each article's title and text
    # Overwrite a stored vector behind the process's back, without a new version (no write
    # path does that): a suggestion that read the stored vectors again would now find the
    # invoice article for a password question.
    await Article.filter(id=invoice.id).update(embedding=encoder.encode(["reset password link"])[0].tobytes())
    encoder.encoded.clear()
    assert await best(encoder, "reset password link") == [password.id]
    assert encoder.encoded == ["reset password link"]


async def test_an_edit_by_another_process_is_ranked_by_its_new_text(database: None) -> None:
    encoder = WordHashEncoder()
    password = await published("reset password", "reset password link email")
    calendar = await published("calendar sync", "connect google calendar sync")
    assert await best(encoder, "change my password") == [password.id]
    # As another API process saves an edit: a new version, no vector for the new text yet.
    await Article.filter(id=calendar.id).update(
        title="change password", body="change my password in settings", version=2,
        updated_at=datetime.now(UTC), embedding=None, embedding_model=None,
    )
    assert await best(encoder, "change my password") == [calendar.id, password.id]
    stored = await Article.get(id=calendar.id)
    assert stored.embedding_model == encoder.name  # encoded once, for every process to reuse


async def test_an_article_unpublished_elsewhere_leaves_the_suggestions(database: None) -> None:
    encoder = WordHashEncoder()
    password = await published("reset password", "reset password link email")
    assert await best(encoder, "reset password link") == [password.id]
    await Article.filter(id=password.id).update(
        status=ArticleStatus.DRAFT, version=2, updated_at=datetime.now(UTC)
    )
    assert await best(encoder, "reset password link") == []


async def test_vectors_are_read_in_slices_that_drivers_accept(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = WordHashEncoder()
    topics = ["password", "invoice", "calendar", "export", "refund"]
    made = [await published(f"{topic} help", f"all about {topic} {topic}") for topic in topics]
    assert [(await best(encoder, f"{topic} help"))[0] for topic in topics] == [a.id for a in made]
    # Another process's fresh cache reads them stored, two per statement here.
    monkeypatch.setattr(knowledge, "_READ_SLICE", 2)
    knowledge._vector_cache.clear()
    encoder.encoded.clear()
    # The last article first: the first call must read every slice, not only the first.
    asked = list(reversed(topics))
    assert [(await best(encoder, f"{topic} help"))[0] for topic in asked] == [a.id for a in reversed(made)]
    assert encoder.encoded == [f"{topic} help" for topic in asked]  # read, not encoded again
