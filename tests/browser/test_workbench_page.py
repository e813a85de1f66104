"""The workbench page and GraphiQL in a real browser: live rows, SLA colours, the
reconnect with `since`, and GraphiQL running on this server's own files."""

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.api.desk import Desk
from tests.api.test_sla import scoped_policy
from tests.browser.conftest import graphiql_missing, require, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Request

ASSIGN = "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, agentId: $a) { id } }"
SHADE_RED = "rgb(253, 226, 225)"  # --breached-bg of the light theme
SHADE_AMBER = "rgb(255, 243, 214)"  # --near-bg


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=15_000)  # SLA timers on a busy 2-core machine
    return playwright_expect(target)


def open_workbench(page: "Page", site: str, token: str) -> None:
    page.goto(f"{site}/workbench?token={token}")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(page.locator('[data-count-for="mine"]')).not_to_have_text("")  # the first load is in


def assign_new_ticket(desk: Desk, **fields: Any) -> dict[str, Any]:
    assert desk.agent is not None
    ticket = desk.ticket(**fields)
    desk.gql.ok(ASSIGN, {"t": ticket["id"], "a": desk.agent.id}, desk.admin)
    return ticket


def mine(page: "Page", ticket: dict[str, Any]) -> "Locator":
    return page.locator(f'#mine tbody tr[data-ticket-id="{ticket["id"]}"]')


def background(row: "Locator") -> str:
    return str(row.evaluate("row => getComputedStyle(row).backgroundColor"))


def test_an_assignment_appears_without_a_reload(page: "Page", site: str, desk: Desk) -> None:
    assert desk.agent is not None
    open_workbench(page, site, desk.agent.token)
    assert "token=" not in page.url  # taken out of the address bar once stored
    page.evaluate("window.sameDocument = true")  # a reload or navigation would lose it

    ticket = assign_new_ticket(desk, priority="HIGH", subject="Printer on fire")

    row = mine(page, ticket)
    expect(row).to_be_visible()
    expect(row.locator("th")).to_have_text(ticket["key"])
    expect(row.locator(".subject")).to_have_text("Printer on fire")
    expect(row.locator(".due time")).to_have_text(re.compile(r"^in \d"))  # a live countdown
    expect(page.locator("#activity")).to_contain_text(f"{ticket['key']} was assigned to you.")
    assert desk.customer is not None
    desk.gql.ok('mutation($t: ID!) { addReply(ticketId: $t, body: "Any news?") { id } }',
                {"t": ticket["id"]}, desk.customer.token)
    expect(page.locator("#activity")).to_contain_text(f"{ticket['key']}: the customer replied.")
    assert page.evaluate("window.sameDocument") is True
    screenshot(page, "workbench-assigned")


def test_near_breach_goes_amber_breach_goes_red_and_urgent_comes_first(
    page: "Page", site: str, desk: Desk
) -> None:
    assert desk.agent is not None
    scoped_policy(desk, first=6, resolution=600, warn=[25])  # URGENT, this desk's group only
    calm = assign_new_ticket(desk, priority="LOW", subject="Update my address")
    open_workbench(page, site, desk.agent.token)

    urgent = assign_new_ticket(desk, priority="URGENT", subject="Checkout is down")
    row = mine(page, urgent)
    expect(row).to_be_visible()
    expect(page.locator("#mine tbody tr").first).to_have_attribute("data-ticket-id", urgent["id"])
    expect(mine(page, calm)).to_be_visible()

    expect(row).to_have_class(re.compile(r"\brow--near-breach\b"))  # 25% of 6 s
    assert background(row) == SHADE_AMBER
    expect(row).to_have_class(re.compile(r"\brow--breached\b"))  # the SlaBreached event
    expect(row).to_have_attribute("data-sla", "BREACHED")
    assert background(row) == SHADE_RED
    expect(row.locator(".sla .badge")).to_have_text("Breached")  # said in words, not colour only
    expect(row.locator(".due time")).to_have_text(re.compile(r"overdue$"))
    expect(page.locator("#activity")).to_contain_text(f"{urgent['key']} breached its first response target.")
    screenshot(page, "workbench-breached")


