#!/usr/bin/env python3
"""Follow your help-desk workbench live, with `gql` over WebSocket (graphql-transport-ws).

It signs in with an API token, reads the workbench, then follows `workbenchEvents` and
prints one JSON object per line on stdout: first the workbench (`"__typename": "Workbench"`),
then one line per event (`TicketAssigned`, `TicketUpdated`, `SlaNearBreach`, `SlaBreached`).
When the connection drops it reconnects and resumes with `since` = the last eventId it
printed, so nothing is missed or repeated. Diagnostics go to stderr.

    HELPDESK_URL=http://127.0.0.1:8000 HELPDESK_TOKEN=hd_... python workbench_client.py
    python workbench_client.py --url http://127.0.0.1:8000 --token hd_... --since 1042 --max-events 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import (
    TransportClosed,
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.websockets import WebsocketsTransport

TICKET_FIELDS = """fragment TicketSummary on Ticket {
  id key subject status priority assignee { id } sla { state }
}"""

WORKBENCH = GraphQLRequest(
    """query Workbench {
      workbench {
        __typename
        pending { ...TicketSummary }
        inProgress { ...TicketSummary }
        waiting { ...TicketSummary }
        nearBreach { ...TicketSummary }
        unassignedInMyGroups { ...TicketSummary }
      }
    }
    """ + TICKET_FIELDS
)

WORKBENCH_EVENTS = """subscription WorkbenchEvents($since: ID) {
  workbenchEvents(since: $since) {
    __typename
    ... on TicketActivityItem { eventId at ticket { ...TicketSummary } }
    ... on TicketAssigned { previousAssigneeId }
    ... on TicketUpdated { event { id kind before after note } }
    ... on SlaNearBreach { target percent }
    ... on SlaBreached { target }
  }
}
""" + TICKET_FIELDS

# Errors that no retry can fix: the token or the request itself is wrong.
FATAL_CODES = {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT"}
# The server closes the socket with 4403 when connection_init carries no valid token.
FORBIDDEN_CLOSE = 4403
MAX_BACKOFF = 10.0


class Fatal(Exception):
    """Stop for good: retrying would fail the same way."""


class Done(Exception):
    """--max-events reached."""


class ResubscribeError(Exception):
    """A GraphQL error on the subscription, with how far it got."""

    def __init__(self, error: TransportQueryError, after_events: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.after_events = after_events


@dataclass
class State:
    """What survives a reconnect: where to resume and how much is left to print."""

    since: str | None
    need_workbench: bool
    remaining: int | None  # None: no --max-events limit
    printed: int = 0


def websocket_url(url: str) -> str:
    """Accept http(s)://host[:port][/graphql] or ws(s)://... and give the WebSocket endpoint."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise Fatal(f"unsupported URL scheme in {url!r}")
    path = parts.path.rstrip("/") or "/graphql"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def make_client(url: str, token: str) -> Client:
    transport = WebsocketsTransport(
        url=websocket_url(url),
        # gql offers the legacy `graphql-ws` first, and the server serves only subscriptions
        # over it; the current protocol also carries the workbench query on the same socket.
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {token}"},
        # The server does not ping on graphql-transport-ws, so a dead link (laptop asleep,
        # proxy dropped the socket) would stay silent forever: ping it, reconnect on no pong.
        ping_interval=20,
        pong_timeout=10,
    )
    return Client(transport=transport, fetch_schema_from_transport=False, execute_timeout=30)


def emit(obj: dict[str, Any]) -> None:
    # flush: a pipe would otherwise hold lines back until the buffer fills.
    print(json.dumps(obj, separators=(",", ":")), flush=True)


def log(message: str) -> None:
    print(f"workbench-client: {message}", file=sys.stderr, flush=True)


def error_code(error: TransportQueryError) -> str | None:
    for item in error.errors or []:
        code = (item.get("extensions") or {}).get("code")
        if code:
            return str(code)
    return None


async def pump(events: AsyncIterator[dict[str, Any]], queue: asyncio.Queue[object]) -> None:
    """Move subscription results into a queue, ending with the exception or None."""
    try:
        async for result in events:
            await queue.put(result["workbenchEvents"])
    except Exception as error:  # handed to the reader, which decides what it means
        await queue.put(error)
    else:
        await queue.put(None)


