"""A swarm of graphql-transport-ws subscribers in its own process, driven over stdin/stdout.

Its own process so that the swarm's CPU is not the server's event loop (and the server's
memory figure holds only the server). bench.subscribers starts it and sends one command a
line; every command is answered with exactly one JSON line on stdout:

    connect N     open N more sockets, each connection_init + subscribe to ticketEvents
    wait S T      until every open subscriber has an event created at or after S (a Unix
                  time: the start of the broadcast), or T seconds pass
    results       the deliveries since the last `results`: [[subscriber, event_id,
                  createdAt, received_at], ...] with received_at from time.time()
    close         close every socket
    quit          close and exit

    python -m bench.ws_swarm --url ws://127.0.0.1:PORT/graphql --token hd_... --ticket-id 1
"""

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

QUERY = "subscription($t: ID!) { ticketEvents(ticketId: $t) { id kind createdAt } }"
CONNECT_CONCURRENCY = 50  # at once: a burst of 1,000 handshakes would only queue in the backlog
HANDSHAKE_TIMEOUT = 30.0

Delivery = tuple[int, int, str, float]


@dataclass
class Subscriber:
    index: int
    ws: ClientConnection
    received: int = 0
    latest_created: float = 0.0  # the newest createdAt received (Unix time)
    task: asyncio.Task[None] | None = None
    error: str | None = None


@dataclass
class Swarm:
    url: str
    token: str
    ticket_id: str
    subscribers: list[Subscriber] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    # While a wait runs: the broadcast's creation time and how many subscribers still lack
    # it, counted down as they get it, so a delivery costs O(1) here, not a scan of all.
    waiting_since: float | None = None
    still_behind: int = 0

    async def open_one(self, index: int) -> Subscriber:
        ws = await connect(self.url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                           open_timeout=HANDSHAKE_TIMEOUT, ping_interval=None, max_queue=None)
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authorization": f"Bearer {self.token}"}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), HANDSHAKE_TIMEOUT))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"subscriber {index}: no connection_ack: {ack}")
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": QUERY, "variables": {"t": self.ticket_id}}}))
        subscriber = Subscriber(index, ws)
        subscriber.task = asyncio.create_task(self.read(subscriber))
        return subscriber

    async def read(self, subscriber: Subscriber) -> None:
        try:
            async for raw in subscriber.ws:
                # Stamp first: everything after this line is the swarm's cost, not the server's.
                received_at = time.time()
                message: dict[str, Any] = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    payload = message["payload"]
                    if payload.get("errors"):
                        subscriber.error = json.dumps(payload["errors"])[:300]
                        continue
                    event = payload["data"]["ticketEvents"]
                    created = event["createdAt"]
                    self.deliveries.append((subscriber.index, int(event["id"]), created, received_at))
                    subscriber.received += 1
                    before = subscriber.latest_created
                    subscriber.latest_created = max(before, datetime.fromisoformat(created).timestamp())
                    self._count_down(before, subscriber.latest_created)
                elif kind == "ping":
                    await subscriber.ws.send('{"type":"pong"}')
                elif kind in ("error", "complete"):
                    subscriber.error = str(raw)[:300]
                    return
        except ConnectionClosed as closed:
            subscriber.error = subscriber.error or f"closed: {closed}"

    async def connect(self, count: int) -> dict[str, Any]:
        started = time.monotonic()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        first = len(self.subscribers)

        async def guarded(index: int) -> Subscriber:
            async with gate:
                return await self.open_one(index)

        results = await asyncio.gather(*(guarded(first + i) for i in range(count)), return_exceptions=True)
        failures = [repr(r)[:200] for r in results if isinstance(r, BaseException)]
        self.subscribers.extend(r for r in results if isinstance(r, Subscriber))
        return {"connected": len(self.subscribers), "failed": len(failures), "first_failure":
                failures[0] if failures else None, "seconds": round(time.monotonic() - started, 3)}

    def _count_down(self, before: float, after: float) -> None:
        since = self.waiting_since
        if since is not None and before < since <= after:
            self.still_behind -= 1
            if self.still_behind <= 0:
                self.progress.set()

    async def wait(self, since: float, timeout: float) -> dict[str, Any]:
        """By creation time, not by count: a stray event (another publisher on the same broker)
        must not count as the broadcast's."""
        deadline = time.monotonic() + timeout
        self.progress.clear()
        self.waiting_since = since
        self.still_behind = sum(1 for s in self.subscribers if s.latest_created < since and s.error is None)
        try:
            while True:
                # Rescanned only every half second: errors end a subscriber without a delivery.
                behind = [s for s in self.subscribers if s.latest_created < since and s.error is None]
                left = deadline - time.monotonic()
                if not behind or left <= 0:
                    break
                if self.still_behind <= 0:  # counted out, yet some are behind: poll
                    self.progress.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.progress.wait(), min(left, 0.5))
        finally:
            self.waiting_since = None
        errors = [s.error for s in self.subscribers if s.error]
        return {"behind": len(behind), "errors": len(errors), "first_error": errors[0] if errors else None}

    def results(self) -> dict[str, Any]:
        taken, self.deliveries = self.deliveries, []
        return {"deliveries": taken}

    async def close(self) -> dict[str, Any]:
        closing, self.subscribers = self.subscribers, []
        await asyncio.gather(*(s.ws.close() for s in closing), return_exceptions=True)
        for s in closing:
            if s.task is not None:
                s.task.cancel()
        await asyncio.gather(*(s.task for s in closing if s.task), return_exceptions=True)
        return {"closed": len(closing)}


def raise_fd_limit() -> None:
    """Each socket is a file descriptor: 1,000 of them exceed the common soft limit of 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve_commands(swarm: Swarm) -> None:
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:  # the driver is gone: do not linger
            await swarm.close()
            return
        command, *args = line.split()
        if command == "connect":
            reply(await swarm.connect(int(args[0])))
        elif command == "wait":
            reply(await swarm.wait(float(args[0]), float(args[1])))
        elif command == "results":
            reply(swarm.results())
        elif command == "close":
            reply(await swarm.close())
        elif command == "quit":
            reply(await swarm.close())
            return
        else:
            reply({"error": f"unknown command {command!r}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--ticket-id", required=True)
    args = parser.parse_args()
    raise_fd_limit()
    commands = serve_commands(Swarm(args.url, args.token, args.ticket_id))
    try:
        import uvloop  # cheaper per message: the swarm shares 2 cores with the server
    except ImportError:
        asyncio.run(commands)
    else:
        uvloop.run(commands)

if __name__ == "__main__":
    main()
