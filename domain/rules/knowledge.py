"""The knowledge base: who may read and write articles, how their status moves, how tags and
search terms are cleaned, and how suggestions are scored and ranked. Pure: no database, no
clock, no model; vectors come in as numpy arrays already computed.

Decisions, and why:

- Readers. Staff read everything (they need drafts to review and internal articles to
  answer with). Customers and anonymous visitors read PUBLISHED PUBLIC articles only: a
  public help center is read before anyone signs in, and what it shows is already public.
  Reporters read KPIs, not content.
- Writers. Admins and supervisors write anything. Agents write drafts: they learn the answers
  first-hand while solving tickets, so they capture them, but only a manager publishes,
  archives, edits a live article or deletes (the review gate before customers read it).
- Status. DRAFT -> PUBLISHED -> ARCHIVED, back to DRAFT from either to rework it. An archived
  article is outdated by definition: it goes through DRAFT (review) before it is published
  again. A PUBLISHED article is archived before it can be deleted, so a link customers
  follow never vanishes by one stray click.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from domain.enums import MANAGER_ROLES, STAFF_ROLES, Role
from domain.errors import BadUserInput, Conflict, Forbidden
from domain.rules import validation

TITLE_MAX = 200
BODY_MAX = 100_000  # a how-to with screenshots' alt texts and code runs far past a reply
TAG_MAX = 40
MAX_TAGS = 20
# A ticket's subject and description (suggestions for a ticket) are the longest query.
QUERY_MAX = validation.SUBJECT_MAX + 1 + validation.DESCRIPTION_MAX
SUGGESTIONS_MAX = 20
# The help center without a token: requests per minute per client address (articles, article,
# suggestArticles). Suggestions run the encoder, so this is far below the API's general limit.
ANONYMOUS_PER_MINUTE = 60
ANONYMOUS_WINDOW_SECONDS = 60

# The title is an article's densest summary; the shared embedder reads only the first window
# of a long text, so the title's own vector is mixed in at this weight.
TITLE_WEIGHT = 0.3
# Cosine similarity of all-MiniLM-L6-v2 below which an article is unrelated to the text
# (unrelated sentences score about 0 to 0.2, paraphrases 0.5 and above).
MIN_SIMILARITY = 0.3
# An article of the ticket's own category is a little more likely to be the answer.
CATEGORY_BONUS = 0.05
# Text matching: a term in the title counts twice what a term in the body does.
TITLE_HIT = 2.0
BODY_HIT = 1.0
MAX_TERMS = 12
MIN_TERM_LENGTH = 3
# Below this share of the query's words an article is no text match (one title hit of ten).
MIN_KEYWORD_SCORE = 0.1


class ArticleStatus(str, Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class ArticleVisibility(str, Enum):
    PUBLIC = "PUBLIC"  # customers and the public help center, once published
    INTERNAL = "INTERNAL"  # staff only, whatever the status


class ArticleFormat(str, Enum):
    """How the body is meant to be shown; it is stored as given either way."""

    PLAIN_TEXT = "PLAIN_TEXT"
    MARKDOWN = "MARKDOWN"


class SuggestionMethod(str, Enum):
    SEMANTIC = "SEMANTIC"  # cosine similarity of sentence embeddings
    TEXT = "TEXT"  # words of the text found in the title and body (triage off)


A = ArticleStatus
ALLOWED_TRANSITIONS: frozenset[tuple[ArticleStatus, ArticleStatus]] = frozenset(
    {
        (A.DRAFT, A.PUBLISHED),
        (A.DRAFT, A.ARCHIVED),
        (A.PUBLISHED, A.DRAFT),  # unpublish to rework
        (A.PUBLISHED, A.ARCHIVED),
        (A.ARCHIVED, A.DRAFT),  # restore, reviewed again before it is published
    }
)


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadScope:
    """Which articles a reader sees: statuses and visibilities (both must match)."""

    statuses: frozenset[ArticleStatus]
    visibilities: frozenset[ArticleVisibility]

    def allows(self, status: ArticleStatus, visibility: ArticleVisibility) -> bool:
        return status in self.statuses and visibility in self.visibilities


EVERYTHING = ReadScope(frozenset(ArticleStatus), frozenset(ArticleVisibility))
HELP_CENTER = ReadScope(frozenset({A.PUBLISHED}), frozenset({ArticleVisibility.PUBLIC}))


def read_scope(role: Role | None) -> ReadScope:
    """`role` None: an anonymous visitor of the help center."""
    if role in STAFF_ROLES:
        return EVERYTHING
    if role is None or role is Role.CUSTOMER:
        return HELP_CENTER
    raise Forbidden("Reporters read KPIs, not knowledge-base articles.")


def suggestion_scope(role: Role | None) -> ReadScope:
    """Suggestions offer published articles only: a draft is unreviewed and an archived one
    outdated, for agents as much as for customers."""
    scope = read_scope(role)
    return ReadScope(scope.statuses & {A.PUBLISHED}, scope.visibilities)


def narrow(
    scope: ReadScope,
    statuses: Iterable[ArticleStatus] | None,
    visibilities: Iterable[ArticleVisibility] | None,
) -> ReadScope:
    """A filter can only narrow what the reader may see, never widen it."""
    return ReadScope(
        scope.statuses & frozenset(statuses) if statuses is not None else scope.statuses,
        scope.visibilities & frozenset(visibilities) if visibilities is not None else scope.visibilities,
    )


# --- writing ----------------------------------------------------------------------------


def can_transition(current: ArticleStatus, target: ArticleStatus) -> bool:
    return (current, target) in ALLOWED_TRANSITIONS


def check_transition(current: ArticleStatus, target: ArticleStatus) -> None:
    if current is not target and not can_transition(current, target):
        raise Conflict(
            f"An article cannot go from {current.value} to {target.value}"
            + (" (restore it as a DRAFT first)." if current is A.ARCHIVED else "."),
            field="status",
        )


def check_writer(role: Role, target: ArticleStatus) -> None:
    """May `role` save an article as `target` at all? FORBIDDEN otherwise. Checked before
    the article is read or the input validated: who may not write learns nothing else."""
    if role not in STAFF_ROLES:
        raise Forbidden("Only staff write knowledge-base articles.")
    if role not in MANAGER_ROLES and target is not A.DRAFT:
        raise Forbidden("Only admins and supervisors publish or archive articles; agents write drafts.")


def check_write(role: Role, current: ArticleStatus | None, target: ArticleStatus) -> None:
    """May `role` save an article now at `current` (None: a new one) as `target`? Raises
    FORBIDDEN for the role, CONFLICT for a move the status table does not allow."""
    if role in STAFF_ROLES - MANAGER_ROLES and current is not None and current is not A.DRAFT:
        raise Forbidden(f"Only admins and supervisors edit a {current.value} article; agents edit drafts.")
    check_writer(role, target)
    if current is not None:
        check_transition(current, target)


def check_delete(role: Role, current: ArticleStatus) -> None:
    if role not in MANAGER_ROLES:
        raise Forbidden("Only admins and supervisors delete articles.")
    if current is A.PUBLISHED:
        raise Conflict("A published article is archived before it is deleted.", field="id")


# --- input ------------------------------------------------------------------------------


def clean_title(value: str) -> str:
    return validation.text(value, field="title", max_length=TITLE_MAX)


def clean_body(value: str) -> str:
    """Stored as given: leading spaces start a Markdown code block and trailing ones break a
    line, so nothing is trimmed. It must say something, though."""
    body = validation.storable(value, field="body")
    if not body.strip():
        raise BadUserInput("body must not be empty.", field="body")
    if len(body) > BODY_MAX:
        raise BadUserInput(f"body must be at most {BODY_MAX} characters.", field="body")
    return body


_SPACES = re.compile(r"\s+")


def clean_tags(values: Sequence[str], *, field: str = "tags") -> list[str]:
    """Lower case, inner spaces collapsed, duplicates dropped, sorted: "Billing " and
    "billing" are one tag. '|' and ',' separate tags in storage and in clients' inputs."""
    if len(values) > MAX_TAGS:
        raise BadUserInput(f"An article has at most {MAX_TAGS} tags.", field=field)
    return sorted({clean_tag(v, field=field) for v in values})


