"""The knowledge base over GraphQL: articles written and read per role, optimistic
concurrency, pagination and filters, the public help center (no token, limited per address),
and suggestions for a text and for a ticket.

Most tests run on the session's server, where triage is off: suggestions match words. The
semantic path (the real MiniLM embedder) runs on a desk of its own with triage on, in as few
tests as it takes, since loading the model costs seconds."""

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.desk import Desk, build_desk, unique
from tests.api.own_desk import own_desk
from tests.backends import Backend
from tests.gql import GraphQL, GraphQLError

ARTICLE_FIELDS = """id title body format status visibility tags version publishedAt createdAt updatedAt
  product { id name } category { id name } author { name }"""
UPSERT = f"mutation($i: ArticleInput!) {{ upsertArticle(input: $i) {{ {ARTICLE_FIELDS} }} }}"
SET_STATUS = """mutation($id: ID!, $s: ArticleStatus!, $v: Int) {
  setArticleStatus(id: $id, status: $s, expectedVersion: $v) { id status version publishedAt } }"""
DELETE = "mutation($id: ID!, $v: Int) { deleteArticle(id: $id, expectedVersion: $v) }"
ONE = f"query($id: ID!) {{ article(id: $id) {{ {ARTICLE_FIELDS} }} }}"
LIST = """query($f: ArticleFilter, $first: Int, $after: String, $o: ArticleOrder) {
  articles(filter: $f, first: $first, after: $after, orderBy: $o) {
    totalCount edges { cursor node { id title status visibility tags } }
    pageInfo { hasNextPage endCursor } } }"""
SUGGEST = """query($t: String!, $first: Int, $p: ID) { suggestArticles(text: $t, first: $first, productId: $p) {
  score method article { id title visibility status } } }"""
TICKET_SUGGESTIONS = """query($id: ID!, $first: Int) { ticket(id: $id) {
  suggestedArticles(first: $first) { score method article { id title visibility } } } }"""


def article(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    payload = {"title": unique("Article"), "body": "Some **Markdown** body.", **fields}
    result: dict[str, Any] = gql.ok(UPSERT, {"i": payload}, token)["upsertArticle"]
    return result


def ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["id"] for n in nodes]


def listed(gql: GraphQL, token: str | None, filter: dict[str, Any], first: int = 50) -> list[dict[str, Any]]:
    data = gql.ok(LIST, {"f": filter, "first": first}, token)["articles"]
    return [edge["node"] for edge in data["edges"]]


_addresses = iter(range(2, 250))


def anonymous(base_url: str) -> GraphQL:
    """A client from a loopback address of its own: its own help-center rate-limit counts."""
    client = GraphQL(base_url)
    client.http = httpx.Client(
        transport=httpx.HTTPTransport(local_address=f"127.0.0.{next(_addresses)}"), timeout=30
    )
    return client


@pytest.fixture
def product_and_category(desk: Desk) -> tuple[str, str]:
    product = desk.gql.ok(
        "mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
        {"i": {"name": unique("Product")}},
        desk.admin,
    )["createProduct"]["id"]
    category = desk.gql.ok(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }",
        {"i": {"name": unique("Category")}},
        desk.admin,
    )["createCategory"]["id"]
    return str(product), str(category)


# --- writing and reading per role -------------------------------------------------------


