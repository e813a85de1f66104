"""1,000 subscribers on one API process: a broadcast's delivery p50/p99 (goal p99 <= 250 ms),
memory per idle subscriber, and what the Redis hop adds.

    .venv/bin/python -m bench.subscribers [--subscribers 1000] [--broadcasts 20] [--modes memory,redis]

For each mode, on a fresh database, one `helpdesk serve` process is under test:

- memory: embedded mode (SQLite file in a temp dir, broadcaster memory://);
- redis:  HELPDESK_REDIS_URL set and a throwaway PostgreSQL database on 127.0.0.1:5432
          (dropped). The Redis is a private redis-server on a free loopback port: Redis pub/sub
          channels ignore the database index, so on a shared server every other helpdesk's
          events reach the server under test (`--redis-url redis://127.0.0.1:6379/6` shares
          one anyway, flushing only that index; stray deliveries are then counted apart).

The subscribers live in a separate client process (bench.ws_swarm), each its own WebSocket
(graphql-transport-ws, token in connection_init) following `ticketEvents` of one ticket.
A broadcast is one `addReply(internal: true)` through GraphQL: one NOTE_ADDED event. Delivery
latency = the time a subscriber reads the event - the event's createdAt (the server's clock
when the mutation began, before its transaction: same machine, same clock), so it counts the
commit, the publish, the fan-out, the per-subscriber work and the socket. The broadcasts are
spaced: the next one starts when every subscriber has the previous one (or after a timeout).

Memory per idle subscriber = (server VmRSS with N subscribed sockets - VmRSS with none, after
a warm-up that loaded the WebSocket code paths) / N.

The memory mode is the baseline of the Redis hop's difference and ratio, measured in the same
run. Processes, the database and the Redis index are cleaned up on exit, error or Ctrl-C.

On a shared machine wall-clock latency also holds the time the server waited for a CPU, so
the server's own figures are printed beside it (from /proc/<pid>/task/<pid>/schedstat): CPU
per broadcast, the same with no subscriber (the mutation's own share), the time spent
runnable but waiting for a CPU, and so the fan-out's CPU per subscriber per event: on an idle
core, N subscribers cannot all be served sooner than N times that.

A mode may name prototypes of server changes, applied inside the server process only (the
app's files are not touched), to measure a fix against the app as it is in the same run:

    --modes memory,redis,memory+shared-lookups+no-deflate+subfield-memo

  shared-lookups  one row load per event for all subscribers, not one per subscriber
  no-deflate      uvicorn without permessage-deflate (per-socket zlib state and per-frame work)
  subfield-memo   a fresh graphql-core sub-field memo per event (it grows with every delivery)
  gc-default      Python's collector settings instead of server/gc_tuning.py's (the server
                  before that change: the comparison in the README)
  tracemalloc     SIGUSR2 dumps a tracemalloc snapshot to $BENCH_SNAPSHOT_DIR (leak hunting)
"""

import argparse
import json
import os
import platform
import resource
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from subprocess import Popen
from types import FrameType
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
GOAL_P99_MS = 250.0
PG = "postgres://postgres@127.0.0.1:5432"
PG_ARGS = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
WARMUP_SUBSCRIBERS = 20
NOTE = "mutation($t: ID!, $b: String!) { addReply(ticketId: $t, body: $b, internal: true) { id } }"
CREATE_TICKET = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"


