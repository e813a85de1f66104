"""client-examples/python/workbench_client.py (gql over graphql-transport-ws) against the
session's server."""

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import pytest

from tests.api.desk import Desk
from tests.clients import scenarios
from tests.clients.runner import CLIENT_EXAMPLES, ClientProcess, require, running

CLIENT = CLIENT_EXAMPLES / "python" / "workbench_client.py"


@pytest.fixture(scope="session")
def gql_installed() -> None:
    require(None if importlib.util.find_spec("gql") else
            "the Python package gql is not installed: pip install 'gql[websockets]>=4.4,<5'")


@contextmanager
def start(desk: Desk, *args: str, token: str | None = None, url: str | None = None) -> Iterator[ClientProcess]:
    assert desk.agent is not None
    command = [sys.executable, str(CLIENT), "--url", url or desk.gql.base_url, *args]
    with running(command, token or desk.agent.token, cwd=CLIENT.parent) as client:
        yield client


def test_prints_the_workbench_then_a_live_assignment(desk: Desk, gql_installed: None) -> None:
    scenarios.follow_live_assignment(desk, partial(start, desk))


def test_resumes_after_the_last_event_with_since(desk: Desk, gql_installed: None) -> None:
    scenarios.resume_with_since(desk, partial(start, desk))


def test_reconnects_and_resumes_after_a_dropped_connection(desk: Desk, gql_installed: None) -> None:
    scenarios.resume_after_a_dropped_connection(desk, partial(start, desk))


def test_a_refused_token_stops_the_client(desk: Desk, gql_installed: None) -> None:
    scenarios.refuse_a_bad_token(partial(start, desk))