def test_articles_are_written_by_managers_and_drafted_by_agents(
    desk: Desk, product_and_category: tuple[str, str]
) -> None:
    assert desk.supervisor and desk.agent and desk.customer and desk.reporter
    product, category = product_and_category
    body = "    indented code\n\n1. Step one  \n2. Step two\n"
    saved = article(
        desk.gql,
        desk.supervisor.token,
        body=body,
        productId=product,
        categoryId=category,
        tags=["Billing ", "billing", "Refunds"],
        status="PUBLISHED",
        visibility="PUBLIC",
        format="MARKDOWN",
    )
    assert saved["body"] == body  # stored as given, leading spaces and all
    assert (saved["status"], saved["visibility"], saved["format"], saved["version"]) == (
        "PUBLISHED",
        "PUBLIC",
        "MARKDOWN",
        1,
    )
    assert saved["tags"] == ["billing", "refunds"]
    assert (saved["product"]["id"], saved["category"]["id"]) == (product, category)
    assert saved["author"]["name"].startswith("Supervisor")
    assert saved["publishedAt"] == saved["createdAt"] == saved["updatedAt"]

    # An agent writes drafts; publishing, and editing what is live, are for managers.
    draft = article(desk.gql, desk.agent.token, format="PLAIN_TEXT")
    assert (draft["status"], draft["format"], draft["publishedAt"]) == ("DRAFT", "PLAIN_TEXT", None)
    edited = desk.gql.ok(
        UPSERT, {"i": {"id": draft["id"], "title": "Better title", "body": "More text"}}, desk.agent.token
    )["upsertArticle"]
    assert (edited["title"], edited["version"], edited["status"]) == ("Better title", 2, "DRAFT")
    for payload in (
        {"title": "Live", "body": "x", "status": "PUBLISHED"},
        {"id": saved["id"], "title": "Rewritten", "body": "x"},
    ):
        assert desk.gql.error(UPSERT, {"i": payload}, desk.agent.token).code == "FORBIDDEN"
    assert (
        desk.gql.error(SET_STATUS, {"id": draft["id"], "s": "PUBLISHED"}, desk.agent.token).code
        == "FORBIDDEN"
    )
    assert desk.gql.error(DELETE, {"id": draft["id"]}, desk.agent.token).code == "FORBIDDEN"

    published = desk.gql.ok(SET_STATUS, {"id": draft["id"], "s": "PUBLISHED"}, desk.supervisor.token)
    assert published["setArticleStatus"]["status"] == "PUBLISHED"
    assert published["setArticleStatus"]["publishedAt"] is not None

    # Customers and reporters write nothing; reporters read nothing either.
    assert (
        desk.gql.error(UPSERT, {"i": {"title": "Mine", "body": "x"}}, desk.customer.token).code == "FORBIDDEN"
    )
    assert (
        desk.gql.error(SET_STATUS, {"id": saved["id"], "s": "ARCHIVED"}, desk.customer.token).code
        == "FORBIDDEN"
    )
    assert desk.gql.error(ONE, {"id": saved["id"]}, desk.reporter.token).code == "FORBIDDEN"
    assert desk.gql.error(LIST, {}, desk.reporter.token).code == "FORBIDDEN"
    # Writing needs a token; an invalid one is refused, not read as anonymous.
    assert desk.gql.error(UPSERT, {"i": {"title": "Anon", "body": "x"}}).code == "UNAUTHENTICATED"
    assert desk.gql.error(ONE, {"id": saved["id"]}, "not-a-token").code == "UNAUTHENTICATED"


def test_customers_and_visitors_read_published_public_articles_only(desk: Desk, server: Any) -> None:
    assert desk.supervisor and desk.agent and desk.customer
    tag = unique("vis").lower()
    made = {
        (status, visibility): article(
            desk.gql, desk.supervisor.token, tags=[tag], status=status, visibility=visibility
        )["id"]
        for status in ("DRAFT", "PUBLISHED", "ARCHIVED")
        for visibility in ("PUBLIC", "INTERNAL")
    }
    public = made[("PUBLISHED", "PUBLIC")]
    staff_sees = set(ids(listed(desk.gql, desk.agent.token, {"tag": tag})))
    assert staff_sees == set(made.values())
    visitor = anonymous(server.base_url)
    for token, client in ((desk.customer.token, desk.gql), (None, visitor)):
        assert ids(listed(client, token, {"tag": tag})) == [public]
        # Asking for more does not widen it.
        assert listed(client, token, {"tag": tag, "status": ["DRAFT", "ARCHIVED"]}) == []
        assert listed(client, token, {"tag": tag, "visibility": "INTERNAL"}) == []
        assert client.ok(ONE, {"id": public}, token)["article"]["id"] == public
        for key, hidden in made.items():
            if key != ("PUBLISHED", "PUBLIC"):
                assert client.error(ONE, {"id": hidden}, token).code == "NOT_FOUND", key
    # Unpublishing takes it out of the help center at once.
    desk.gql.ok(SET_STATUS, {"id": public, "s": "DRAFT"}, desk.supervisor.token)
    assert listed(desk.gql, desk.customer.token, {"tag": tag}) == []
    assert visitor.error(ONE, {"id": public}).code == "NOT_FOUND"