@dataclass(frozen=True)
class Mode:
    backend: str  # memory or redis
    variants: tuple[str, ...]  # prototypes of server changes; none: the app as it is
    database_url: str = ""
    redis_url: str | None = None

    @property
    def name(self) -> str:
        return "+".join((self.backend, *self.variants))

    @staticmethod
    def parse(spec: str) -> "Mode":
        backend, *variants = spec.strip().split("+")
        if backend not in ("memory", "redis"):
            raise SystemExit(f"unknown backend {backend!r} in {spec!r}: memory or redis")
        for variant in variants:
            if variant not in VARIANTS:
                raise SystemExit(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")
        return Mode(backend, tuple(variants))


@dataclass
class Result:
    mode: str
    subscribers: int
    broadcasts: int
    expected: int
    delivered: int
    latencies_ms: list[float]  # every delivery: received - createdAt
    mutation_ms: list[float]  # addReply round trip seen by the client
    cpu_ms_per_broadcast: float  # the server's event-loop thread on a CPU
    cpu_ms_alone: float  # ... for the same mutation with no subscriber: the mutation's own
    wait_ms_per_broadcast: float  # ... runnable but waiting for a CPU (other processes)
    load_average: float  # 1-minute, at the end of the broadcasts
    rss_idle_kib: int  # no subscribers
    rss_subscribed_kib: int  # N idle subscribers
    rss_after_kib: int  # after the broadcasts
    rss_trace_kib: list[int]  # after each broadcast
    connect_seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def per_subscriber_kib(self) -> float:
        return (self.rss_subscribed_kib - self.rss_idle_kib) / max(self.subscribers, 1)

    @property
    def growth_kib_per_broadcast(self) -> float:
        """RSS growth per broadcast over the second half of the run (past the allocator's first
        pools): near zero once memory is reused, steady if something keeps every delivery."""
        half = self.rss_trace_kib[len(self.rss_trace_kib) // 2:]
        return (half[-1] - half[0]) / (len(half) - 1) if len(half) > 1 else float("nan")

    @property
    def fan_out_us(self) -> float:
        """Server CPU per subscriber per event: on an idle core the last of N subscribers
        cannot be served sooner than N times this."""
        return (self.cpu_ms_per_broadcast - self.cpu_ms_alone) * 1000 / max(self.subscribers, 1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=0.3, help="seconds between broadcasts "
                        "once the previous one is delivered everywhere")
    parser.add_argument("--budget", type=float, default=100.0,
                        help="seconds of broadcasting per mode: stop early past it (the count is "
                             "reported), so a slow server cannot stretch the run")
    parser.add_argument("--delivery-timeout", type=float, default=30.0,
                        help="seconds to wait for one broadcast to reach every subscriber")
    parser.add_argument("--modes", default="memory,redis",
                        help="comma-separated BACKEND[+VARIANT...]: memory or redis, plus "
                             "prototypes of server changes, e.g. memory+shared-lookups")
    parser.add_argument("--redis-url", default=None,
                        help="a Redis to share, e.g. redis://127.0.0.1:6379/6 (that index is "
                             "flushed); default: a private redis-server on a free port, because "
                             "pub/sub channels ignore the index and other publishers on a shared "
                             "server reach the server under test")
    parser.add_argument("--dump", type=Path, default=None,
                        help="write every delivery to DIR/<mode>.json for a closer look")
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy record the server during the broadcasts into DIR/<mode>.txt")
    return parser.parse_args(argv)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the same path as Ctrl-C, so the finally blocks clean up.
    raise KeyboardInterrupt


def raise_fd_limit() -> None:
    """1,000 sockets need 1,000 descriptors; the server inherits this limit from us."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the backends ------------------------------------------------------------------------


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()  # this index only: arq's SLA jobs of the run
    finally:
        client.close()


@contextmanager
def private_redis(work_dir: Path) -> Iterator[str]:
    """A redis-server of our own on a free loopback port, stopped afterwards."""
    import redis

    port = free_port()
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(work_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            client = redis.Redis.from_url(url)
            with suppress(redis.ConnectionError):
                if client.ping():
                    client.close()
                    break
            client.close()
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield url
    finally:
        stop(process)


@contextmanager
def redis_for(work_dir: Path, shared_url: str | None) -> Iterator[str]:
    if shared_url is None:
        with private_redis(work_dir) as url:
            yield url
        return
    flush_redis(shared_url)
    try:
        yield shared_url
    finally:
        with suppress(Exception):
            flush_redis(shared_url)


@contextmanager
def backend(mode: Mode, work_dir: Path, shared_redis_url: str | None) -> Iterator[Mode]:
    """The mode with a fresh database (and Redis), removed afterwards."""
    if mode.backend == "memory":
        path = work_dir / f"{mode.name}.sqlite3"
        yield replace(mode, database_url=f"sqlite://{path}")
        path.unlink(missing_ok=True)
        return
    database = f"helpdesk_bench_subs_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *PG_ARGS, database], check=True)
    try:
        with redis_for(work_dir, shared_redis_url) as redis_url:
            yield replace(mode, database_url=f"{PG}/{database}", redis_url=redis_url)
    finally:
        subprocess.run(["dropdb", *PG_ARGS, "--force", "--if-exists", database], check=False)


def mode_env(mode: Mode, var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "HELPDESK_DATABASE_URL": mode.database_url, "HELPDESK_VAR_DIR": str(var_dir),
           "HELPDESK_RATE_LIMIT_PER_MINUTE": "0",
           # The classifier's model would load on the bench's first ticket, in the middle of
           # the memory measurement: this bench measures subscriptions.
           "HELPDESK_TRIAGE": "off"}
    env.pop("HELPDESK_REDIS_URL", None)
    if mode.redis_url:
        env["HELPDESK_REDIS_URL"] = mode.redis_url
    return env


def run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"helpdesk {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


# --- the server under test ----------------------------------------------------------------


@contextmanager
def serve(env: dict[str, str], log: Path, variants: tuple[str, ...]) -> Iterator[tuple[Popen, str]]:
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    if variants:
        command[2:4] = ["bench.subscribers", SERVE_VARIANT, ",".join(variants), "serve"]
    with log.open("wb") as log_file:
        # Output to a file, not a pipe: uvicorn logs every WebSocket and a full pipe would stall it.
        process = subprocess.Popen(command,
                                   env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(process, base_url, log)
            yield process, base_url
        finally:
            stop(process)


def wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"helpdesk serve exited: {log.read_text()[-2000:]}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("helpdesk serve did not become ready")


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def settled_rss_kib(pid: int, samples: int = 5) -> int:
    """The median of a few samples: the figure moves while the allocator settles."""
    values = []
    for _ in range(samples):
        values.append(rss_kib(pid))
        time.sleep(0.2)
    return int(statistics.median(values))


def schedstat_ms(pid: int) -> tuple[float, float]:
    """The main thread's (the event loop's) time on a CPU and time runnable but waiting for
    one: on a shared machine the second says how much of a latency is other processes'."""
    on_cpu, waiting, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    return int(on_cpu) / 1e6, int(waiting) / 1e6


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class Api:
    def __init__(self, base_url: str, token: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60,
                                   headers={"authorization": f"Bearer {token}"})

    def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = self.client.post("/graphql", json={"query": query, "variables": variables}).json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL error: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data

    def create_ticket(self) -> str:
        data = self.call(CREATE_TICKET, {"i": {
            "subject": "Realtime bench", "description": "Watched by many.",
            "customerEmail": "bench-customer@helpdesk.test", "customerName": "Bench Customer",
            "priority": "MEDIUM",  # set, so no classifier runs
        }})
        return str(data["createTicket"]["id"])

    def note(self, ticket_id: str, body: str) -> float:
        """Adds an internal note (one NOTE_ADDED event); returns the round trip in ms."""
        started = time.perf_counter()
        self.call(NOTE, {"t": ticket_id, "b": body})
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.client.close()


# --- the swarm process -------------------------------------------------------------------


class SwarmProcess:
    """bench.ws_swarm: one command a line in, one JSON line out."""

    def __init__(self, ws_url: str, token: str, ticket_id: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.ws_swarm", "--url", ws_url, "--token", token,
             "--ticket-id", ticket_id],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._buffer = b""

    def ask(self, command: str, timeout: float = 120) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._read_line(timeout))
        return answer

    def _read_line(self, timeout: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise RuntimeError("the subscriber swarm did not answer")
            if select.select([fd], [], [], left)[0]:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("the subscriber swarm exited")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def stop(self) -> None:
        with suppress(Exception):
            self.ask("quit", timeout=30)
        stop(self.process)


# --- one mode ----------------------------------------------------------------------------


def prepare(env: dict[str, str]) -> str:
    run_cli(env, "migrate")
    return run_cli(env, "token", "create", "--email", "bench-admin@helpdesk.test", "--role", "ADMIN",
                   "--name", "Bench Admin").strip().splitlines()[-1]


def broadcast(api: Api, swarm: SwarmProcess, ticket_id: str, body: str,
              timeout: float) -> tuple[float, dict[str, Any]]:
    """One note, then wait until every subscriber has it; returns the mutation's round trip
    and the swarm's answer (how many are behind, errors)."""
    since = time.time()  # before the mutation, so before the event's createdAt
    mutation_ms = api.note(ticket_id, body)
    return mutation_ms, swarm.ask(f"wait {since:.6f} {timeout}", timeout=timeout + 30)


def warm_up(api: Api, swarm: SwarmProcess, ticket_id: str) -> None:
    """Loads the code paths (WebSocket, subscription, fan-out) before the idle RSS figure, so
    the per-subscriber figure holds no one-time imports or caches."""
    api.note(ticket_id, "warm-up: NEW -> OPEN")  # the first note also changes the status
    swarm.ask(f"connect {WARMUP_SUBSCRIBERS}")
    broadcast(api, swarm, ticket_id, "warm-up broadcast", 30)
    swarm.ask("results")
    swarm.ask("close")
    time.sleep(1.0)  # let the server notice the closed sockets and drop their tasks


def cpu_alone(api: Api, pid: int, ticket_id: str, count: int = 5) -> float:
    """Server CPU of one note when nobody subscribes: the mutation's own share of a broadcast."""
    before, _ = schedstat_ms(pid)
    for i in range(count):
        api.note(ticket_id, f"alone {i}")
    time.sleep(0.2)  # after-commit work
    after, _ = schedstat_ms(pid)
    return (after - before) / count


def broadcast_all(api: Api, swarm: SwarmProcess, ticket_id: str, args: argparse.Namespace,
                  pid: int) -> tuple[list[float], list[int], list[str]]:
    """The broadcasts, one at a time; returns the mutations' round trips, the server's RSS
    after each broadcast (does memory grow with deliveries?) and what went wrong."""
    mutation_ms: list[float] = []
    rss_trace: list[int] = []
    errors: list[str] = []
    deadline = time.monotonic() + args.budget
    for i in range(args.broadcasts):
        if time.monotonic() > deadline:
            errors.append(f"time budget spent: {i} of {args.broadcasts} broadcasts")
            break
        took, waited = broadcast(api, swarm, ticket_id, f"broadcast {i}", args.delivery_timeout)
        mutation_ms.append(took)
        rss_trace.append(rss_kib(pid))
        if waited["behind"] or waited["errors"]:
            errors.append(f"broadcast {i}: {waited}")
        time.sleep(args.spacing)
    return mutation_ms, rss_trace, errors


@contextmanager
def profiler(pid: int, out: Path | None) -> Iterator[None]:
    if out is None:
        yield
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
                            "--format", "raw", "--rate", "200", "--output", str(out), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()


def split_strays(deliveries: list[list[Any]], since: float) -> tuple[list[list[Any]], int]:
    """The broadcasts' deliveries, and how many others arrived. Redis pub/sub channels are not
    scoped by database index: any other helpdesk publishing on the same Redis server reaches
    this one, whose hub then loads rows by the stranger's event ids from its own database and
    delivers old events again. Those are not the broadcasts' and are counted apart."""
    own = [d for d in deliveries if datetime.fromisoformat(d[2]).timestamp() >= since]
    return own, len(deliveries) - len(own)


def latencies(deliveries: list[list[Any]]) -> list[float]:
    return [(received - datetime.fromisoformat(created).timestamp()) * 1000
            for _, _, created, received in deliveries]


def run_mode(mode: Mode, args: argparse.Namespace, work_dir: Path) -> Result:
    var_dir = work_dir / f"var-{mode.name}"
    env = mode_env(mode, var_dir)
    token = prepare(env)
    with serve(env, work_dir / f"serve-{mode.name}.log", mode.variants) as (process, base_url):
        api = Api(base_url, token)
        ticket_id = api.create_ticket()
        swarm = SwarmProcess(base_url.replace("http", "ws", 1) + "/graphql", token, ticket_id)
        try:
            warm_up(api, swarm, ticket_id)
            rss_idle = settled_rss_kib(process.pid)
            alone = cpu_alone(api, process.pid, ticket_id)
            connected = swarm.ask(f"connect {args.subscribers}", timeout=300)
            # A few lost handshakes on a starved machine do not void the run; more do.
            if connected["failed"] > args.subscribers // 100:
                raise RuntimeError(f"{connected['failed']} subscribers failed: {connected['first_failure']}")
            time.sleep(2.0)  # subscriptions start asynchronously after the handshake
            rss_subscribed = settled_rss_kib(process.pid)
            # A probe broadcast proves every subscription is registered before the clock runs.
            _, probe = broadcast(api, swarm, ticket_id, "probe", args.delivery_timeout)
            if probe["behind"] or probe["errors"]:
                raise RuntimeError(f"the probe did not reach every subscriber: {probe}")
            swarm.ask("results")
            cpu_before, wait_before = schedstat_ms(process.pid)
            out = args.profile / f"{mode.name}.txt" if args.profile else None
            phase_start = time.time()
            with profiler(process.pid, out):
                mutation_ms, rss_trace, errors = broadcast_all(api, swarm, ticket_id, args, process.pid)
            cpu_after, wait_after = schedstat_ms(process.pid)
            load = load_average()
            deliveries, strays = split_strays(swarm.ask("results", timeout=120)["deliveries"], phase_start)
            rss_after = rss_kib(process.pid)
            if args.dump is not None:
                args.dump.mkdir(parents=True, exist_ok=True)
                (args.dump / f"{mode.name}.json").write_text(
                    json.dumps({"deliveries": deliveries, "mutation_ms": mutation_ms}))
        finally:
            swarm.stop()
            api.close()
    events = {d[1] for d in deliveries}
    done = len(mutation_ms)
    return Result(
        mode=mode.name, subscribers=connected["connected"], broadcasts=done,
        expected=connected["connected"] * done, delivered=len(deliveries),
        latencies_ms=latencies(deliveries), mutation_ms=mutation_ms,
        cpu_ms_per_broadcast=(cpu_after - cpu_before) / done,
        wait_ms_per_broadcast=(wait_after - wait_before) / done, load_average=load,
        cpu_ms_alone=alone,
        rss_idle_kib=rss_idle, rss_subscribed_kib=rss_subscribed, rss_after_kib=rss_after,
        rss_trace_kib=rss_trace,
        connect_seconds=connected["seconds"],
        errors=errors + ([f"{connected['failed']} handshakes failed: {connected['first_failure']}"]
                         if connected["failed"] else [])
        + ([f"{len(events)} distinct events, expected {done}"] if len(events) != done else [])
        + ([f"{strays} stray deliveries of older events: another publisher on this Redis server "
            "(pub/sub channels ignore the database index)"] if strays else []),
    )


# --- prototypes of server changes (run in the server process, never in the app's files) ---

SERVE_VARIANT = "--serve-variant"


class SharedLookup:
    """Prototype: `Model.get_or_none(id=...)` shared by concurrent callers. The first caller
    loads the row; the 999 other subscribers woken by the same event await that one load
    instead of each running the same query. A measuring device only: it reuses a ticket row
    for up to `ttl`; the app should key one shared load by the event's id (see the report)."""

    def __init__(self, model: Any, ttl: float = 1.0, size: int = 256) -> None:
        self._model = model
        self._ttl = ttl
        self._size = size
        self._loads: dict[int, tuple[float, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)  # filter(), etc.: the model itself

    async def get_or_none(self, **where: Any) -> Any:
        import asyncio

        if set(where) != {"id"}:
            return await self._model.get_or_none(**where)
        now = time.monotonic()
        entry = self._loads.get(where["id"])
        if entry is None or now - entry[0] > self._ttl:
            entry = (now, asyncio.ensure_future(self._model.get_or_none(**where)))
            self._loads[where["id"]] = entry
            while len(self._loads) > self._size:
                del self._loads[next(iter(self._loads))]
        return await asyncio.shield(entry[1])


def _share_lookups() -> None:
    from resolvers import subscriptions

    for name in ("TicketEvent", "Ticket", "Message"):
        if hasattr(subscriptions, name):
            setattr(subscriptions, name, SharedLookup(getattr(subscriptions, name)))


def _no_deflate() -> None:
    """uvicorn without permessage-deflate: no per-message compression of the small frames."""
    import uvicorn

    run = uvicorn.run
    uvicorn.run = lambda app, **kwargs: run(app, ws_per_message_deflate=False, **kwargs)  # type: ignore[assignment]


def _gc_default() -> None:
    """The server as it was before server/gc_tuning.py: Python's own collector settings (the
    app then neither freezes the startup heap nor raises the young threshold)."""
    os.environ["HELPDESK_GC_THRESHOLD"] = "0"


def _tracemalloc() -> None:
    """For a leak hunt: SIGUSR2 writes a tracemalloc snapshot to $BENCH_SNAPSHOT_DIR."""
    import tracemalloc

    tracemalloc.start(12)
    out = Path(os.environ.get("BENCH_SNAPSHOT_DIR", tempfile.gettempdir()))

    def dump(signum: int, frame: FrameType | None) -> None:
        tracemalloc.take_snapshot().dump(str(out / f"snapshot-{time.time():.0f}.tracemalloc"))

    signal.signal(signal.SIGUSR2, dump)


def _fresh_subfield_memo() -> None:
    """graphql-core 3.3's per-event executor is a shallow copy of the subscription's, so all
    events share one `_relevant_sub_fields` memo keyed by the id of a list made anew for each
    event and kept alive by the memo: every delivery leaves about 1.2 KiB behind for as long
    as the subscription lives. A fresh memo per event keeps it per execution, as intended."""
    from graphql.execution.executor import Executor

    build = Executor.build_per_event_executor

    def build_per_event_executor(self: Any, payload: Any) -> Any:
        executor = build(self, payload)
        executor._relevant_sub_fields = {}
        return executor

    Executor.build_per_event_executor = build_per_event_executor  # type: ignore[method-assign]


VARIANTS = {"shared-lookups": _share_lookups, "no-deflate": _no_deflate,
            "subfield-memo": _fresh_subfield_memo, "gc-default": _gc_default,
            "tracemalloc": _tracemalloc}


def serve_variant(argv: list[str]) -> int:
    """`python -m bench.subscribers --serve-variant A,B serve --port P`: the CLI, patched."""
    from server import cli

    for name in argv[0].split(","):
        VARIANTS[name]()
    return cli.main(argv[1:])


# --- the report --------------------------------------------------------------------------


def describe(result: Result) -> list[str]:
    lat = result.latencies_ms
    p99 = percentile(lat, 0.99)
    verdict = "meets" if p99 <= GOAL_P99_MS else "MISSES"
    return [
        f"{result.mode}: {result.subscribers} subscribers x {result.broadcasts} broadcasts, "
        f"{result.delivered}/{result.expected} delivered",
        f"  delivery  p50 {percentile(lat, 0.5):7.1f} ms  p99 {p99:7.1f} ms  "
        f"max {max(lat, default=0):7.1f} ms  ({verdict} p99 <= {GOAL_P99_MS:.0f} ms)",
        f"  server    per broadcast {result.cpu_ms_per_broadcast:.0f} ms on CPU "
        f"({result.cpu_ms_alone:.0f} ms with no subscriber) + {result.wait_ms_per_broadcast:.0f} ms "
        f"waiting for a CPU (load average {result.load_average:.1f})",
        f"  fan-out   {result.fan_out_us:.0f} us of CPU per subscriber per event: "
        f"{result.fan_out_us * result.subscribers / 1000:.0f} ms for {result.subscribers} on an idle core; "
        f"addReply p50 {percentile(result.mutation_ms, 0.5):.0f} ms",
        f"  memory    {result.per_subscriber_kib:.1f} KiB per idle subscriber (RSS "
        f"{result.rss_idle_kib / 1024:.1f} MiB with none, {result.rss_subscribed_kib / 1024:.1f} MiB "
        f"with {result.subscribers}, {result.rss_after_kib / 1024:.1f} MiB after the broadcasts, "
        f"growing {result.growth_kib_per_broadcast / 1024:.2f} MiB per broadcast in the second half)",
        *[f"  ! {e}" for e in result.errors[:5]],
    ]


def difference(label: str, base: Result, other: Result) -> list[str]:
    lines = [f"{label} ({other.mode} vs {base.mode}, same run):"]
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        a, b = percentile(base.latencies_ms, q), percentile(other.latencies_ms, q)
        lines.append(f"  {name} {a:7.1f} -> {b:7.1f} ms  {b - a:+7.1f} ms  ({b / a:.2f}x)")
    a, b = base.cpu_ms_per_broadcast, other.cpu_ms_per_broadcast
    lines.append(f"  CPU {a:7.0f} -> {b:7.0f} ms per broadcast  ({b / a:.2f}x)")
    a, b = base.fan_out_us, other.fan_out_us
    lines.append(f"  fan-out {a:.0f} -> {b:.0f} us per subscriber per event  ({b / a:.2f}x)")
    a, b = base.per_subscriber_kib, other.per_subscriber_kib
    lines.append(f"  memory {a:.1f} -> {b:.1f} KiB per idle subscriber  ({b - a:+.1f} KiB)")
    return lines


def comparisons(results: list[Result]) -> list[str]:
    """The Redis hop against memory (same variants), and each variant against the app as it
    is (same backend): baselines from this run only."""
    by_mode = {r.mode: r for r in results}
    lines: list[str] = []
    for result in results:
        backend_name, _, variants = result.mode.partition("+")
        if backend_name == "redis":
            base = by_mode.get("+".join(filter(None, ("memory", variants))))
            if base is not None:
                lines += difference("Redis hop", base, result)
        if variants and backend_name in by_mode:
            lines += difference("Prototype", by_mode[backend_name], result)
    return lines


def report(results: list[Result], started: float) -> None:
    lines = [f"bench.subscribers: one `helpdesk serve`, {platform.python_version()}, "
             f"{os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s",
             "latency = subscriber receive time - event createdAt (same clock)"]
    for result in results:
        lines += describe(result)
    lines += comparisons(results)
    print("\n```\n" + "\n".join(lines) + "\n```")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [SERVE_VARIANT]:
        return serve_variant(argv[1:])
    args = parse_args(argv)
    modes = [Mode.parse(spec) for spec in args.modes.split(",") if spec.strip()]
    signal.signal(signal.SIGTERM, _raise_interrupt)
    raise_fd_limit()
    started = time.monotonic()
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-subs-") as tmp:
            for mode in modes:
                print(f"[{time.monotonic() - started:4.0f} s] {mode.name} ...", flush=True)
                with backend(mode, Path(tmp), args.redis_url) as ready:
                    results.append(run_mode(ready, args, Path(tmp)))
                print("\n".join(describe(results[-1])), flush=True)
    except KeyboardInterrupt:
        print("interrupted: processes stopped, database dropped", file=sys.stderr)
        return 130
    report(results, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
