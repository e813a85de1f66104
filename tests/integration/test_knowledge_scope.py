"""Suggestions are read again within the reader's scope: an article ranked while published,
then unpublished or made internal before it is read (encoding can take seconds), is not
handed to a visitor as it now is."""

from datetime import UTC, datetime

import pytest

from domain.models import Article
from domain.rules import knowledge as kb
from domain.rules.knowledge import ArticleStatus, ArticleVisibility, Ranked
from domain.services import knowledge


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