def clean_tag(value: str, *, field: str = "tag") -> str:
    """NFKC first: "café" typed as e + combining accent, or "billing" in full-width letters,
    is the same tag as its usual spelling (and a full-width vertical line is a '|')."""
    normal = unicodedata.normalize("NFKC", validation.storable(value, field=field))
    tag = unicodedata.normalize("NFKC", _SPACES.sub(" ", normal).strip().lower())
    if not tag:
        raise BadUserInput("A tag must not be empty.", field=field)
    if len(tag) > TAG_MAX:
        raise BadUserInput(f"A tag is at most {TAG_MAX} characters.", field=field)
    if "|" in tag or "," in tag:
        raise BadUserInput("A tag cannot contain '|' or ','.", field=field)
    return tag


def tag_index(tags: Iterable[str]) -> str:
    """The tags as one searchable text, "|billing|refunds|": a filter for one tag is a
    substring match on "|tag|", the same on SQLite and PostgreSQL."""
    cleaned = sorted(set(tags))
    return "|" + "|".join(cleaned) + "|" if cleaned else ""


def tag_needle(tag: str) -> str:
    return f"|{tag}|"


def clean_query(value: str, *, field: str = "text") -> str:
    return validation.text(value, field=field, max_length=QUERY_MAX)


# --- suggestions ------------------------------------------------------------------------

Vector = npt.NDArray[np.float32]

