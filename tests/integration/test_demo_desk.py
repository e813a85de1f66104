"""`make run`'s path end to end: migrate, load the demo twice, sign in as the demo users and
look at the desk through the API. Its own fresh database on this run's backend."""

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.services.demo import DEMO_LOGINS
from tests.backends import create_backend, drop_backend
from tests.conftest import run_cli, serve_process, start_worker, stop_process
from tests.gql import GraphQL


@dataclass
class DemoDesk:
    gql: GraphQL
    tokens: dict[str, str]
    second_load_output: str


@pytest.fixture(scope="module")
def demo_desk(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDesk]:
    tmp = tmp_path_factory.mktemp("demo")
    own = create_backend(tmp)
    try:
        env = {**cli_env, "HELPDESK_DATABASE_URL": own.database_url, "HELPDESK_VAR_DIR": str(tmp),
               "HELPDESK_QUEUE_NAME": f"helpdesk-test-demo:{uuid.uuid4().hex[:8]}"}
        assert run_cli(env, "migrate").returncode == 0
        first = run_cli(env, "demo", timeout=300)
        assert first.returncode == 0, first.stderr
        second = run_cli(env, "demo", timeout=300)
        assert second.returncode == 0, second.stderr
        tokens = {}
        for role, email in DEMO_LOGINS.items():
            # an existing user keeps its role: this only issues a token
            result = run_cli(env, "token", "create", "--email", email, "--role", "AGENT")
            assert result.returncode == 0, result.stderr
            tokens[role] = result.stdout.strip().splitlines()[-1]
        # On the real backend the classification (and SLA) jobs need this desk's own worker.
        worker = start_worker(env) if own.is_real else None
        try:
            with serve_process(env) as base_url:
                yield DemoDesk(GraphQL(base_url), tokens, second.stdout)
        finally:
            if worker is not None:
                stop_process(worker)
    finally:
        drop_backend(own)


def count(desk: DemoDesk, role: str, filter: dict[str, object] | None = None) -> int:
    data = desk.gql.ok("query($f: TicketFilter) { tickets(filter: $f, first: 0) { totalCount } }",
                       {"f": filter}, desk.tokens[role])
    return int(data["tickets"]["totalCount"])


def test_about_200_tickets_in_every_status_priority_and_source(demo_desk: DemoDesk) -> None:
    assert 180 <= count(demo_desk, "admin") <= 220
    for status in ("NEW", "OPEN", "WAITING", "RESOLVED", "CLOSED"):
        assert count(demo_desk, "admin", {"status": [status]}) > 0, status
    for priority in ("URGENT", "HIGH", "MEDIUM", "LOW"):
        assert count(demo_desk, "admin", {"priority": [priority]}) > 0, priority
    for source in ("EMAIL", "FORM", "CHAT", "API", "PHONE"):
        assert count(demo_desk, "admin", {"source": [source]}) > 0, source
    waiting = demo_desk.gql.ok('{ tickets(first: 200, filter: {status: [WAITING]}) { nodes { waitReason } } }',
                               None, demo_desk.tokens["admin"])["tickets"]["nodes"]
    assert {t["waitReason"] for t in waiting} == {"CUSTOMER", "THIRD_PARTY", "REVIEW"}


def test_the_second_load_adds_nothing(demo_desk: DemoDesk) -> None:
    assert "already loaded" in demo_desk.second_load_output
    assert 180 <= count(demo_desk, "admin") <= 220


def test_tickets_span_the_last_30_days_with_conversations_and_logs(demo_desk: DemoDesk) -> None:
    nodes = demo_desk.gql.ok(
        "{ tickets(first: 200) { nodes { createdAt messages { authorKind internal } events { kind } sla { state } } } }",
        None, demo_desk.tokens["admin"])["tickets"]["nodes"]
    created = [datetime.fromisoformat(t["createdAt"]) for t in nodes]
    now = datetime.now(UTC)
    assert all(now - timedelta(days=31) <= c <= now for c in created)
    assert max(created) - min(created) > timedelta(days=20)
    messages = [m for t in nodes for m in t["messages"]]
    assert {(m["authorKind"], m["internal"]) for m in messages} >= {("CUSTOMER", False), ("AGENT", False), ("AGENT", True)}
    kinds = {e["kind"] for t in nodes for e in t["events"]}
    assert {"CREATED", "ASSIGNED", "STATUS_CHANGED", "REPLIED", "FIRST_RESPONSE"} <= kinds
    assert {t["sla"]["state"] for t in nodes} >= {"MET", "BREACHED"}


