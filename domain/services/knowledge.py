"""The knowledge base's use cases: read articles within the reader's scope, write them with
optimistic concurrency, move their status, delete, and suggest articles for a text.

Suggestions use the process's sentence embedder when the caller passes one (triage on): an
article's vector is stored with the embedder's fingerprint when it is saved, and articles
saved without one (triage off, the demo load) or by another model are encoded on the next
suggestion and cached, as category examples are. Without an encoder they fall back to
matching the text's words in titles and bodies.
"""

import asyncio
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

import numpy as np
from tortoise import connections
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.enums import Role
from domain.errors import BadUserInput, Conflict, NotFound, RateLimited
from domain.models import Article, Category, Product
from domain.recently_used import RecentlyUsed
from domain.rules import knowledge as rules
from domain.rules.access import Actor
from domain.rules.knowledge import ArticleFormat, ArticleStatus, ArticleVisibility, ReadScope
from domain.rules.rate_limit import client_identity, retry_after, window_at
from domain.services.intake import Counters
from domain.services.triage_models import fingerprint_of
from domain.triage.embedder import DIMENSION, TextEncoder, Vector

# The text path scores at most this many prefiltered articles per query (the newest first).
TEXT_CANDIDATES = 200


def _role(actor: Actor | None) -> Role | None:
    return actor.role if actor is not None else None


def _scoped(scope: ReadScope) -> QuerySet[Article]:
    return Article.filter(status__in=list(scope.statuses), visibility__in=list(scope.visibilities))


# --- reading ----------------------------------------------------------------------------


async def get(*, actor: Actor | None, article_id: int) -> Article:
    """An article the reader may not see is NOT_FOUND, as a ticket is: a customer learns
    nothing of drafts or internal articles by probing ids."""
    scope = rules.read_scope(_role(actor))
    row = await Article.get_or_none(id=article_id)
    if row is None or not scope.allows(row.status, row.visibility):
        raise NotFound("No article with that id.", field="id")
    return row


@dataclass(frozen=True)
class ArticleQuery:
    text: str | None = None
    product_id: int | None = None
    category_id: int | None = None
    statuses: Sequence[ArticleStatus] | None = None
    visibilities: Sequence[ArticleVisibility] | None = None
    tag: str | None = None


def listing(*, actor: Actor | None, query: ArticleQuery) -> QuerySet[Article]:
    """The articles the reader may see that match the filter (not yet ordered or paged)."""
    scope = rules.narrow(rules.read_scope(_role(actor)), query.statuses, query.visibilities)
    rows = _scoped(scope)
    if query.product_id is not None:
        rows = rows.filter(product_id=query.product_id)
    if query.category_id is not None:
        # A parent category's articles include its subcategories'.
        subcategories = Subquery(Category.filter(parent_id=query.category_id).values("id"))
        rows = rows.filter(Q(category_id=query.category_id) | Q(category_id__in=subcategories))
    if query.tag is not None:
        tag = rules.clean_tag(query.tag, field="filter.tag")
        rows = rows.filter(tag_index__contains=rules.tag_needle(tag))
    if query.text is not None:
        text = rules.clean_query(query.text, field="filter.text")
        rows = rows.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return rows


# --- writing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleData:
    """An article as the writer gives it. `status`, `format` and `visibility` None keep the
    article's own (for a new one: DRAFT, MARKDOWN, PUBLIC): an edit that leaves visibility out
    never turns an internal article public."""

    title: str
    body: str
    format: ArticleFormat | None = None
    visibility: ArticleVisibility | None = None
    product_id: int | None = None
    category_id: int | None = None
    tags: Sequence[str] = ()
    status: ArticleStatus | None = None


@dataclass(frozen=True)
class _Clean:
    title: str
    body: str
    tags: list[str]


async def _clean(data: ArticleData) -> _Clean:
    title = rules.clean_title(data.title)
    body = rules.clean_body(data.body)
    tags = rules.clean_tags(data.tags)
    if data.product_id is not None and not await Product.exists(id=data.product_id):
        raise BadUserInput("No product with that id.", field="productId")
    if data.category_id is not None and not await Category.exists(id=data.category_id):
        raise BadUserInput("No category with that id.", field="categoryId")
    return _Clean(title, body, tags)


async def _embed(encoder: TextEncoder, pairs: Sequence[tuple[str, str]]) -> list[Vector]:
    """Each (title, body)'s vector: one encode call for all titles and texts, off the event
    loop (encoding takes milliseconds per text of CPU)."""
    if not pairs:
        return []
    texts = [title for title, _ in pairs] + [rules.article_text(title, body) for title, body in pairs]
    encoded: Vector = await asyncio.to_thread(encoder.encode, texts)
    count = len(pairs)
    return [rules.article_vector(encoded[i], encoded[count + i]) for i in range(count)]


