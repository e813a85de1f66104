"""The public web form with its follow link, the chat/IM webhook, and linking tickets to
customers (external id) and products (rules), against a desk of its own: the form's rate
limit is small here, and every client address is a loopback address of the test's own
(127.0.0.x), so the limits of one test never touch another's."""

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from domain.rules.webhook_signature import sign
from tests.api.desk import Desk, build_desk, unique
from tests.api.own_desk import own_desk
from tests.backends import Backend
from tests.gql import GraphQL

RATE = 3
PUBLIC_URL = "https://desk.example.test"


@dataclass
class IntakeDesk:
    gql: GraphQL
    admin: str
    desk: Desk

    @property
    def base_url(self) -> str:
        return self.gql.base_url


@pytest.fixture(scope="module")
def intake_desk(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[IntakeDesk]:
    settings = {
        "HELPDESK_FORM_RATE_PER_HOUR": str(RATE),
        "HELPDESK_TRIAGE": "off",
        "HELPDESK_PUBLIC_URL": PUBLIC_URL,
    }
    with own_desk(tmp_path_factory.mktemp("intake"), settings) as desks:
        gql, admin = desks[0].gql, desks[0].admin
        yield IntakeDesk(gql, admin, build_desk(gql, admin))


_next_address = iter(range(10, 250))


def client_address() -> str:
    """A loopback address no other test uses: its own rate-limit counts."""
    return f"127.0.0.{next(_next_address)}"


def http_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def gql_from(base_url: str, address: str) -> GraphQL:
    client = GraphQL(base_url)
    client.http = http_from(address)
    return client


def form(subject: str = "Printer on fire", **fields: Any) -> dict[str, Any]:
    return {
        "email": f"{unique('visitor')}@visitors.test",
        "name": "Vera Visitor",
        "subject": subject,
        "description": "It started smoking after the update.",
        **fields,
    }


TICKET = """query($k: String!) { ticket(key: $k) {
  id key subject description source status product { id } customer { id email name externalId }
  messages { body internal authorKind channel } } }"""


def ticket(d: IntakeDesk, key: str) -> dict[str, Any]:
    result: dict[str, Any] = d.gql.ok(TICKET, {"k": key}, d.admin)["ticket"]
    return result


def ticket_count(d: IntakeDesk, source: str | None = None) -> int:
    filter_ = {"source": [source]} if source else {}
    count: int = d.gql.ok(
        "query($f: TicketFilter) { tickets(filter: $f) { totalCount } }", {"f": filter_}, d.admin
    )["tickets"]["totalCount"]
    return count


def token_of(follow_url: str) -> str:
    assert follow_url.startswith(f"{PUBLIC_URL}/follow/"), follow_url
    return follow_url.removeprefix(f"{PUBLIC_URL}/follow/")


# --- the web form ----------------------------------------------------------------------


def test_a_json_form_creates_a_form_ticket_for_the_customer(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    fields = form()
    with http_from(client_address()) as http:
        answer = http.post(f"{d.base_url}/forms/ticket", json=fields)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"key", "followUrl", "followLinkMailed"}
    token_of(body["followUrl"])
    assert body["followLinkMailed"] is False
    row = ticket(d, body["key"])
    assert row["source"] == "FORM"
    assert row["subject"] == "Printer on fire"
    assert row["customer"]["email"] == fields["email"]
    assert row["customer"]["name"] == "Vera Visitor"

    # The same person again, form-encoded this time: the same customer.
    with http_from(client_address()) as http:
        again = http.post(f"{d.base_url}/forms/ticket", data=form("Still smoking", email=fields["email"]))
    assert again.status_code == 201, again.text
    assert ticket(d, again.json()["key"])["customer"]["id"] == row["customer"]["id"]
    # Anyone may type a known customer's address: the link would show the desk's answers
    # to them, so it goes to that address by mail (none here: no SMTP), never in the answer.
    assert again.json()["followUrl"] is None


def test_form_encoded_and_multipart_forms_are_accepted(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    with http_from(client_address()) as http:
        encoded = http.post(f"{d.base_url}/forms/ticket", data=form("Encoded"))
        multipart = http.post(
            f"{d.base_url}/forms/ticket",
            files={name: (None, value) for name, value in form("Multipart").items()},
        )
        with_file = http.post(
            f"{d.base_url}/forms/ticket",
            data=form("With a file"),
            files={"upload": ("a.txt", b"hello", "text/plain")},
        )
    assert encoded.status_code == 201, encoded.text
    assert multipart.status_code == 201, multipart.text
    assert ticket(d, encoded.json()["key"])["source"] == "FORM"
    assert ticket(d, multipart.json()["key"])["subject"] == "Multipart"
    assert with_file.status_code == 400, with_file.text


def test_the_follow_link_shows_public_messages_only(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    assert d.desk.agent is not None
    with http_from(client_address()) as http:
        created = http.post(f"{d.base_url}/forms/ticket", json=form("Follow me")).json()
    row = ticket(d, created["key"])
    d.gql.ok(
        "mutation($t: ID!, $g: ID!) { assignTicket(ticketId: $t, groupId: $g) { id } }",
        {"t": row["id"], "g": d.desk.group_id},
        d.admin,
    )
    reply = "mutation($t: ID!, $b: String!, $i: Boolean) { addReply(ticketId: $t, body: $b, internal: $i) { id } }"
    d.gql.ok(reply, {"t": row["id"], "b": "We are looking into it.", "i": False}, d.desk.agent.token)
    d.gql.ok(reply, {"t": row["id"], "b": "Internal: customer is on the old firmware.", "i": True},
             d.desk.agent.token)

    token = token_of(created["followUrl"])
    with httpx.Client(timeout=30) as http:
        view = http.get(f"{d.base_url}/follow/{token}")
        assert view.status_code == 200, view.text
        followed = view.json()
        assert followed["key"] == created["key"]
        assert followed["subject"] == "Follow me"
        assert followed["status"] == "OPEN"
        assert followed["createdAt"]
        assert [(m["authorKind"], m["body"]) for m in followed["messages"]] == [
            ("AGENT", "We are looking into it.")
        ]
        assert "old firmware" not in view.text

        head, _, signature = token.partition(".")
        assert http.get(f"{d.base_url}/follow/{int(head) + 1}.{signature}").status_code == 404
        assert http.get(f"{d.base_url}/follow/nonsense").status_code == 404

    # The same view over GraphQL, without a token.
    query = "query($t: String!) { followTicket(token: $t) { key status messages { authorKind body } } }"
    over_graphql = d.gql.ok(query, {"t": token})["followTicket"]
    assert over_graphql == {
        "key": created["key"],
        "status": "OPEN",
        "messages": [{"authorKind": "AGENT", "body": "We are looking into it."}],
    }
    assert d.gql.ok(query, {"t": token + "x"})["followTicket"] is None


def test_bad_form_input_names_the_fields_and_stores_nothing(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    before = ticket_count(d)
    with http_from(client_address()) as http:
        bad = http.post(
            f"{d.base_url}/forms/ticket",
            json={"email": "not-an-address", "subject": "  ", "description": "x" * 20_001},
        )
        assert bad.status_code == 400, bad.text
        body = bad.json()
        assert body["code"] == "BAD_USER_INPUT"
        assert {e["field"] for e in body["errors"]} == {"email", "subject", "description"}

        no_product = http.post(f"{d.base_url}/forms/ticket", json=form(productId="987654321"))
        assert no_product.status_code == 400
        assert no_product.json()["field"] == "productId"
        not_json = http.post(
            f"{d.base_url}/forms/ticket", content=b"{", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 400
        wrong_type = http.post(f"{d.base_url}/forms/ticket", json={**form(), "subject": ["a", "list"]})
        assert wrong_type.status_code == 400 and wrong_type.json()["field"] == "subject"
        unsupported = http.post(
            f"{d.base_url}/forms/ticket", content=b"hello", headers={"content-type": "text/plain"}
        )
        assert unsupported.status_code == 415

    error = gql_from(d.base_url, client_address()).error(
        "mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { key } }",
        {"i": {"email": "nope", "subject": "Hi", "description": "There"}},
    )
    assert error.code == "BAD_USER_INPUT"
    assert error.errors[0]["extensions"]["field"] == "email"
    assert ticket_count(d) == before


def test_submit_ticket_over_graphql_needs_no_token(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    fields = form("Over GraphQL")
    submitted = gql_from(d.base_url, client_address()).ok(
        "mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { key followUrl } }",
        {"i": {k: fields[k] for k in ("email", "name", "subject", "description")}},
    )["submitTicket"]
    row = ticket(d, submitted["key"])
    assert (row["source"], row["customer"]["email"]) == ("FORM", fields["email"])
    followed = d.gql.ok("query($t: String!) { followTicket(token: $t) { key } }",
                        {"t": token_of(submitted["followUrl"])})
    assert followed["followTicket"]["key"] == submitted["key"]


def test_the_form_is_limited_per_client_address(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    with http_from(client_address()) as http:
        for _ in range(RATE):
            assert http.post(f"{d.base_url}/forms/ticket", json=form()).status_code == 201
        before = ticket_count(d)
        refused = http.post(f"{d.base_url}/forms/ticket", json=form())  # another email, same address
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "RATE_LIMITED"
    wait = refused.json()["retryAfterSeconds"]
    assert 0 < wait <= 3600
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert ticket_count(d) == before
    # Another address is not held back by this one.
    with http_from(client_address()) as other:
        assert other.post(f"{d.base_url}/forms/ticket", json=form()).status_code == 201


def test_the_form_is_limited_per_email(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    email = f"{unique('eager')}@visitors.test"
    for _ in range(RATE):
        with http_from(client_address()) as http:
            assert http.post(f"{d.base_url}/forms/ticket", json=form(email=email)).status_code == 201
    before = ticket_count(d)
    with http_from(client_address()) as http:
        assert http.post(f"{d.base_url}/forms/ticket", json=form(email=email)).status_code == 429
    error = gql_from(d.base_url, client_address()).error(
        "mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { key } }",
        {"i": {"email": email.upper(), "subject": "Again", "description": "Please"}},
    )
    assert error.code == "RATE_LIMITED"
    assert 0 < error.errors[0]["extensions"]["retryAfterSeconds"] <= 3600
    assert ticket_count(d) == before


# --- linking ---------------------------------------------------------------------------

CREATE = """mutation($i: CreateTicketInput!) { createTicket(input: $i) {
  id key product { id } customer { id email externalId } } }"""


def test_customer_external_id_links_the_same_customer_twice(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    external = unique("crm")
    email = f"{unique('linked')}@customer.test"
    base = {"subject": "Order missing", "description": "Where is it?"}
    first = d.gql.ok(CREATE, {"i": {**base, "customerExternalId": external, "customerEmail": email}},
                     d.admin)["createTicket"]
    assert first["customer"] == {"id": first["customer"]["id"], "email": email, "externalId": external}
    second = d.gql.ok(CREATE, {"i": {**base, "customerExternalId": external}}, d.admin)["createTicket"]
    assert second["customer"]["id"] == first["customer"]["id"]

    # An existing customer found by email gets the external id it lacked.
    assert d.desk.other_customer is not None
    other_external = unique("crm")
    by_email = d.gql.ok(
        CREATE,
        {"i": {**base, "customerExternalId": other_external, "customerEmail": d.desk.other_customer.email}},
        d.admin,
    )["createTicket"]
    assert by_email["customer"]["id"] == d.desk.other_customer.id
    assert by_email["customer"]["externalId"] == other_external
    again = d.gql.ok(CREATE, {"i": {**base, "customerExternalId": other_external}}, d.admin)["createTicket"]
    assert again["customer"]["id"] == d.desk.other_customer.id

    before = ticket_count(d)
    error = d.gql.error(CREATE, {"i": {**base, "customerExternalId": unique("nobody")}}, d.admin)
    assert (error.code, error.errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", "customerExternalId")
    assert ticket_count(d) == before


RULE = """mutation($i: ProductRuleInput!) { upsertProductRule(input: $i) {
  id name keywords senderDomain product { id } } }"""


def test_a_product_rule_by_keyword_sets_the_product(intake_desk: IntakeDesk) -> None:
    d = intake_desk
    product = d.gql.ok("mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
                       {"i": {"name": unique("Zorblax")}}, d.admin)["createProduct"]["id"]
    word = f"zorblax{uuid.uuid4().hex[:6]}"
    rule = d.gql.ok(RULE, {"i": {"name": unique("rule"), "productId": product, "keywords": [word.upper()]}},
                    d.admin)["upsertProductRule"]
    assert rule["keywords"] == [word] and rule["product"]["id"] == product
    assert any(r["id"] == rule["id"] for r in d.gql.ok("{ productRules { id } }", None, d.admin)["productRules"])
    assert d.desk.customer is not None
    base = {"customerId": d.desk.customer.id, "subject": "Help"}
    matched = d.gql.ok(CREATE, {"i": {**base, "description": f"My {word.title()} makes noises."}},
                       d.admin)["createTicket"]
    assert matched["product"] == {"id": product}
    not_whole_word = d.gql.ok(CREATE, {"i": {**base, "description": f"My {word}s make noises."}},
                              d.admin)["createTicket"]
    assert not_whole_word["product"] is None
    with http_from(client_address()) as http:
        from_form = http.post(f"{d.base_url}/forms/ticket", json=form(f"{word} broken"))
    assert ticket(d, from_form.json()["key"])["product"] == {"id": product}

    # A disabled rule matches nothing.
    d.gql.ok(RULE, {"i": {"id": rule["id"], "name": rule["name"], "productId": product, "keywords": [word],
                          "enabled": False}}, d.admin)
    assert d.gql.ok(CREATE, {"i": {**base, "description": word}}, d.admin)["createTicket"]["product"] is None

    # Validated, and for admins and supervisors only.
    no_condition = d.gql.error(RULE, {"i": {"name": unique("empty"), "productId": product}}, d.admin)
    assert no_condition.code == "BAD_USER_INPUT"
    no_product = d.gql.error(RULE, {"i": {"name": unique("r"), "productId": "987654", "keywords": ["x"]}},
                             d.admin)
    assert (no_product.code, no_product.errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", "productId")
    bad_domain = d.gql.error(
        RULE, {"i": {"name": unique("r"), "productId": product, "senderDomain": "not a domain"}}, d.admin
    )
    assert bad_domain.code == "BAD_USER_INPUT"
    assert d.desk.agent is not None and d.desk.supervisor is not None
    agent = d.gql.error(RULE, {"i": {"name": unique("r"), "productId": product, "keywords": ["x"]}},
                        d.desk.agent.token)
    assert agent.code == "FORBIDDEN"
    by_supervisor = d.gql.ok(
        RULE, {"i": {"name": unique("r"), "productId": product, "senderDomain": "@Example.TEST"}},
        d.desk.supervisor.token,
    )["upsertProductRule"]
    assert by_supervisor["senderDomain"] == "example.test"
    assert d.gql.ok("mutation($i: ID!) { deleteProductRule(id: $i) }", {"i": by_supervisor["id"]},
                    d.desk.supervisor.token)["deleteProductRule"] is True


# --- chat ------------------------------------------------------------------------------

CHANNEL = """mutation($i: ChatChannelInput!) { upsertChatChannel(input: $i) {
  id name secret enabled webhookPath productId } }"""


@dataclass
class Chat:
    d: IntakeDesk
    name: str
    secret: str
    http: httpx.Client

    def post(
        self,
        payload: dict[str, Any] | bytes,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        channel: str | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "content-type": "application/json",
            "X-Helpdesk-Timestamp": stamp,
            "X-Helpdesk-Signature": sign(secret or self.secret, stamp, body),
        }
        return self.http.post(f"{self.d.base_url}/hooks/chat/{channel or self.name}", content=body,
                              headers=headers)


def message(conversation: str, text: str, message_id: str | None = None, sender: str = "u-1",
            email: str | None = None) -> dict[str, Any]:
    person: dict[str, Any] = {"id": sender, "name": "Chatty Cathy"}
    if email is not None:
        person["email"] = email
    return {
        "message": {"id": message_id or uuid.uuid4().hex, "text": text},
        "sender": person,
        "conversation": {"id": conversation},
    }


@pytest.fixture(scope="module")
def chat(intake_desk: IntakeDesk) -> Iterator[Chat]:
    d = intake_desk
    product = d.gql.ok("mutation($i: ProductInput!) { createProduct(input: $i) { id } }",
                       {"i": {"name": unique("Chat app")}}, d.admin)["createProduct"]["id"]
    name = unique("im").lower()
    created = d.gql.ok(CHANNEL, {"i": {"name": name, "productId": product}}, d.admin)["upsertChatChannel"]
    assert created["secret"] and len(created["secret"]) >= 32
    assert created["webhookPath"] == f"/hooks/chat/{name}"
    assert created["productId"] == product
    listed = d.gql.ok("{ chatChannels { name secret } }", None, d.admin)["chatChannels"]
    assert {"name": name, "secret": None} in listed  # shown once, never read back
    with httpx.Client(timeout=30) as http:
        yield Chat(d, name, created["secret"], http)


def test_chat_messages_make_a_ticket_and_join_it(chat: Chat) -> None:
    d = chat.d
    conversation = unique("conv")
    first = chat.post(message(conversation, "The app crashes on start\nIt shows a white screen."))
    assert first.status_code == 201, first.text
    assert first.json()["duplicate"] is False
    assert first.json()["messageId"] is None
    key = first.json()["ticketKey"]
    row = ticket(d, key)
    assert row["source"] == "CHAT"
    assert row["subject"] == "The app crashes on start"
    assert row["description"].endswith("white screen.")
    assert row["product"] is not None
    assert row["customer"]["externalId"] == f"{chat.name}:u-1"

    second = chat.post(message(conversation, "Also on my tablet."))
    assert second.status_code == 200, second.text
    assert second.json()["ticketKey"] == key
    assert second.json()["messageId"]
    joined = ticket(d, key)
    assert [(m["body"], m["channel"], m["authorKind"]) for m in joined["messages"]] == [
        ("Also on my tablet.", "CHAT", "CUSTOMER")
    ]

    # Someone else in the same (group) conversation: a ticket of their own, never a message
    # on this customer's ticket.
    other_person = chat.post(message(conversation, "Me too!", sender="u-9"))
    assert other_person.status_code == 201, other_person.text
    assert other_person.json()["ticketKey"] != key
    assert len(ticket(d, key)["messages"]) == 1

    # Another conversation of the same person: its own ticket, the same customer.
    elsewhere = chat.post(message(unique("conv"), "Different topic"))
    assert elsewhere.status_code == 201
    other = ticket(d, elsewhere.json()["ticketKey"])
    assert other["key"] != key and other["customer"]["id"] == row["customer"]["id"]


def test_a_redelivered_chat_message_stores_nothing(chat: Chat) -> None:
    d = chat.d
    conversation = unique("conv")
    opening = message(conversation, "First words", message_id="m-open")
    created = chat.post(opening)
    assert created.status_code == 201
    follow_up = message(conversation, "More words", message_id="m-more")
    assert chat.post(follow_up).status_code == 200
    key = created.json()["ticketKey"]
    before = (ticket_count(d), len(ticket(d, key)["messages"]))

    for payload in (opening, follow_up):
        again = chat.post(payload)
        assert again.status_code == 200, again.text
        assert again.json()["duplicate"] is True
        assert again.json()["ticketKey"] == key
    assert (ticket_count(d), len(ticket(d, key)["messages"])) == before


def test_concurrent_deliveries_of_one_message_store_it_once(chat: Chat) -> None:
    d = chat.d
    conversation = unique("conv")
    before = ticket_count(d, "CHAT")
    opening = message(conversation, "Race to open", message_id=unique("race"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: chat.post(opening), range(4)))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    assert len({a.json()["ticketKey"] for a in answers}) == 1
    assert [a.json()["duplicate"] for a in answers].count(False) == 1
    assert ticket_count(d, "CHAT") == before + 1

    key = answers[0].json()["ticketKey"]
    reply = message(conversation, "Race to reply", message_id=unique("race"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: chat.post(reply), range(4)))
    assert all(a.status_code == 200 for a in replies), [a.text for a in replies]
    assert [a.json()["duplicate"] for a in replies].count(False) == 1
    assert len({a.json()["messageId"] for a in replies}) == 1
    assert [m["body"] for m in ticket(d, key)["messages"]] == ["Race to reply"]


def test_a_conversations_first_messages_arriving_together_share_one_ticket(chat: Chat) -> None:
    d = chat.d
    conversation = unique("conv")
    before = ticket_count(d, "CHAT")
    texts = [f"Burst {n}" for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda text: chat.post(message(conversation, text, message_id=unique("b"))),
                                texts))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    assert [a.status_code for a in answers].count(201) == 1
    assert len({a.json()["ticketKey"] for a in answers}) == 1
    assert ticket_count(d, "CHAT") == before + 1
    row = ticket(d, answers[0].json()["ticketKey"])
    stored = [row["description"], *(m["body"] for m in row["messages"])]
    assert sorted(stored) == texts  # each message once, none lost


def test_a_bad_or_stale_signature_is_refused_and_stores_nothing(chat: Chat) -> None:
    d = chat.d
    conversation = unique("conv")
    before = ticket_count(d)
    payload = message(conversation, "Let me in")
    bad = chat.post(payload, secret="not-the-secret-at-all")
    assert bad.status_code == 401, bad.text
    assert bad.json()["code"] == "UNAUTHENTICATED"
    stale = chat.post(payload, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401
    unsigned = chat.http.post(f"{d.base_url}/hooks/chat/{chat.name}", json=payload)
    assert unsigned.status_code == 401
    assert ticket_count(d) == before

    # The same message, properly signed, is then taken: the refusals left no receipt.
    assert chat.post(payload).status_code == 201

    assert chat.post(payload, channel=unique("nochannel").lower()).status_code == 404
    invalid = chat.post({"message": {"id": "x"}, "sender": {"id": "s"}, "conversation": {"id": "c"}})
    assert invalid.status_code == 400 and invalid.json()["field"] == "message.text"
    assert chat.post(b"not json").status_code == 400
    assert ticket_count(d) == before + 1


def test_a_message_after_the_ticket_is_closed_opens_a_new_one(chat: Chat) -> None:
    d = chat.d
    conversation = unique("conv")
    first = chat.post(message(conversation, "Billing question", sender="u-2", email="Cathy@Chat.test"))
    key = first.json()["ticketKey"]
    row = ticket(d, key)
    assert row["customer"]["email"] == "cathy@chat.test"
    for step in ("resolveTicket", "closeTicket"):
        d.gql.ok(f"mutation($t: ID!) {{ {step}(ticketId: $t) {{ status }} }}", {"t": row["id"]}, d.admin)
    later = chat.post(message(conversation, "One more thing", sender="u-2"))
    assert later.status_code == 201, later.text
    assert later.json()["ticketKey"] != key
    new = ticket(d, later.json()["ticketKey"])
    assert new["customer"]["id"] == row["customer"]["id"]
    assert new["subject"] == "One more thing"
    assert ticket(d, key)["messages"] == []


def test_a_chat_sender_cannot_take_a_known_customers_email(chat: Chat) -> None:
    d = chat.d
    victim = f"{unique('known')}@customer.test"
    with http_from(client_address()) as http:
        opened = http.post(f"{d.base_url}/forms/ticket", json=form("Mine", email=victim))
    victim_id = ticket(d, opened.json()["key"])["customer"]["id"]
    posted = chat.post(message(unique("conv"), "I am them", sender=unique("intruder"), email=victim))
    assert posted.status_code == 201, posted.text
    chatted = ticket(d, posted.json()["ticketKey"])
    assert chatted["customer"]["id"] != victim_id
    assert chatted["customer"]["email"].endswith(".invalid")
    # The known customer keeps no external id of the intruder's.
    again = ticket(d, opened.json()["key"])["customer"]
    assert again["id"] == victim_id and again["externalId"] is None


def test_chat_channels_are_for_admins(chat: Chat) -> None:
    d = chat.d
    assert d.desk.supervisor is not None
    denied = d.gql.error(CHANNEL, {"i": {"name": unique("x").lower()}}, d.desk.supervisor.token)
    assert denied.code == "FORBIDDEN"
    bad_name = d.gql.error(CHANNEL, {"i": {"name": "has spaces"}}, d.admin)
    assert (bad_name.code, bad_name.errors[0]["extensions"]["field"]) == ("BAD_USER_INPUT", "name")

    name = unique("tmp").lower()
    given = d.gql.ok(CHANNEL, {"i": {"name": name, "secret": "s" * 20}}, d.admin)["upsertChatChannel"]
    assert given["secret"] == "s" * 20
    # Disabling keeps the secret and closes the hook.
    disabled = d.gql.ok(CHANNEL, {"i": {"name": name, "enabled": False}}, d.admin)["upsertChatChannel"]
    assert disabled["secret"] is None and disabled["enabled"] is False
    payload = message(unique("conv"), "hello")
    assert Chat(d, name, "s" * 20, chat.http).post(payload).status_code == 404
    d.gql.ok(CHANNEL, {"i": {"name": name, "enabled": True}}, d.admin)
    assert Chat(d, name, "s" * 20, chat.http).post(payload).status_code == 201
    assert d.gql.ok("mutation($n: String!) { deleteChatChannel(name: $n) }", {"n": name},
                    d.admin)["deleteChatChannel"] is True
    assert Chat(d, name, "s" * 20, chat.http).post(message(unique("conv"), "hi")).status_code == 404