# --- concurrency and status -------------------------------------------------------------


def test_a_stale_expected_version_is_a_conflict(desk: Desk) -> None:
    assert desk.supervisor
    token = desk.supervisor.token
    saved = article(desk.gql, token)
    first = desk.gql.ok(
        UPSERT, {"i": {"id": saved["id"], "title": "First edit", "body": "a", "expectedVersion": 1}}, token
    )["upsertArticle"]
    assert first["version"] == 2
    stale = desk.gql.error(
        UPSERT, {"i": {"id": saved["id"], "title": "Lost edit", "body": "b", "expectedVersion": 1}}, token
    )
    assert stale.code == "CONFLICT"
    assert stale.errors[0]["extensions"]["field"] == "expectedVersion"
    assert desk.gql.error(SET_STATUS, {"id": saved["id"], "s": "PUBLISHED", "v": 1}, token).code == "CONFLICT"
    assert desk.gql.error(DELETE, {"id": saved["id"], "v": 1}, token).code == "CONFLICT"
    assert desk.gql.ok(ONE, {"id": saved["id"]}, token)["article"]["title"] == "First edit"  # nothing lost

    published = desk.gql.ok(SET_STATUS, {"id": saved["id"], "s": "PUBLISHED", "v": 2}, token)[
        "setArticleStatus"
    ]
    assert (published["status"], published["version"]) == ("PUBLISHED", 3)
    again = desk.gql.ok(SET_STATUS, {"id": saved["id"], "s": "PUBLISHED"}, token)["setArticleStatus"]
    assert again["version"] == 3  # already there: no new version
    # A published article is archived before it is deleted; an archived one comes back as a draft.
    assert desk.gql.error(DELETE, {"id": saved["id"]}, token).code == "CONFLICT"
    desk.gql.ok(SET_STATUS, {"id": saved["id"], "s": "ARCHIVED"}, token)
    assert desk.gql.error(SET_STATUS, {"id": saved["id"], "s": "PUBLISHED"}, token).code == "CONFLICT"
    assert desk.gql.ok(DELETE, {"id": saved["id"], "v": 4}, token)["deleteArticle"] is True
    assert desk.gql.error(ONE, {"id": saved["id"]}, token).code == "NOT_FOUND"
    assert desk.gql.error(DELETE, {"id": saved["id"]}, token).code == "NOT_FOUND"


# --- listing ----------------------------------------------------------------------------