# Words that carry no topic: they would match every article.
STOPWORDS = frozenset(
    {
        "about",
        "after",
        "again",
        "also",
        "and",
        "any",
        "are",
        "because",
        "been",
        "before",
        "but",
        "can",
        "cannot",
        "could",
        "did",
        "does",
        "doing",
        "don",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "her",
        "here",
        "him",
        "his",
        "how",
        "into",
        "its",
        "just",
        "let",
        "like",
        "made",
        "make",
        "many",
        "may",
        "more",
        "most",
        "much",
        "must",
        "not",
        "now",
        "off",
        "once",
        "only",
        "other",
        "our",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "some",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "too",
        "under",
        "until",
        "very",
        "was",
        "way",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "since",
        "every",
        "each",
        "even",
        "ever",
        "thank",
        "thanks",
        "hello",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def stem(word: str) -> str:
    """A crude English stem, the same on both sides of a match, so "resetting", "reset",
    "invoices" and "invoice", "charged" and "charge" meet. Consistency matters, not grammar."""
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if suffix == "s" and word.endswith("ss"):
            break  # "access", "class": no plural to strip
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_TERM_LENGTH:
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > MIN_TERM_LENGTH and word.endswith("e"):
        word = word[:-1]
    if (
        len(word) > MIN_TERM_LENGTH
        and word[-1] == word[-2]
        and word[-1].isalpha()
        and word[-1] not in "aeiouls"
    ):
        word = word[:-1]  # "resett" (from "resetting") -> "reset"
    return word


def _stems(text: str) -> frozenset[str]:
    # Each distinct word stemmed once: an article's body repeats its words many times over.
    return frozenset(stem(w) for w in set(_WORD.findall(text.lower())))


@dataclass(frozen=True)
class ArticleStems:
    """The stems of an article's title and body, computed once and scored against many texts."""

    title: frozenset[str]
    body: frozenset[str]


def article_stems(title: str, body: str) -> ArticleStems:
    return ArticleStems(_stems(title), _stems(body))


def terms(text: str) -> list[str]:
    """The stems of a text's words worth matching, in order of first appearance, at most
    MAX_TERMS (a ticket's opening lines say what it is about)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) < MIN_TERM_LENGTH or word in STOPWORDS:
            continue
        seen.setdefault(stem(word), None)
        if len(seen) == MAX_TERMS:
            break
    return list(seen)


def keyword_score(query_terms: Sequence[str], title: str, body: str) -> float:
    """0 to 1: how much of the query the article holds, a title hit worth TITLE_HIT."""
    if not query_terms:
        return 0.0
    return stems_score(query_terms, article_stems(title, body))


def stems_score(query_terms: Sequence[str], article: ArticleStems) -> float:
    """keyword_score of an article whose stems are already known."""
    if not query_terms:
        return 0.0
    total = 0.0
    for term in query_terms:
        if term in article.title:
            total += TITLE_HIT
        elif term in article.body:
            total += BODY_HIT
    return total / (TITLE_HIT * len(query_terms))


def article_text(title: str, body: str) -> str:
    # Title first: the embedder reads the first window of a long text.
    return f"{title.strip()}\n{body.strip()}"


def article_vector(title_vector: Vector, text_vector: Vector, title_weight: float = TITLE_WEIGHT) -> Vector:
    """The title's vector mixed into the whole text's, renormalised to unit length."""
    mixed = title_weight * np.asarray(title_vector, np.float32) + (1.0 - title_weight) * np.asarray(
        text_vector, np.float32
    )
    norm = float(np.linalg.norm(mixed))
    return (mixed / max(norm, 1e-12)).astype(np.float32)


def cosine_scores(query: Vector, vectors: Vector) -> npt.NDArray[np.float32]:
    """Vectors are unit length (the embedder normalises), so cosine is the dot product."""
    if vectors.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    return np.asarray(vectors @ np.asarray(query, np.float32), dtype=np.float32)


@dataclass(frozen=True)
class Candidate:
    """An article as ranking sees it: its similarity to the text, and its links."""

    article_id: int
    similarity: float
    product_id: int | None = None
    category_id: int | None = None


@dataclass(frozen=True)
class Ranked:
    article_id: int
    score: float


def product_fits(article_product_id: int | None, product_id: int | None) -> bool:
    """An article about another product is no answer; one about no product may be."""
    return article_product_id is None or product_id is None or article_product_id == product_id


def _fits_category(article_category_id: int | None, category_ids: set[int | None]) -> bool:
    return article_category_id is not None and article_category_id in category_ids


def rank(
    candidates: Iterable[Candidate],
    *,
    first: int,
    minimum: float,
    product_id: int | None = None,
    category_id: int | None = None,
    parent_category_id: int | None = None,
) -> list[Ranked]:
    """The best `first` candidates at or above `minimum` similarity, fitting the product,
    those of `category_id` (or of its parent: an article on Billing serves a Refunds ticket)
    raised by CATEGORY_BONUS. Ties go to the older article (lower id), so the order is stable
    from one call to the next."""
    fitting = {category_id, parent_category_id}
    scored = [
        Ranked(c.article_id,
               c.similarity + (CATEGORY_BONUS if _fits_category(c.category_id, fitting) else 0.0))
        for c in candidates
        if c.similarity >= minimum and product_fits(c.product_id, product_id)
    ]
    scored.sort(key=lambda r: (-r.score, r.article_id))
    return scored[: max(first, 0)]
