"""The knowledge base's pure rules: readers, writers, status moves, input, text matching and
ranking. Table-driven."""

import numpy as np
import pytest

from domain.enums import Role
from domain.errors import BadUserInput, Conflict, DomainError, Forbidden
from domain.rules import knowledge as kb
from domain.rules.knowledge import ArticleStatus as S
from domain.rules.knowledge import ArticleVisibility as V
from domain.rules.knowledge import Candidate, Ranked

R = Role

# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "visibility", "sees"),
    [
        (R.ADMIN, S.DRAFT, V.INTERNAL, True),
        (R.SUPERVISOR, S.ARCHIVED, V.PUBLIC, True),
        (R.AGENT, S.DRAFT, V.PUBLIC, True),
        (R.AGENT, S.PUBLISHED, V.INTERNAL, True),
        (R.CUSTOMER, S.PUBLISHED, V.PUBLIC, True),
        (R.CUSTOMER, S.DRAFT, V.PUBLIC, False),
        (R.CUSTOMER, S.ARCHIVED, V.PUBLIC, False),
        (R.CUSTOMER, S.PUBLISHED, V.INTERNAL, False),
        (None, S.PUBLISHED, V.PUBLIC, True),
        (None, S.PUBLISHED, V.INTERNAL, False),
        (None, S.DRAFT, V.PUBLIC, False),
    ],
)
def test_who_reads_what(role: Role | None, status: S, visibility: V, sees: bool) -> None:
    assert kb.read_scope(role).allows(status, visibility) is sees


def test_reporters_read_no_articles() -> None:
    with pytest.raises(Forbidden):
        kb.read_scope(R.REPORTER)
    with pytest.raises(Forbidden):
        kb.suggestion_scope(R.REPORTER)


@pytest.mark.parametrize(
    ("role", "statuses", "visibilities"),
    [
        (R.AGENT, {S.PUBLISHED}, {V.PUBLIC, V.INTERNAL}),
        (R.ADMIN, {S.PUBLISHED}, {V.PUBLIC, V.INTERNAL}),
        (R.CUSTOMER, {S.PUBLISHED}, {V.PUBLIC}),
        (None, {S.PUBLISHED}, {V.PUBLIC}),
    ],
)
def test_suggestions_offer_published_articles_only(
    role: Role | None, statuses: set[S], visibilities: set[V]
) -> None:
    scope = kb.suggestion_scope(role)
    assert (set(scope.statuses), set(scope.visibilities)) == (statuses, visibilities)


@pytest.mark.parametrize(
    ("role", "statuses", "visibilities", "expected_statuses", "expected_visibilities"),
    [
        (R.AGENT, None, None, set(S), set(V)),
        (R.AGENT, [S.DRAFT], [V.INTERNAL], {S.DRAFT}, {V.INTERNAL}),
        # A filter never widens: a customer asking for drafts or internal articles gets none.
        (R.CUSTOMER, [S.DRAFT, S.PUBLISHED], None, {S.PUBLISHED}, {V.PUBLIC}),
        (R.CUSTOMER, None, [V.INTERNAL], {S.PUBLISHED}, set()),
        (None, [S.ARCHIVED], None, set(), {V.PUBLIC}),
    ],
)
def test_a_filter_narrows_the_scope(
    role: Role | None,
    statuses: list[S] | None,
    visibilities: list[V] | None,
    expected_statuses: set[S],
    expected_visibilities: set[V],
) -> None:
    scope = kb.narrow(kb.read_scope(role), statuses, visibilities)
    assert (set(scope.statuses), set(scope.visibilities)) == (expected_statuses, expected_visibilities)


# --- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.DRAFT, S.PUBLISHED, True),
        (S.DRAFT, S.ARCHIVED, True),
        (S.PUBLISHED, S.DRAFT, True),
        (S.PUBLISHED, S.ARCHIVED, True),
        (S.ARCHIVED, S.DRAFT, True),
        (S.ARCHIVED, S.PUBLISHED, False),  # outdated: reviewed as a draft first
    ],
)
def test_status_moves(current: S, target: S, allowed: bool) -> None:
    assert kb.can_transition(current, target) is allowed
    if allowed:
        kb.check_transition(current, target)
    else:
        with pytest.raises(Conflict):
            kb.check_transition(current, target)


@pytest.mark.parametrize("status", list(S))
def test_staying_in_a_status_is_no_move(status: S) -> None:
    kb.check_transition(status, status)


# (role, current status or None for a new article, target, the error or None)
WRITES: list[tuple[Role, S | None, S, type[DomainError] | None]] = [
    (R.ADMIN, None, S.PUBLISHED, None),
    (R.SUPERVISOR, None, S.DRAFT, None),
    (R.SUPERVISOR, S.PUBLISHED, S.PUBLISHED, None),  # editing a live article
    (R.SUPERVISOR, S.ARCHIVED, S.PUBLISHED, Conflict),
    (R.AGENT, None, S.DRAFT, None),
    (R.AGENT, S.DRAFT, S.DRAFT, None),
    (R.AGENT, None, S.PUBLISHED, Forbidden),
    (R.AGENT, S.DRAFT, S.PUBLISHED, Forbidden),
    (R.AGENT, S.DRAFT, S.ARCHIVED, Forbidden),
    (R.AGENT, S.PUBLISHED, S.PUBLISHED, Forbidden),
    (R.AGENT, S.PUBLISHED, S.DRAFT, Forbidden),
    (R.AGENT, S.ARCHIVED, S.DRAFT, Forbidden),
    (R.CUSTOMER, None, S.DRAFT, Forbidden),
    (R.REPORTER, S.DRAFT, S.DRAFT, Forbidden),
]