def test_after_a_drop_it_resubscribes_with_since_and_catches_up(page: "Page", site: str, desk: Desk) -> None:
    assert desk.agent is not None
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    open_workbench(page, site, desk.agent.token)
    first = assign_new_ticket(desk, subject="Before the drop")
    expect(mine(page, first)).to_be_visible()
    last_seen = page.evaluate("workbench.state.lastEventId")
    assert last_seen

    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    second = assign_new_ticket(desk, subject="During the drop")
    page.wait_for_timeout(500)
    expect(mine(page, second)).to_have_count(0)  # nothing can arrive while offline

    page.context.set_offline(False)
    expect(mine(page, second)).to_be_visible()  # replayed from `since`, not reloaded
    subscribes = [m for m in map(json.loads, sent) if m.get("type") == "subscribe"]
    # Even the first subscription replays: from the newest event id of the load before it,
    # so nothing between the load and the subscription is lost.
    assert subscribes[0]["payload"]["variables"]["since"] is not None
    assert subscribes[-1]["payload"]["variables"] == {"since": last_seen}
    assert json.loads(sent[0]) == {"type": "connection_init",
                                   "payload": {"authorization": f"Bearer {desk.agent.token}"}}


def test_a_rejected_token_asks_to_sign_in_again(page: "Page", site: str) -> None:
    page.goto(f"{site}/workbench?token=not-a-token")
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#token-error")).to_contain_text("did not accept this token")
    expect(page.get_by_role("textbox", name="API token")).to_be_focused()
    assert page.evaluate("localStorage.getItem('helpdesk.token')") is None


class _Assets(HTMLParser):
    """The script and stylesheet URLs of a page, with their integrity values."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.found.append((str(values["src"]), values.get("integrity")))
        elif tag == "link" and values.get("href") and "stylesheet" in (values.get("rel") or ""):
            self.found.append((str(values["href"]), values.get("integrity")))


def test_graphiql_loads_only_local_assets(site: str) -> None:
    require(graphiql_missing())
    page = httpx.get(f"{site}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parser = _Assets()
    parser.feed(page.text)
    assert len(parser.found) >= 4, parser.found  # react, react-dom, graphiql js and css
    own_host = urlsplit(site).netloc
    for url, integrity in parser.found:
        absolute = urljoin(f"{site}/graphql", url)
        assert urlsplit(absolute).netloc == own_host, f"{url} is not served by this server"
        asset = httpx.get(absolute, timeout=10)
        assert asset.status_code == 200, url
        assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)


def test_graphiql_runs_and_subscribes_with_the_headers_token(page: "Page", site: str, desk: Desk) -> None:
    require(graphiql_missing())
    assert desk.agent is not None
    ticket = assign_new_ticket(desk, subject="Seen from GraphiQL")
    foreign: list[str] = []

    def note_foreign(request: "Request") -> None:
        if request.url.startswith("http") and urlsplit(request.url).netloc != urlsplit(site).netloc:
            foreign.append(request.url)

    page.on("request", note_foreign)
    page.goto(f"{site}/graphql")
    expect(page.locator(".graphiql-editors")).to_be_visible()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("workbench")
    screenshot(page, "graphiql")
    # The IDE's own fetcher, as the Run button would call it, for a subscription: it
    # must carry the Authorization header into connection_init.
    first = page.evaluate(
        """async (token) => {
          const query = 'subscription { workbenchEvents(since: "0") { ... on TicketActivityItem { ticket { id } } } }';
          const options = { headers: { Authorization: "Bearer " + token },
                            documentAST: GraphiQL.GraphQL.parse(query) };
          return await new Promise((resolve, reject) => {
            const subscription = window.helpdeskGraphiQLFetcher({ query }, options).subscribe({
              next: (result) => { subscription.unsubscribe(); resolve(result); },
              error: reject,
              complete: () => reject(new Error("completed without a result")),
            });
          });
        }""",
        desk.agent.token,
    )
    assert first == {"data": {"workbenchEvents": {"ticket": {"id": ticket["id"]}}}}
    assert foreign == []


@pytest.mark.parametrize("path", ["/workbench", "/workbench/"])
def test_the_page_and_its_files_are_served(site: str, path: str) -> None:
    page = httpx.get(f"{site}{path}", follow_redirects=True, timeout=10)
    assert page.status_code == 200 and "<table" in page.text
    assert str(page.url).endswith("/workbench/")  # relative asset URLs resolve under it
    for name in ("app.js", "style.css"):
        assert httpx.get(f"{site}/workbench/{name}", timeout=10).status_code == 200