def test_directory(demo_desk: DemoDesk) -> None:
    admin = demo_desk.tokens["admin"]
    data = demo_desk.gql.ok(
        "{ groups { id } agents { role } customers(first: 200) { tier organisation externalId } "
        "products { id } categories { examples { text } defaultGroup { id } } }", None, admin)
    assert len(data["groups"]) >= 3
    assert sum(1 for a in data["agents"] if a["role"] == "AGENT") >= 8
    assert len(data["customers"]) >= 30
    assert {c["tier"] for c in data["customers"]} == {"STANDARD", "PREMIUM", "VIP"}
    assert sum(1 for c in data["customers"] if c["organisation"]) >= 20
    assert sum(1 for c in data["customers"] if c["externalId"]) >= 5
    assert len(data["products"]) >= 4
    assert len(data["categories"]) >= 4
    assert all(5 <= len(c["examples"]) <= 10 and c["defaultGroup"] for c in data["categories"])


def test_demo_agent_and_customer_see_their_share(demo_desk: DemoDesk) -> None:
    agent_groups = {g["id"] for g in demo_desk.gql.ok("{ me { groups { id } } }", None, demo_desk.tokens["agent"])["me"]["groups"]}
    seen = demo_desk.gql.ok("{ tickets(first: 200) { totalCount nodes { group { id } assignee { id } } } }",
                            None, demo_desk.tokens["agent"])["tickets"]
    me = demo_desk.gql.ok("{ me { id } }", None, demo_desk.tokens["agent"])["me"]["id"]
    assert 0 < seen["totalCount"] < count(demo_desk, "admin")
    assert all((t["group"] and t["group"]["id"] in agent_groups) or (t["assignee"] or {}).get("id") == me
               for t in seen["nodes"])
    bench = demo_desk.gql.ok("{ workbench { pending { id } inProgress { id } waiting { id } } }", None,
                             demo_desk.tokens["agent"])["workbench"]
    assert sum(len(v) for v in bench.values()) > 0
    own = demo_desk.gql.ok("{ tickets(first: 200) { nodes { customer { email } } } }", None,
                           demo_desk.tokens["customer"])["tickets"]["nodes"]
    assert own and {t["customer"]["email"] for t in own} == {DEMO_LOGINS["customer"]}


def test_todays_new_tickets_are_classified_when_the_server_starts(demo_desk: DemoDesk) -> None:
    """The demo leaves its NEW tickets to the classifier: the server's sweep (or the worker's)
    classifies them; the history, triaged by people, is left alone."""
    query = """{ tickets(first: 200, filter: {status: [NEW]}) { nodes { classification { model confidence }
                 events { kind note } } } }"""
    deadline = time.monotonic() + 240
    while True:
        nodes = demo_desk.gql.ok(query, None, demo_desk.tokens["admin"])["tickets"]["nodes"]
        if nodes and all(n["classification"] for n in nodes):
            break
        assert time.monotonic() < deadline, "the demo's NEW tickets were not classified"
        time.sleep(0.5)
    for node in nodes:
        notes = [e["note"] for e in node["events"] if e["kind"] == "CLASSIFIED"]
        assert len(notes) == 1 and notes[0], node
    resolved = demo_desk.gql.ok("{ tickets(first: 50, filter: {status: [RESOLVED, CLOSED]}) { nodes { classification { model } } } }",
                                None, demo_desk.tokens["admin"])["tickets"]["nodes"]
    assert resolved and all(n["classification"] is None for n in resolved)