async def follow(session: AsyncClientSession, state: State) -> None:
    """One connection: subscribe, read the workbench if needed, then print events."""
    request = GraphQLRequest(WORKBENCH_EVENTS, variable_values={"since": state.since})
    queue: asyncio.Queue[object] = asyncio.Queue()
    # Subscribe before reading the workbench: a change made while the workbench loads then
    # arrives as an event instead of falling in the gap (at worst it shows in both).
    task = asyncio.create_task(pump(session.subscribe(request), queue))
    try:
        await asyncio.sleep(0)  # let the subscribe message leave first
        if state.need_workbench:
            result = await session.execute(WORKBENCH)
            emit(result["workbench"])
            state.need_workbench = False
        await print_events(queue, state)
    finally:
        task.cancel()


async def print_events(queue: asyncio.Queue[object], state: State) -> None:
    received = 0
    while True:
        item = await queue.get()
        if item is None:
            raise TransportClosed("the server ended the subscription")
        if isinstance(item, TransportQueryError):
            raise ResubscribeError(item, after_events=received)
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, dict)
        emit(item)
        received += 1
        state.since = str(item["eventId"])
        state.printed += 1
        if state.remaining is not None:
            state.remaining -= 1
            if state.remaining <= 0:
                raise Done


def handle_query_error(error: TransportQueryError, state: State, after_events: int) -> None:
    """Decide how to go on after a GraphQL error; raise Fatal when we cannot."""
    code = error_code(error)
    if code in FATAL_CODES:
        raise Fatal(f"{code}: {error}")
    if code == "CONFLICT" and after_events == 0 and state.since is not None:
        # Too many events missed for a replay: start over from a fresh workbench.
        log("too far behind for a replay: reloading the workbench")
        state.since, state.need_workbench = None, True
        return
    if code == "CONFLICT":
        log(f"resubscribing from event {state.since}: {error}")  # we were too slow
        return
    raise Fatal(f"{code or 'ERROR'}: {error}")


def closed_for_auth(error: BaseException) -> bool:
    """True when the server closed the socket because the token was refused."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(getattr(seen, "rcvd", None), "code", None) == FORBIDDEN_CLOSE:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def run(url: str, token: str, state: State) -> None:
    """Connect, follow, and reconnect with `since` until stopped."""
    backoff = 0.5
    while True:
        printed_before = state.printed
        try:
            async with make_client(url, token) as session:
                await follow(session, state)
        except ResubscribeError as error:
            handle_query_error(error.error, state, error.after_events)
        except TransportQueryError as error:  # from the workbench query
            handle_query_error(error, state, after_events=0)
        except (TimeoutError, OSError, TransportClosed, TransportConnectionFailed,
                TransportProtocolError, TransportServerError) as error:
            if closed_for_auth(error):
                raise Fatal("the server refused the token") from error
            log(f"connection lost ({type(error).__name__}: {error}); retrying in {backoff:.1f}s")
        if state.printed > printed_before:
            backoff = 0.5  # the link worked for a while: retry quickly
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Print your help-desk workbench and its live events "
                                     "as JSON lines.")
    parser.add_argument("--url", default=os.environ.get("HELPDESK_URL", "http://127.0.0.1:8000"),
                        help="server base URL or WebSocket endpoint (env HELPDESK_URL)")
    parser.add_argument("--token", default=os.environ.get("HELPDESK_TOKEN"),
                        help="API token of an agent (env HELPDESK_TOKEN)")
    parser.add_argument("--since", help="resume after this eventId (skips the workbench read)")
    parser.add_argument("--max-events", type=int, help="stop after printing N events")
    parser.add_argument("--timeout", type=float, help="stop after this many seconds")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("a token is required: --token or HELPDESK_TOKEN")
    if args.max_events is not None and args.max_events < 1:
        parser.error("--max-events must be at least 1")
    return args


async def amain(args: argparse.Namespace) -> int:
    # With --since the caller already holds the state up to that event: only the delta is new.
    state = State(since=args.since, need_workbench=args.since is None, remaining=args.max_events)
    try:
        async with asyncio.timeout(args.timeout):
            await run(args.url, args.token, state)
    except Done:
        return 0
    except TimeoutError:
        log(f"--timeout reached after {state.printed} event(s)")
        return 0
    except Fatal as error:
        log(str(error))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(amain(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
