"""Two API processes on Redis: a change made through one reaches a subscriber of the other,
and a Redis restart mid-stream loses and repeats nothing. Real backend only."""

import subprocess
import time

import httpx
import pytest
import redis

from tests.api.desk import Desk
from tests.backends import REDIS_URL, Backend
from tests.conftest import serve_process
from tests.ws import Socket

EVENTS = "subscription($t: ID!, $s: ID) { ticketEvents(ticketId: $t, since: $s) { id kind } }"
NOTE = 'mutation($t: ID!, $b: String!) { addReply(ticketId: $t, body: $b, internal: true) { id } }'
ALL_EVENTS = "query($i: ID) { ticket(id: $i) { events { id } } }"


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], check=False)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.ConnectionError:
            break
        time.sleep(0.1)


def start_redis() -> None:
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
                    "--save", ""], check=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(REDIS_URL).ping()
            return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("Redis did not come back")


def test_events_cross_processes_and_survive_a_redis_restart(desk: Desk, backend: Backend, cli_env: dict[str, str]) -> None:
    if not backend.is_real:
        pytest.skip("needs the real backend: Redis between processes")
    assert desk.agent is not None
    ticket = desk.ticket()
    with serve_process(cli_env) as other_process:
        socket = Socket(other_process, desk.agent.token)
        try:
            socket.subscribe(EVENTS, {"t": ticket["id"]})
            time.sleep(0.5)
            desk.gql.ok(NOTE, {"t": ticket["id"], "b": "before"}, desk.agent.token)  # through process A
            received = [socket.next()["ticketEvents"] for _ in range(2)]  # NOTE_ADDED, STATUS_CHANGED
            restart_redis()
            try:
                assert httpx.get(f"{other_process}/readyz").status_code == 503  # broker down
                for body in ("during 1", "during 2"):  # committed; their publish is lost
                    desk.gql.ok(NOTE, {"t": ticket["id"], "b": body}, desk.agent.token)
            finally:
                start_redis()
            # Process B's listener reconnects and replays from the log what it missed.
            received += [socket.next(timeout=20)["ticketEvents"] for _ in range(2)]
            desk.gql.ok(NOTE, {"t": ticket["id"], "b": "after"}, desk.agent.token)
            received.append(socket.next(timeout=10)["ticketEvents"])
            assert httpx.get(f"{other_process}/readyz").status_code == 200  # and ready again
        finally:
            socket.close()
        # The client reconnects with `since`: nothing is repeated, and new events flow.
        again = Socket(other_process, desk.agent.token)
        try:
            again.subscribe(EVENTS, {"t": ticket["id"], "s": received[-1]["id"]})
            time.sleep(0.5)
            desk.gql.ok(NOTE, {"t": ticket["id"], "b": "last"}, desk.agent.token)
            received.append(again.next(timeout=10)["ticketEvents"])
            with pytest.raises(TimeoutError):
                again.next(timeout=1)
        finally:
            again.close()
    logged = [e["id"] for e in desk.gql.ok(ALL_EVENTS, {"i": ticket["id"]}, desk.admin)["ticket"]["events"]]
    ids = [e["id"] for e in received]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert ids == logged[1:], "an event was lost"  # everything after CREATED, in order