@pytest.mark.parametrize(("role", "current", "target", "error"), WRITES)
def test_who_writes_what(role: Role, current: S | None, target: S, error: type[DomainError] | None) -> None:
    if error is None:
        kb.check_write(role, current, target)
    else:
        with pytest.raises(error):
            kb.check_write(role, current, target)


@pytest.mark.parametrize(
    ("role", "status", "error"),
    [
        (R.ADMIN, S.DRAFT, None),
        (R.SUPERVISOR, S.ARCHIVED, None),
        (R.ADMIN, S.PUBLISHED, Conflict),  # archived first
        (R.AGENT, S.DRAFT, Forbidden),
        (R.CUSTOMER, S.DRAFT, Forbidden),
    ],
)
def test_who_deletes_what(role: Role, status: S, error: type[DomainError] | None) -> None:
    if error is None:
        kb.check_delete(role, status)
    else:
        with pytest.raises(error):
            kb.check_delete(role, status)


# --- input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Billing", " billing ", "Refunds"], ["billing", "refunds"]),
        (["Two   Words"], ["two words"]),
        ([], []),
    ],
)
def test_tags_are_cleaned(raw: list[str], expected: list[str]) -> None:
    assert kb.clean_tags(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        [""],
        ["   "],
        ["a|b"],
        ["a,b"],
        ["x" * (kb.TAG_MAX + 1)],
        ["nul\x00"],
        ["\ud800"],
        [str(i) for i in range(kb.MAX_TAGS + 1)],
    ],
)
def test_bad_tags_are_refused_naming_the_field(raw: list[str]) -> None:
    with pytest.raises(BadUserInput) as refused:
        kb.clean_tags(raw)
    assert refused.value.field == "tags"


@pytest.mark.parametrize(
    ("tags", "index"),
    [([], ""), (["billing"], "|billing|"), (["refunds", "billing"], "|billing|refunds|")],
)
def test_the_tag_index_matches_whole_tags(tags: list[str], index: str) -> None:
    assert kb.tag_index(tags) == index
    for tag in tags:
        assert kb.tag_needle(tag) in index
    assert kb.tag_needle("bill") not in index


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "text", "title"),
        ("   ", "text", "title"),
        ("x" * (kb.TITLE_MAX + 1), "text", "title"),
        ("Title\x00", "text", "title"),
        ("Title", " \n\t ", "body"),
        ("Title", "body \ud800", "body"),
        ("Title", "x" * (kb.BODY_MAX + 1), "body"),
    ],
)
def test_bad_titles_and_bodies_are_refused(title: str, body: str, field: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        kb.clean_title(title)
        kb.clean_body(body)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "body", ["    indented code first\n\nthen text  \n", "plain", "# Heading\n\n* item\n"]
)
def test_a_body_is_stored_as_given(body: str) -> None:
    assert kb.clean_body(body) == body


# --- text matching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("resetting", "reset"),
        ("invoices", "invoice"),
        ("charged", "charge"),
        ("companies", "company"),
        ("declined", "decline"),
        ("passwords", "password"),
        ("accesses", "access"),
        ("a", "a"),  # short words pass through
        ("word11", "word11"),
    ],
)
def test_word_forms_meet_on_one_stem(a: str, b: str) -> None:
    assert kb.stem(a) == kb.stem(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How do I reset my password?", ["reset", "password"]),
        ("The the THE invoice, invoices", ["invoic"]),
        ("a an to of", []),
        (" ".join(f"word{i}" for i in range(30)), [f"word{i}" for i in range(kb.MAX_TERMS)]),
    ],
)
def test_terms(text: str, expected: list[str]) -> None:
    assert kb.terms(text) == expected


@pytest.mark.parametrize(
    ("query", "title", "body", "score"),
    [
        ("password reset", "Resetting your password", "", 1.0),
        ("password reset", "Your account", "Reset the password from the sign-in page.", 0.5),
        ("password reset", "Resetting access", "Nothing about it.", 0.5),
        ("password reset", "Invoices", "Download them as PDF.", 0.0),
        ("the and", "Anything", "at all", 0.0),
    ],
)
def test_keyword_score(query: str, title: str, body: str, score: float) -> None:
    assert kb.keyword_score(kb.terms(query), title, body) == pytest.approx(score)