async def upsert(
    *,
    actor: Actor,
    article_id: int | None,
    data: ArticleData,
    expected_version: int | None,
    now: datetime,
    encoder: TextEncoder | None,
) -> Article:
    """Creates (`article_id` None) or replaces an article. With `expected_version` a stale
    write is a CONFLICT; without it the last writer wins, never half of each."""
    target_for_new = data.status or ArticleStatus.DRAFT
    rules.check_writer(actor.role, target_for_new)
    clean = await _clean(data)
    vector: Vector | None = None
    if encoder is not None:
        [vector] = await _embed(encoder, [(clean.title, clean.body)])
    embedding: dict[str, Any] = {
        "embedding": vector.tobytes() if vector is not None else None,
        "embedding_model": fingerprint_of(encoder) if vector is not None and encoder is not None else None,
    }
    fields: dict[str, Any] = {
        "title": clean.title,
        "body": clean.body,
        "product_id": data.product_id,
        "category_id": data.category_id,
        "tags": clean.tags,
        "tag_index": rules.tag_index(clean.tags),
    }
    if article_id is None:
        rules.check_write(actor.role, None, target_for_new)
        return await Article.create(
            **fields,
            **embedding,
            format=data.format or ArticleFormat.MARKDOWN,
            visibility=data.visibility or ArticleVisibility.PUBLIC,
            status=target_for_new,
            author_id=actor.user_id,
            version=1,
            published_at=now if target_for_new is ArticleStatus.PUBLISHED else None,
            created_at=now,
            updated_at=now,
        )

    async with in_transaction():
        row = await _locked(article_id, expected_version)
        target = data.status or row.status
        rules.check_write(actor.role, row.status, target)
        updates: dict[str, Any] = {
            **fields,
            "format": data.format or row.format,
            "visibility": data.visibility or row.visibility,
            "status": target,
        }
        if vector is not None:
            updates.update(embedding)
        elif (clean.title, clean.body) != (row.title, row.body):
            updates.update(embedding)  # the stored vector describes the old text: forget it
        if target is ArticleStatus.PUBLISHED and row.status is not ArticleStatus.PUBLISHED:
            updates["published_at"] = now
        return await _write(row, updates, now)


async def set_status(
    *, actor: Actor, article_id: int, status: ArticleStatus, expected_version: int | None, now: datetime
) -> Article:
    rules.check_writer(actor.role, status)
    async with in_transaction():
        row = await _locked(article_id, expected_version)
        rules.check_write(actor.role, row.status, status)
        if row.status is status:
            return row  # already there: nothing changes, so no new version
        updates: dict[str, Any] = {"status": status}
        if status is ArticleStatus.PUBLISHED:
            updates["published_at"] = now
        return await _write(row, updates, now)


async def delete(*, actor: Actor, article_id: int, expected_version: int | None) -> None:
    rules.check_delete(actor.role, ArticleStatus.DRAFT)
    async with in_transaction():
        row = await _locked(article_id, expected_version)
        rules.check_delete(actor.role, row.status)
        await Article.filter(id=row.id).delete()


async def _locked(article_id: int, expected_version: int | None) -> Article:
    # The row lock queues concurrent writers on PostgreSQL (SQLite serialises transactions).
    row = await Article.filter(id=article_id).select_for_update().first()
    if row is None:
        raise NotFound("No article with that id.", field="id")
    if expected_version is not None and row.version != expected_version:
        raise Conflict(
            f"The article changed since version {expected_version}; it is now at version "
            f"{row.version}. Reload and try again.",
            field="expectedVersion",
        )
    return row


async def _write(row: Article, updates: dict[str, Any], now: datetime) -> Article:
    written = await Article.filter(id=row.id, version=row.version).update(
        **updates, version=row.version + 1, updated_at=now
    )
    if not written:
        raise Conflict(
            "The article was changed by someone else at the same moment. Reload and try again.",
            field="expectedVersion",
        )
    for name, value in updates.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = now
    return row


# --- the help center's rate limit -------------------------------------------------------


