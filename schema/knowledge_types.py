"""The knowledge base: articles, their connection, suggestions, inputs and filters."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from domain import models
from domain.rules import knowledge as rules
from domain.services.knowledge import Suggestion
from resolvers.context import Info
from schema.types import Agent, Category, PageInfo, Product

if TYPE_CHECKING:
    from domain.rules.knowledge import ArticleFormat, ArticleStatus, ArticleVisibility, SuggestionMethod
else:
    ArticleStatus = strawberry.enum(
        rules.ArticleStatus,
        description="DRAFT (staff only), PUBLISHED, ARCHIVED (staff only). DRAFT -> PUBLISHED -> "
        "ARCHIVED, and back to DRAFT from either; an archived article is republished through DRAFT.",
    )
    ArticleVisibility = strawberry.enum(
        rules.ArticleVisibility,
        description="PUBLIC: customers and the help center (no token) read it once PUBLISHED. "
        "INTERNAL: staff only.",
    )
    ArticleFormat = strawberry.enum(
        rules.ArticleFormat, description="How to show the body; it is stored exactly as given."
    )
    SuggestionMethod = strawberry.enum(
        rules.SuggestionMethod,
        description="SEMANTIC: sentence-embedding similarity (triage on). TEXT: the text's words "
        "found in titles and bodies (triage off).",
    )


@strawberry.type(
    description="A knowledge-base article. Staff read every article; customers and visitors "
    "without a token read PUBLISHED PUBLIC ones."
)
class Article:
    id: strawberry.ID
    title: str
    body: str = strawberry.field(description="Plain text or Markdown (see format), exactly as saved.")
    format: ArticleFormat
    status: ArticleStatus
    visibility: ArticleVisibility
    tags: list[str] = strawberry.field(description="Lower case, sorted.")
    version: int = strawberry.field(
        description="Optimistic concurrency: pass it as expectedVersion to write only over this version."
    )
    published_at: datetime | None = strawberry.field(description="The last move to PUBLISHED.")
    created_at: datetime
    updated_at: datetime
    product_id: strawberry.Private[int | None]
    category_id: strawberry.Private[int | None]
    author_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Article) -> "Article":
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            body=row.body,
            format=row.format,
            status=row.status,
            visibility=row.visibility,
            tags=list(row.tags or []),
            version=row.version,
            published_at=row.published_at.astimezone(UTC) if row.published_at else None,
            created_at=row.created_at.astimezone(UTC),
            updated_at=row.updated_at.astimezone(UTC),
            product_id=row.product_id,
            category_id=row.category_id,
            author_id=row.author_id,
        )

    @strawberry.field(description="The product the article is about; null: any.")
    async def product(self, info: Info) -> Product | None:
        return await Product.load(info, self.product_id)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        return await Category.load(info, self.category_id)

    @strawberry.field(description="Who wrote it (the name; contact details are for staff).")
    async def author(self, info: Info) -> Agent | None:
        if self.author_id is None:
            return None
        row = await info.context.loaders.users.load(self.author_id)
        return Agent.from_model(row) if row else None


@strawberry.type
class ArticleEdge:
    node: Article
    cursor: str


@strawberry.type
class ArticleConnection:
    edges: list[ArticleEdge]
    page_info: PageInfo
    count_query: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Every article of the filter you may see, across all pages.")
    async def total_count(self) -> int:
        return await self.count_query()

    @strawberry.field
    def nodes(self) -> list[Article]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="An article that may answer a text, with how well it matches.")
class ArticleSuggestion:
    article: Article
    score: float = strawberry.field(
        description=f"Higher is better. SEMANTIC: cosine similarity ({rules.MIN_SIMILARITY} to 1), plus "
        f"{rules.CATEGORY_BONUS} for the ticket's own category. TEXT: the share of the text's words "
        f"found (a title word counts double), {rules.MIN_KEYWORD_SCORE} to 1, plus the same bonus."
    )
    method: SuggestionMethod

    @classmethod
    def from_suggestion(cls, found: Suggestion) -> "ArticleSuggestion":
        return cls(article=Article.from_model(found.article), score=found.score, method=found.method)


@strawberry.enum(description="Most recently updated first, or most recently created first.")
class ArticleOrder(Enum):
    UPDATED_AT_DESC = "UPDATED_AT_DESC"
    CREATED_AT_DESC = "CREATED_AT_DESC"


@strawberry.input(description="Every given condition must hold; a filter never widens what you may see.")
class ArticleFilter:
    text: str | None = strawberry.field(default=None, description="In the title or body (case-insensitive).")
    product_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = None
    status: list[ArticleStatus] | None = strawberry.field(default=None, description="Any of these.")
    visibility: list[ArticleVisibility] | None = strawberry.field(default=None, description="Any of these.")
    tag: str | None = strawberry.field(default=None, description="Articles carrying this tag.")


@strawberry.input(
    description="A new article (no id) or the whole of an existing one (status, format and "
    "visibility kept when omitted). Admins and supervisors write any article; agents create and "
    "edit drafts."
)
class ArticleInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new article.")
    title: str = strawberry.field(description="At most 200 characters.")
    body: str = strawberry.field(
        description="Plain text or Markdown, stored as given (at most 100,000 characters)."
    )
    format: ArticleFormat | None = strawberry.field(
        default=None, description="Omitted: MARKDOWN for a new article, unchanged for an existing one."
    )
    visibility: ArticleVisibility | None = strawberry.field(
        default=None,
        description="Omitted: PUBLIC for a new article, unchanged for an existing one (an edit never "
        "makes an internal article public unless it says so).",
    )
    product_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = None
    tags: list[str] = strawberry.field(default_factory=list, description="At most 20, 40 characters each.")
    status: ArticleStatus | None = strawberry.field(
        default=None, description="Omitted: DRAFT for a new article, unchanged for an existing one."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="An existing article's version you read: a newer one is a CONFLICT."
    )
