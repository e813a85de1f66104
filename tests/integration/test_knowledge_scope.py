"""Suggestions are read again within the reader's scope: an article ranked while published,
then unpublished or made internal before it is read (encoding can take seconds), is not
handed to a visitor as it now is."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise import Tortoise

from domain.models import Article
from domain.rules import knowledge as kb
from domain.rules.knowledge import ArticleStatus, ArticleVisibility, Ranked
from domain.services import knowledge
from server.db import migrate, tortoise_config
from tests.backends import create_backend, drop_backend


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[None]:
    backend = create_backend(tmp_path)
    try:
        await migrate(backend.database_url)
        await Tortoise.init(config=tortoise_config(backend.database_url))
        yield
    finally:
        await Tortoise.close_connections()
        drop_backend(backend)


async def test_suggestions_are_read_again_within_the_scope(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    hidden = await Article.create(
        title="Engineering workaround", body="Internal only.", status=ArticleStatus.DRAFT,
        visibility=ArticleVisibility.INTERNAL, created_at=now, updated_at=now,
    )

    async def ranked_while_public(scope: kb.ReadScope, query: knowledge.SuggestQuery) -> list[Ranked]:
        return [Ranked(hidden.id, 0.9)]

    monkeypatch.setattr(knowledge, "_rank_by_text", ranked_while_public)
    suggestions = await knowledge.suggest(
        actor=None, queries=[knowledge.SuggestQuery("engineering workaround", 5)], encoder=None
    )
    assert suggestions == [[]]