async def check_anonymous_rate(*, counters: Counters, client_address: str, scope: str, now: datetime) -> None:
    """Anonymous readers count per client address (as the web form's do); signed-in callers
    are held by the API's per-token limit instead. `scope` keeps desks sharing a Redis apart."""
    moment = now.timestamp()
    window = window_at(moment, rules.ANONYMOUS_WINDOW_SECONDS)
    identity = f"kb:{scope}:address:{client_identity(client_address)}"
    count = await counters.hit(identity, window.index, rules.ANONYMOUS_WINDOW_SECONDS)
    wait = retry_after(count, limit=rules.ANONYMOUS_PER_MINUTE, window=window, now_seconds=moment)
    if wait is not None:
        raise RateLimited(
            f"Too many help-center requests; try again in {wait:.0f} s.", retry_after_seconds=wait
        )


# --- suggestions ------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestQuery:
    """What to find articles for: a text (a ticket's subject and description, or what a
    visitor typed), optionally the ticket's product and category."""

    text: str
    first: int
    product_id: int | None = None
    category_id: int | None = None
    parent_category_id: int | None = None  # the category's parent: its articles fit too


@dataclass(frozen=True)
class Suggestion:
    article: Article
    score: float
    method: rules.SuggestionMethod


async def suggest(
    *, actor: Actor | None, queries: Sequence[SuggestQuery], encoder: TextEncoder | None
) -> list[list[Suggestion]]:
    """Each query's best published articles within the reader's scope, best first. Many
    queries (a page of tickets) share one encode call and one read of the article vectors."""
    scope = rules.suggestion_scope(_role(actor))
    for query in queries:
        rules.clean_query(query.text)
    if not queries:
        return []
    if encoder is None:
        ranked = [await _rank_by_text(scope, q) for q in queries]
        method = rules.SuggestionMethod.TEXT
    else:
        ranked = await _rank_by_embedding(scope, queries, encoder)
        method = rules.SuggestionMethod.SEMANTIC
    wanted = {r.article_id for found in ranked for r in found}
    # Read within the scope again: an article unpublished, archived or made internal since it
    # was ranked (encoding can take seconds) is left out, not shown as it now is.
    rows = {a.id: a for a in await _scoped(scope).filter(id__in=list(wanted))} if wanted else {}
    return [
        [Suggestion(rows[r.article_id], round(r.score, 4), method) for r in found if r.article_id in rows]
        for found in ranked
    ]


async def _rank_by_text(scope: ReadScope, query: SuggestQuery) -> list[rules.Ranked]:
    query_terms = rules.terms(query.text)
    if not query_terms or query.first == 0:
        return []
    match = reduce(operator.or_, (Q(title__icontains=t) | Q(body__icontains=t) for t in query_terms))
    rows = (
        await _scoped(scope)
        .filter(match)
        .order_by("-updated_at", "-id")
        .limit(TEXT_CANDIDATES)
        .values("id", "version", "updated_at", "title", "body", "product_id", "category_id")
    )
    # Stemming up to TEXT_CANDIDATES bodies of up to BODY_MAX characters is CPU work of
    # seconds: off the event loop, and each article's stems kept for the next query.
    candidates = await asyncio.to_thread(_text_candidates, query_terms, rows)
    return rules.rank(
        candidates,
        first=query.first,
        minimum=rules.MIN_KEYWORD_SCORE,
        product_id=query.product_id,
        category_id=query.category_id,
        parent_category_id=query.parent_category_id,
    )


# The stems of recently scored articles, by (id, version, updated_at): an edit bumps the
# version, and a row recreated under a reused id has another updated_at.
_stems_cache: RecentlyUsed[tuple[int, int, Any], rules.ArticleStems] = RecentlyUsed(2 * TEXT_CANDIDATES)


def _article_stems(row: dict[str, Any]) -> rules.ArticleStems:
    key = (row["id"], row["version"], row["updated_at"])
    found = _stems_cache.get(key)
    if found is None:
        found = rules.article_stems(row["title"], row["body"])
        _stems_cache.put(key, found)
    return found