# --- vectors and ranking ------------------------------------------------------------------


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.mark.parametrize(
    ("title", "text", "weight", "expected"),
    [
        (unit(1, 0), unit(0, 1), 0.0, unit(0, 1)),
        (unit(1, 0), unit(0, 1), 1.0, unit(1, 0)),
        (unit(1, 0), unit(0, 1), 0.5, unit(1, 1)),
        (unit(1, 0), unit(1, 0), 0.3, unit(1, 0)),
    ],
)
def test_the_title_is_weighted_in(
    title: np.ndarray, text: np.ndarray, weight: float, expected: np.ndarray
) -> None:
    mixed = kb.article_vector(title, text, weight)
    assert np.allclose(mixed, expected, atol=1e-6)
    assert float(np.linalg.norm(mixed)) == pytest.approx(1.0)


def test_cosine_scores_of_unit_vectors() -> None:
    matrix = np.stack([unit(1, 0), unit(0, 1), unit(1, 1)])
    assert np.allclose(kb.cosine_scores(unit(1, 0), matrix), [1.0, 0.0, 2**-0.5], atol=1e-6)
    assert kb.cosine_scores(unit(1, 0), np.zeros((0, 2), np.float32)).shape == (0,)


C = Candidate
RANKINGS: list[tuple[str, list[Candidate], dict[str, int | None], int, list[Ranked]]] = [
    (
        "best first, below the minimum left out",
        [C(1, 0.4), C(2, 0.9), C(3, 0.2)],
        {},
        5,
        [Ranked(2, 0.9), Ranked(1, 0.4)],
    ),
    ("first cuts the list", [C(1, 0.5), C(2, 0.9), C(3, 0.7)], {}, 2, [Ranked(2, 0.9), Ranked(3, 0.7)]),
    ("first 0 gives nothing", [C(1, 0.9)], {}, 0, []),
    ("ties go to the older article", [C(7, 0.5), C(3, 0.5)], {}, 5, [Ranked(3, 0.5), Ranked(7, 0.5)]),
    (
        "another product's article is no answer; one about no product is",
        [C(1, 0.9, product_id=2), C(2, 0.6, product_id=1), C(3, 0.5)],
        {"product_id": 1},
        5,
        [Ranked(2, 0.6), Ranked(3, 0.5)],
    ),
    ("without a product every article fits", [C(1, 0.9, product_id=2)], {}, 5, [Ranked(1, 0.9)]),
    (
        "the ticket's category lifts its articles",
        [C(1, 0.60, category_id=9), C(2, 0.62, category_id=4)],
        {"category_id": 9},
        5,
        [Ranked(1, 0.60 + kb.CATEGORY_BONUS), Ranked(2, 0.62)],
    ),
    (
        "a subcategory's ticket lifts its parent category's articles too",
        [C(1, 0.60, category_id=3), C(2, 0.61, category_id=9), C(3, 0.62, category_id=4)],
        {"category_id": 9, "parent_category_id": 3},
        5,
        [Ranked(2, 0.61 + kb.CATEGORY_BONUS), Ranked(1, 0.60 + kb.CATEGORY_BONUS), Ranked(3, 0.62)],
    ),
    (
        "no category: no bonus, even for articles of no category",
        [C(1, 0.60), C(2, 0.61, category_id=4)],
        {"category_id": None, "parent_category_id": None},
        5,
        [Ranked(2, 0.61), Ranked(1, 0.60)],
    ),
    (
        "the bonus does not lift an article past the minimum",
        [C(1, 0.28, category_id=9)],
        {"category_id": 9},
        5,
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "candidates", "links", "first", "expected"), RANKINGS, ids=[r[0] for r in RANKINGS]
)
def test_rank(
    case: str, candidates: list[Candidate], links: dict[str, int | None], first: int, expected: list[Ranked]
) -> None:
    ranked = kb.rank(candidates, first=first, minimum=0.3, **links)
    assert [r.article_id for r in ranked] == [e.article_id for e in expected]
    assert [r.score for r in ranked] == pytest.approx([e.score for e in expected])


# --- review: tag normalisation, text scoring cost, suggestions read within the scope --------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Café", "Cafe\u0301"], ["café"]),  # composed and decomposed accents: one tag
        (["\uff42\uff49\uff4c\uff4c\uff49\uff4e\uff47", "billing"], ["billing"]),  # full-width letters
        (["two\u00a0words"], ["two words"]),  # a no-break space is a space
    ],
)
def test_tags_are_unicode_normalised(raw: list[str], expected: list[str]) -> None:
    assert kb.clean_tags(raw) == expected
    assert kb.clean_tag(raw[-1], field="filter.tag") == expected[-1]  # the filter finds it


@pytest.mark.parametrize("raw", ["a\uff5cb", "a\uff0cb"])  # full-width '|' and ','
def test_full_width_separators_are_refused(raw: str) -> None:
    with pytest.raises(BadUserInput):
        kb.clean_tags([raw])


def test_a_long_body_stems_each_distinct_word_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text suggestions score up to 200 bodies of up to 100,000 characters per query."""
    calls = 0
    real_stem = kb.stem

    def counting(word: str) -> str:
        nonlocal calls
        calls += 1
        return real_stem(word)

    monkeypatch.setattr(kb, "stem", counting)
    body = "Reset the password from the sign-in page. " * 2_000
    assert kb.keyword_score(kb.terms("password reset"), "Title", body) == pytest.approx(0.5)
    assert calls <= 20