def test_cursor_pagination_and_filters(desk: Desk, product_and_category: tuple[str, str]) -> None:
    assert desk.supervisor and desk.agent
    token = desk.agent.token
    product, category = product_and_category
    tag = unique("page").lower()
    marker = uuid.uuid4().hex[:10]
    made = [
        article(
            desk.gql,
            desk.supervisor.token,
            tags=[tag],
            title=f"Page article {i}",
            body=f"Body {i}" + (f" mentions {marker}" if i % 2 == 0 else ""),
            productId=product if i < 2 else None,
            categoryId=category if i == 4 else None,
            status="PUBLISHED" if i < 3 else "DRAFT",
            visibility="INTERNAL" if i == 1 else "PUBLIC",
        )
        for i in range(5)
    ]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = desk.gql.ok(LIST, {"f": {"tag": tag}, "first": 2, "after": after}, token)["articles"]
        assert data["totalCount"] == 5
        seen += [e["node"]["id"] for e in data["edges"]]
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        assert after == data["edges"][-1]["cursor"]
    assert pages == 3
    assert seen == [a["id"] for a in reversed(made)]  # most recently updated first
    oldest_first = desk.gql.ok(LIST, {"f": {"tag": tag}, "o": "CREATED_AT_DESC", "first": 5}, token)[
        "articles"
    ]
    assert [e["node"]["id"] for e in oldest_first["edges"]] == seen
    # Editing the oldest moves it to the top.
    desk.gql.ok(
        UPSERT,
        {
            "i": {
                "id": made[0]["id"],
                "title": "Page article 0",
                "body": "Edited",
                "tags": [tag],
                "productId": product,
                "status": "PUBLISHED",
            }
        },
        desk.supervisor.token,
    )
    assert ids(listed(desk.gql, token, {"tag": tag}, first=1)) == [made[0]["id"]]

    def found(**filter: Any) -> set[str]:
        return set(ids(listed(desk.gql, token, {"tag": tag, **filter})))

    by_index = [a["id"] for a in made]
    assert found(text=marker.upper()) == {by_index[2], by_index[4]}  # case-insensitive, body
    assert found(text="page ARTICLE 3") == {by_index[3]}  # the title
    assert found(productId=product) == {by_index[0], by_index[1]}
    assert found(categoryId=category) == {by_index[4]}
    assert found(status="DRAFT") == {by_index[3], by_index[4]}
    assert found(visibility="INTERNAL") == {by_index[1]}
    assert found(status=["PUBLISHED"], visibility=["PUBLIC"]) == {by_index[0], by_index[2]}
    assert found(tag=f"{tag}x") == set()
    bad = desk.gql.error(LIST, {"f": {"tag": tag}, "after": "nonsense"}, token)
    assert (bad.code, bad.errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", "after")


# --- bad input --------------------------------------------------------------------------


def raw_error(gql: GraphQL, query: str, variables: dict[str, Any], token: str) -> GraphQLError:
    """Sends JSON with \\u escapes as they are (a lone surrogate is valid JSON, not UTF-8)."""
    response = gql.http.post(
        gql.url,
        content=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    body = response.json()
    assert body.get("errors"), body
    return GraphQLError(body["errors"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "   ", "body": "x"}, "title"),
        ({"title": "t" * 201, "body": "x"}, "title"),
        ({"title": "Title", "body": " \n "}, "body"),
        ({"title": "Title", "body": "nul \x00 here"}, "body"),
        ({"title": "lone \ud800 surrogate", "body": "x"}, "title"),
        ({"title": "Title", "body": "x", "tags": ["a|b"]}, "tags"),
        ({"title": "Title", "body": "x", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"title": "Title", "body": "x", "productId": "999999999"}, "productId"),
        ({"title": "Title", "body": "x", "categoryId": "nope"}, "categoryId"),
        ({"id": "999999999", "title": "Title", "body": "x"}, "id"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    desk: Desk, payload: dict[str, Any], field: str
) -> None:
    assert desk.supervisor
    marker = unique("nothing").lower()
    payload = {"tags": [marker], **payload}  # the bad tags' cases keep their own
    error = raw_error(desk.gql, UPSERT, {"i": payload}, desk.supervisor.token)
    assert error.code == ("NOT_FOUND" if field == "id" else "BAD_USER_INPUT")
    assert error.errors[0]["extensions"]["field"] == field
    assert listed(desk.gql, desk.supervisor.token, {"tag": marker}) == []  # nothing written


def test_bad_queries_name_the_field(desk: Desk) -> None:
    assert desk.agent
    token = desk.agent.token
    for query, variables, field in (
        (SUGGEST, {"t": "   "}, "text"),
        (SUGGEST, {"t": "bad \ud800"}, "text"),
        (SUGGEST, {"t": "fine", "first": 21}, "first"),
        (LIST, {"first": 201}, "first"),
        (LIST, {"f": {"tag": "a|b"}}, "filter.tag"),
        (LIST, {"f": {"text": "nul\x00"}}, "filter.text"),
        (LIST, {"f": {"productId": "x"}}, "filter.productId"),
    ):
        error = raw_error(desk.gql, query, variables, token)
        assert (error.code, error.errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", field), variables


# --- suggestions by words (triage off) ----------------------------------------------------


def test_suggestions_match_words_when_triage_is_off(desk: Desk, server: Any) -> None:
    assert desk.supervisor and desk.agent and desk.customer
    token = uuid.uuid4().hex[:8]  # a word no other article holds
    product = desk.gql.ok(
        "mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
        {"i": {"name": unique("Gadget")}},
        desk.admin,
    )["createProduct"]["id"]
    other_product = desk.gql.ok(
        "mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
        {"i": {"name": unique("Widget")}},
        desk.admin,
    )["createProduct"]["id"]

    def publish(title: str, body: str, **extra: Any) -> str:
        return str(
            article(
                desk.gql,
                desk.supervisor.token,
                title=title,
                body=body,  # type: ignore[union-attr]
                status="PUBLISHED",
                **extra,
            )["id"]
        )

    recalibrate = publish(
        f"Recalibrating the {token} flux capacitor",
        f"When the {token} capacitor drifts, recalibrate it from the settings page.",
    )
    housing = publish(f"Cleaning the {token} housing", "Wipe it with a dry cloth.")
    internal = publish(
        f"Known issue: {token} flux capacitor recalibration fails",
        "Engineering workaround: restart the controller first.",
        visibility="INTERNAL",
    )
    elsewhere = publish(
        f"Recalibrating the {token} flux capacitor on the Widget",
        "Only for the other product.",
        productId=other_product,
    )
    draft = str(
        article(
            desk.gql,
            desk.supervisor.token,
            title=f"Recalibrating {token} flux capacitors",
            body="Not reviewed yet.",
        )["id"]
    )
    text = f"How do I recalibrate my {token} flux capacitor?"

    staff = desk.gql.ok(SUGGEST, {"t": text}, desk.agent.token)["suggestArticles"]
    assert staff[0]["article"]["id"] in (recalibrate, internal)
    assert {s["article"]["id"] for s in staff[:3]} >= {recalibrate, internal}
    assert all(s["method"] == "TEXT" for s in staff)
    assert draft not in {s["article"]["id"] for s in staff}  # drafts are never suggested
    scores = [s["score"] for s in staff]
    assert scores == sorted(scores, reverse=True)
    assert housing in {s["article"]["id"] for s in staff}  # shares one word: lower, still there
    assert staff.index(next(s for s in staff if s["article"]["id"] == housing)) > 0

    for client, who in ((desk.gql, desk.customer.token), (anonymous(server.base_url), None)):
        public = client.ok(SUGGEST, {"t": text, "first": 3}, who)["suggestArticles"]
        assert public[0]["article"]["id"] == recalibrate
        assert {s["article"]["visibility"] for s in public} == {"PUBLIC"}
        assert len(public) <= 3
    # Narrowed to a product, another product's article drops out.
    narrowed = desk.gql.ok(SUGGEST, {"t": text, "p": product}, desk.agent.token)["suggestArticles"]
    assert elsewhere not in {s["article"]["id"] for s in narrowed}
    assert recalibrate in {s["article"]["id"] for s in narrowed}
    assert desk.gql.ok(SUGGEST, {"t": "zzqx unrelatedwords"}, desk.agent.token)["suggestArticles"] == []

    # For tickets, a page of them at once: staff get the internal one too, the customer not.
    tickets = [
        desk.ticket(
            subject=f"{token} flux capacitor needs recalibrating",
            description="It drifts every day.",
            productId=product,
        ),
        desk.ticket(subject=f"Dusty {token} housing", description="How do I get it clean?"),
    ]
    page = desk.gql.ok(
        """query($f: TicketFilter) { tickets(filter: $f, first: 10) { nodes { id
          suggestedArticles(first: 2) { method article { id } } } } }""",
        {"f": {"text": token}},
        desk.agent.token,
    )["tickets"]["nodes"]
    by_ticket = {t["id"]: [s["article"]["id"] for s in t["suggestedArticles"]] for t in page}
    assert set(by_ticket[tickets[0]["id"]]) == {recalibrate, internal}
    assert by_ticket[tickets[1]["id"]][0] == housing
    customer_view = desk.gql.ok(TICKET_SUGGESTIONS, {"id": tickets[0]["id"]}, desk.customer.token)["ticket"]
    assert internal not in {s["article"]["id"] for s in customer_view["suggestedArticles"]}
    assert customer_view["suggestedArticles"][0]["article"]["id"] == recalibrate


def test_the_help_center_without_a_token_is_limited_per_address(desk: Desk, server: Any) -> None:
    assert desk.supervisor
    public = article(desk.gql, desk.supervisor.token, status="PUBLISHED")["id"]
    visitor = anonymous(server.base_url)
    refused = None
    # A fixed window of a minute: 2 x 60 + 1 requests overflow one window even across a boundary.
    for _ in range(2 * 60 + 1):
        body = visitor.raw(ONE, {"id": public})
        if body.get("errors"):
            refused = GraphQLError(body["errors"])
            break
    assert refused is not None, "never limited"
    assert refused.code == "RATE_LIMITED"
    assert 0 < refused.errors[0]["extensions"]["retryAfterSeconds"] <= 60
    assert visitor.error(SUGGEST, {"t": "anything at all"}).code == "RATE_LIMITED"
    # Another address, and anyone signed in, are not held back by this one.
    assert anonymous(server.base_url).ok(ONE, {"id": public})["article"]["id"] == public
    assert desk.customer is not None
    assert desk.gql.ok(ONE, {"id": public}, desk.customer.token)["article"]["id"] == public


# --- suggestions by meaning (triage on, the real embedder) ------------------------------


@dataclass
class SemanticDesk:
    gql: GraphQL
    desk: Desk
    base_url: str


@pytest.fixture(scope="module")
def semantic_desk(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[SemanticDesk]:
    with own_desk(tmp_path_factory.mktemp("knowledge"), {"HELPDESK_TRIAGE": "on"}) as desks:
        gql, admin = desks[0].gql, desks[0].admin
        yield SemanticDesk(gql, build_desk(gql, admin), desks[0].gql.base_url)


SEMANTIC_ARTICLES = [
    (
        "Resetting your password",
        "Choose Forgot password on the sign-in page and follow the link in the "
        "reset email. If the email does not arrive, check your spam folder.",
        "PUBLIC",
    ),
    (
        "Adding your VAT number to invoices",
        "Enter the VAT number and company name under Billing; the next invoice shows them.",
        "PUBLIC",
    ),
    (
        "Connecting Google Calendar",
        "Bookings appear in your Google Calendar once you connect it under Integrations.",
        "PUBLIC",
    ),
    (
        "Refunding a duplicate subscription charge",
        "When a customer paid twice for the same month, refund the second charge in the billing console.",
        "INTERNAL",
    ),
]


def test_suggestions_rank_by_meaning_with_the_embedder(semantic_desk: SemanticDesk) -> None:
    d = semantic_desk
    made = {
        title: str(
            article(d.gql, d.desk.admin, title=title, body=body, visibility=visibility, status="PUBLISHED")[
                "id"
            ]
        )
        for title, body, visibility in SEMANTIC_ARTICLES
    }
    # Hardly a word in common with the article: only the meaning matches.
    found = anonymous(d.base_url).ok(SUGGEST, {"t": "I never receive the mail to change my login secret"})
    suggestions = found["suggestArticles"]
    assert suggestions[0]["article"]["id"] == made["Resetting your password"]
    assert {s["method"] for s in suggestions} == {"SEMANTIC"}
    assert {s["article"]["visibility"] for s in suggestions} == {"PUBLIC"}
    assert 0 < suggestions[-1]["score"] <= suggestions[0]["score"] <= 1.1

    assert d.desk.customer is not None
    ticket = d.desk.ticket(
        subject="We paid two times this month",
        description="Our card statement shows the same subscription fee twice.",
    )
    staff = d.gql.ok(TICKET_SUGGESTIONS, {"id": ticket["id"], "first": 2}, d.desk.admin)["ticket"]
    assert staff["suggestedArticles"][0]["article"]["id"] == made["Refunding a duplicate subscription charge"]
    customer = d.gql.ok(TICKET_SUGGESTIONS, {"id": ticket["id"]}, d.desk.customer.token)["ticket"]
    assert made["Refunding a duplicate subscription charge"] not in {
        s["article"]["id"] for s in customer["suggestedArticles"]
    }

    # An edit is embedded again: the calendar article turned into a password article ranks.
    calendar = made["Connecting Google Calendar"]
    d.gql.ok(
        UPSERT,
        {
            "i": {
                "id": calendar,
                "title": "Changing your password",
                "status": "PUBLISHED",
                "body": "Open Profile, choose Security and set a new password.",
            }
        },
        d.desk.admin,
    )
    again = d.gql.ok(SUGGEST, {"t": "how can I pick a new password for my login", "first": 2}, d.desk.admin)
    assert {s["article"]["id"] for s in again["suggestArticles"]} == {
        calendar,
        made["Resetting your password"],
    }


# --- review: edits keep visibility, LIKE wildcards, concurrent writers ------------------


def test_an_edit_that_leaves_visibility_out_keeps_an_article_internal(desk: Desk, server: Any) -> None:
    assert desk.supervisor and desk.customer
    token = desk.supervisor.token
    internal = article(desk.gql, token, status="PUBLISHED", visibility="INTERNAL", format="PLAIN_TEXT")
    # A typo fixed by a client that sends only what changed (status is kept when omitted too).
    edited = desk.gql.ok(
        UPSERT, {"i": {"id": internal["id"], "title": "Workaround, fixed typo", "body": "Internal."}}, token
    )["upsertArticle"]
    assert (edited["status"], edited["visibility"], edited["format"]) == (
        "PUBLISHED",
        "INTERNAL",
        "PLAIN_TEXT",
    )
    assert desk.gql.error(ONE, {"id": internal["id"]}, desk.customer.token).code == "NOT_FOUND"
    assert anonymous(server.base_url).error(ONE, {"id": internal["id"]}).code == "NOT_FOUND"
    # Said outright, it changes; a new article is still PUBLIC and MARKDOWN by default.
    public = desk.gql.ok(
        UPSERT,
        {"i": {"id": internal["id"], "title": "Now public", "body": "x", "visibility": "PUBLIC"}},
        token,
    )["upsertArticle"]
    assert public["visibility"] == "PUBLIC"
    fresh = article(desk.gql, token)
    assert (fresh["visibility"], fresh["format"]) == ("PUBLIC", "MARKDOWN")


def test_like_wildcards_in_the_text_filter_match_themselves(desk: Desk, server: Any) -> None:
    assert desk.supervisor and desk.agent
    tag = unique("like").lower()
    percent = article(desk.gql, desk.supervisor.token, tags=[tag], title="Uptime of 100% guaranteed")["id"]
    underscore = article(desk.gql, desk.supervisor.token, tags=[tag], title="The snake_case setting")["id"]
    plain = article(desk.gql, desk.supervisor.token, tags=[tag], title="Nothing special", body="A b c")["id"]
    backslash = article(desk.gql, desk.supervisor.token, tags=[tag], title="C:\\path", body="x")["id"]
    token = desk.agent.token
    assert set(ids(listed(desk.gql, token, {"tag": tag}))) == {percent, underscore, plain, backslash}
    assert ids(listed(desk.gql, token, {"tag": tag, "text": "%"})) == [percent]
    assert ids(listed(desk.gql, token, {"tag": tag, "text": "_"})) == [underscore]
    assert ids(listed(desk.gql, token, {"tag": tag, "text": "\\"})) == [backslash]
    # The drafts stay out of a visitor's page and count, wildcard or not.
    data = anonymous(server.base_url).ok(LIST, {"f": {"tag": tag, "text": "%"}})["articles"]
    assert (data["totalCount"], data["edges"]) == (0, [])


def test_concurrent_writers_of_one_version_lose_nothing(desk: Desk) -> None:
    assert desk.supervisor
    token = desk.supervisor.token
    saved = article(desk.gql, token, status="PUBLISHED")
    writers = 8

    def write(i: int, expected: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"id": saved["id"], "title": f"Edit {i}", "body": f"Body {i}"}
        if expected is not None:
            payload["expectedVersion"] = expected
        return GraphQL(desk.gql.base_url).raw(UPSERT, {"i": payload}, token)

    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(lambda i: write(i, 1), range(writers)))
    won = [r for r in results if not r.get("errors")]
    lost = [GraphQLError(r["errors"]).code for r in results if r.get("errors")]
    assert len(won) == 1 and lost == ["CONFLICT"] * (writers - 1), results
    winner = won[0]["data"]["upsertArticle"]
    assert winner["version"] == 2
    now = desk.gql.ok(ONE, {"id": saved["id"]}, token)["article"]
    assert (now["title"], now["body"], now["version"]) == (winner["title"], winner["body"], 2)

    # Without expectedVersion the last writer wins, whole: every write is one version.
    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(lambda i: write(i, None), range(writers)))
    assert all(not r.get("errors") for r in results), results
    assert sorted(r["data"]["upsertArticle"]["version"] for r in results) == list(range(3, 3 + writers))
    final = desk.gql.ok(ONE, {"id": saved["id"]}, token)["article"]
    assert final["version"] == 2 + writers
    assert final["title"].removeprefix("Edit ") == final["body"].removeprefix("Body ")  # never half of each