def _text_candidates(query_terms: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[rules.Candidate]:
    return [
        rules.Candidate(
            row["id"],
            rules.stems_score(query_terms, _article_stems(row)),
            row["product_id"],
            row["category_id"],
        )
        for row in rows
    ]


async def _rank_by_embedding(
    scope: ReadScope, queries: Sequence[SuggestQuery], encoder: TextEncoder
) -> list[list[rules.Ranked]]:
    ids, products, categories, matrix = await _article_vectors(scope, encoder)
    query_vectors: Vector = await asyncio.to_thread(encoder.encode, [q.text for q in queries])
    results = []
    for query, query_vector in zip(queries, query_vectors, strict=True):
        similarities = rules.cosine_scores(query_vector, matrix)
        # Only articles that can rank become candidates: with thousands of articles, making
        # an object of each one per question cost more than everything else in the call.
        candidates = [
            rules.Candidate(ids[i], float(similarities[i]), products[i], categories[i])
            for i in np.flatnonzero(similarities >= rules.MIN_SIMILARITY)
        ]
        results.append(
            rules.rank(
                candidates,
                first=query.first,
                minimum=rules.MIN_SIMILARITY,
                product_id=query.product_id,
                category_id=query.category_id,
                parent_category_id=query.parent_category_id,
            )
        )
    return results


# Every suggestion needs every suggestible article's vector. They are kept per process by
# what identifies a row's text, (id, version, updated_at), and the embedder's fingerprint;
# each call reads those keys afresh, so an edit made by any process is a new key here. At
# 5,000 articles, reading the vectors themselves on every call cost more than encoding the
# question. 20,000 vectors are 30 MB; a larger knowledge base reads the rest every time.
_VECTORS_KEPT = 20_000
_READ_SLICE = 1_000
_VectorKey = tuple[int, int, Any, str]
_vector_cache: RecentlyUsed[_VectorKey, Vector] = RecentlyUsed(_VECTORS_KEPT)


async def _article_vectors(
    scope: ReadScope, encoder: TextEncoder
) -> tuple[list[int], list[int | None], list[int | None], Vector]:
    """Every suggestible article's vector, encoding (and storing) those without a current one."""
    fingerprint = fingerprint_of(encoder)
    columns = ("id", "version", "updated_at", "product_id", "category_id")
    query = _scoped(scope).order_by("id").values_list(*columns)
    # The rows as the driver returns them: keys are only compared, and turning thousands of
    # timestamps into aware datetimes (values_list) took longer than the query itself.
    _, rows = await connections.get("default").execute_query(query.sql(params_inline=True))
    keys: list[_VectorKey] = [(row[0], row[1], row[2], fingerprint) for row in rows]
    matrix = np.zeros((len(rows), DIMENSION), dtype=np.float32)
    missing: dict[int, tuple[int, _VectorKey]] = {}  # article id -> its row in the matrix, its key
    for position, (key, vector) in enumerate(zip(keys, _vector_cache.get_many(keys), strict=True)):
        if vector is None:
            missing[key[0]] = (position, key)
        else:
            matrix[position] = vector
    if missing:
        await _read_vectors(missing, matrix, encoder, fingerprint)
    return [row[0] for row in rows], [row[3] for row in rows], [row[4] for row in rows], matrix


async def _read_vectors(
    missing: dict[int, tuple[int, _VectorKey]], matrix: Vector, encoder: TextEncoder, fingerprint: str
) -> None:
    """Fills the missing articles' rows of `matrix` from their stored vectors, encoding and
    storing those stored without one or by another model. An article deleted meanwhile is
    left at zero; one edited meanwhile gets its new text's vector, which is not kept under
    the key read before the edit."""
    wanted = list(missing)
    stored = []
    # In slices: drivers cap the parameters of one statement (asyncpg at 32,767).
    for start in range(0, len(wanted), _READ_SLICE):
        stored += await Article.filter(id__in=wanted[start : start + _READ_SLICE]).values(
            "id", "version", "embedding", "embedding_model", "title", "body"
        )
    kept: list[tuple[_VectorKey | None, Vector]] = []
    stale = []
    for row in stored:
        if row["embedding"] is None or row["embedding_model"] != fingerprint:
            stale.append(row)
            continue
        vector = np.frombuffer(row["embedding"], dtype=np.float32)
        kept.append(_place(missing[row["id"]], row["version"], vector, matrix))
    vectors = await _embed(encoder, [(row["title"], row["body"]) for row in stale])
    for row, vector in zip(stale, vectors, strict=True):
        kept.append(_place(missing[row["id"]], row["version"], vector, matrix))
        # Stored only for the version it was made from: an edit meanwhile keeps its own.
        await Article.filter(id=row["id"], version=row["version"]).update(
            embedding=vector.tobytes(), embedding_model=fingerprint
        )
    _vector_cache.put_many((key, vector) for key, vector in kept if key is not None)


def _place(
    where: tuple[int, _VectorKey], version: int, vector: Vector, matrix: Vector
) -> tuple[_VectorKey | None, Vector]:
    """Puts vector in its row of the matrix; returns its cache key if it is of the version
    keyed, else None."""
    position, key = where
    matrix[position] = vector
    return (key if key[1] == version else None), vector
