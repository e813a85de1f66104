"""The knowledge base: check the caller, call the knowledge service, map to schema types."""

from functools import partial
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from domain.models import Ticket as TicketModel
from domain.rules import knowledge as rules
from domain.rules import validation
from domain.rules.access import Actor
from domain.services import knowledge
from domain.services.triage import ticket_text
from domain.triage.embedder import TextEncoder
from resolvers import pagination
from resolvers.context import Info
from resolvers.ids import parse_id, parse_optional_id
from schema.knowledge_types import (
    Article,
    ArticleConnection,
    ArticleEdge,
    ArticleFilter,
    ArticleInput,
    ArticleOrder,
    ArticleStatus,
    ArticleSuggestion,
)
from schema.types import PageInfo


async def _reader(info: Info) -> Actor | None:
    """The signed-in caller, or None for the public help center, which is then held to the
    per-address limit. A token that was sent but is invalid is refused, not read as anonymous:
    its owner needs to know."""
    ctx = info.context
    if ctx.actor is not None:
        return ctx.actor
    if ctx.bad_credentials:
        ctx.require_actor()
    services = ctx.services
    if services.counters is not None:
        await knowledge.check_anonymous_rate(
            counters=services.counters,
            client_address=ctx.client_host,
            scope=services.settings.queue_name if services.settings is not None else "",
            now=ctx.now(),
        )
    return None


async def _encoder(info: Info) -> TextEncoder | None:
    """The process's embedder when triage is on (loaded once, off the event loop); None falls
    back to text matching and never loads a model."""
    services = info.context.services
    if not services.triage_enabled or services.triage_models is None:
        return None
    encoder: TextEncoder = await services.triage_models.encoder()
    return encoder


async def article(info: Info, id: strawberry.ID) -> Article | None:
    actor = await _reader(info)
    return Article.from_model(await knowledge.get(actor=actor, article_id=parse_id(id, "id")))


async def articles(
    info: Info,
    filter: ArticleFilter | None = None,
    first: int | None = 20,
    after: str | None = None,
    order_by: ArticleOrder = ArticleOrder.UPDATED_AT_DESC,
) -> ArticleConnection:
    actor = await _reader(info)
    limit = validation.page_size(20 if first is None else first)
    query = knowledge.ArticleQuery()
    if filter is not None:
        query = knowledge.ArticleQuery(
            text=filter.text,
            product_id=parse_optional_id(filter.product_id, "filter.productId"),
            category_id=parse_optional_id(filter.category_id, "filter.categoryId"),
            statuses=[rules.ArticleStatus(s) for s in filter.status] if filter.status is not None else None,
            visibilities=[rules.ArticleVisibility(v) for v in filter.visibility]
            if filter.visibility is not None
            else None,
            tag=filter.tag,
        )
    rows = knowledge.listing(actor=actor, query=query)
    count_query = rows.count
    key = order_by.value  # the keyset orders of tickets: (timestamp, id) descending
    if after is not None:
        rows = rows.filter(pagination.after_filter(key, after))
    found = await rows.order_by(*pagination.order_by(key)).limit(limit + 1)
    page = found[:limit]
    cursor = partial(pagination.encode_cursor, key)
    return ArticleConnection(
        edges=[ArticleEdge(node=Article.from_model(r), cursor=cursor(r)) for r in page],
        page_info=PageInfo(has_next_page=len(found) > limit, end_cursor=cursor(page[-1]) if page else None),
        count_query=count_query,
    )


async def upsert_article(info: Info, input: ArticleInput) -> Article:
    ctx = info.context
    row = await knowledge.upsert(
        actor=ctx.require_actor(),
        article_id=parse_optional_id(input.id, "id"),
        data=knowledge.ArticleData(
            title=input.title,
            body=input.body,
            format=rules.ArticleFormat(input.format) if input.format is not None else None,
            visibility=rules.ArticleVisibility(input.visibility) if input.visibility is not None else None,
            product_id=parse_optional_id(input.product_id, "productId"),
            category_id=parse_optional_id(input.category_id, "categoryId"),
            tags=input.tags,
            status=rules.ArticleStatus(input.status) if input.status is not None else None,
        ),
        expected_version=input.expected_version,
        now=ctx.now(),
        encoder=await _encoder(info),
    )
    return Article.from_model(row)


async def set_article_status(
    info: Info, id: strawberry.ID, status: ArticleStatus, expected_version: int | None = None
) -> Article:
    ctx = info.context
    row = await knowledge.set_status(
        actor=ctx.require_actor(),
        article_id=parse_id(id, "id"),
        status=rules.ArticleStatus(status),
        expected_version=expected_version,
        now=ctx.now(),
    )
    return Article.from_model(row)


async def delete_article(info: Info, id: strawberry.ID, expected_version: int | None = None) -> bool:
    await knowledge.delete(
        actor=info.context.require_actor(), article_id=parse_id(id, "id"), expected_version=expected_version
    )
    return True


def _first(first: int) -> int:
    return validation.page_size(first, maximum=rules.SUGGESTIONS_MAX)


async def suggest_articles(
    info: Info, text: str, first: int | None = 5, product_id: strawberry.ID | None = None
) -> list[ArticleSuggestion]:
    actor = await _reader(info)
    query = knowledge.SuggestQuery(
        text=rules.clean_query(text),
        first=_first(5 if first is None else first),
        product_id=parse_optional_id(product_id, "productId"),
    )
    [found] = await knowledge.suggest(actor=actor, queries=[query], encoder=await _encoder(info))
    return [ArticleSuggestion.from_suggestion(s) for s in found]


# A page of tickets asking for suggestions shares one encode call and one read of the article
# vectors: the loader lives as long as the request. It is kept on the request's context under
# this name because the knowledge base brings it, not the core loaders.
_LOADER = "_article_suggestions"


async def _batch(info: Info, queries: list[knowledge.SuggestQuery]) -> list[list[knowledge.Suggestion]]:
    return await knowledge.suggest(actor=info.context.actor, queries=queries, encoder=await _encoder(info))


def _suggestion_loader(info: Info) -> "DataLoader[knowledge.SuggestQuery, list[knowledge.Suggestion]]":
    store: dict[str, Any] = vars(info.context)
    loader = store.get(_LOADER)
    if loader is None:
        loader = store[_LOADER] = DataLoader(partial(_batch, info))
    return loader  # type: ignore[no-any-return]


async def ticket_suggestions(info: Info, ticket: TicketModel, first: int) -> list[ArticleSuggestion]:
    """For a ticket the caller can already see: staff get published articles of either
    visibility, a customer (on their own ticket) published public ones."""
    info.context.require_actor()
    category = await info.context.loaders.categories.load(ticket.category_id) if ticket.category_id else None
    query = knowledge.SuggestQuery(
        text=ticket_text(ticket.subject, ticket.description),
        first=_first(first),
        product_id=ticket.product_id,
        category_id=ticket.category_id,
        parent_category_id=category.parent_id if category is not None else None,
    )
    found = await _suggestion_loader(info).load(query)
    return [ArticleSuggestion.from_suggestion(s) for s in found]
