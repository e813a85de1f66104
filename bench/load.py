"""The load generator: its own process, so that its CPU is not the server's event loop.

Fixed concurrency over keep-alive connections, a warm-up per target, then timed rounds that
alternate the targets (A, B, A, B, ...) so that the machine's drift falls on both alike.
Each round stops at its time limit or its request budget, whichever comes first. It prints
one JSON document on stdout; the caller formats it.

    python -m bench.load --base-url http://127.0.0.1:PORT --token hd_... [options]

The targets are GraphQL's `tickets(first: 50)` and the hand-written JSON route.
"""

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import httpx

from bench.app import JSON_PATH
from bench.cpu import CpuMeter

TICKETS_QUERY = (
    "query Bench { tickets(first: 50) { edges { node { id key subject status priority "
    "createdAt customer { name email } assignee { name } group { name } } } } }"
)


GRAPHQL_BODY = json.dumps({"query": TICKETS_QUERY}).encode()


@dataclass(frozen=True)
class Target:
    name: str
    method: str
    path: str
    body: bytes | None = None


TARGETS: dict[str, Target] = {
    "graphql": Target("graphql", "POST", "/graphql", GRAPHQL_BODY),
    "json": Target("json", "GET", JSON_PATH),
    # A trivial route: how fast this client and uvicorn go when the app does nothing.
    "healthz": Target("healthz", "GET", "/healthz"),
}


@dataclass
class Round:
    target: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float  # per request: the uvicorn process
    db_cpu_ms: float  # per request: the database's PostgreSQL backends


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))
    return sorted_values[index]


class Budget:
    """A shared request budget, so a round is bounded in count as well as in time."""

    def __init__(self, count: int) -> None:
        self.left = count

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _failed(target: Target, response: httpx.Response) -> bool:
    # A GraphQL error still comes with status 200; a byte search costs the client little.
    return response.status_code != 200 or (
        target.path == "/graphql" and b'"errors"' in response.content
    )


async def _worker(
    client: httpx.AsyncClient, target: Target, url: str, deadline: float, budget: Budget,
    latencies: list[float], errors: list[str],
) -> None:
    while time.perf_counter() < deadline and budget.take():
        started = time.perf_counter()
        response = await client.request(target.method, url, content=target.body)
        elapsed = time.perf_counter() - started
        if _failed(target, response):
            errors.append(f"{response.status_code}: {response.text[:200]}")
        else:
            latencies.append(elapsed)


async def run_round(
    client: httpx.AsyncClient, base_url: str, meter: CpuMeter,
    target: Target, seconds: float, max_requests: int, concurrency: int,
) -> Round:
    latencies: list[float] = []
    errors: list[str] = []
    budget = Budget(max_requests)
    url = base_url + target.path
    meter.start()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(
        _worker(client, target, url, deadline, budget, latencies, errors)
        for _ in range(concurrency)
    ))
    wall = time.perf_counter() - started
    server_cpu, db_cpu = meter.stop()
    if errors:
        print(f"{target.name}: {len(errors)} failed, first: {errors[0]}", file=sys.stderr)
    latencies.sort()
    done = max(1, len(latencies) + len(errors))
    return Round(target.name, len(latencies), len(errors), wall, len(latencies) / wall,
                 percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000,
                 server_cpu * 1000 / done, db_cpu * 1000 / done)


async def run(args: argparse.Namespace) -> dict[str, object]:
    # Only the loopback: this is a benchmark client, not a load tool for other hosts.
    if urlsplit(args.base_url).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("bench.load only targets 127.0.0.1")
    limits = httpx.Limits(max_connections=args.concurrency,
                          max_keepalive_connections=args.concurrency)
    headers = {"authorization": f"Bearer {args.token}", "content-type": "application/json"}
    targets = [TARGETS[name] for name in args.targets.split(",")]
    meter = CpuMeter(args.server_pid, args.database)

    async def timed(target: Target, seconds: float) -> Round:
        return await run_round(client, args.base_url, meter, target, seconds, args.max_requests,
                               args.concurrency)

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30.0) as client:
        ceiling = await timed(TARGETS["healthz"], args.ceiling_seconds) \
            if args.ceiling_seconds > 0 else None
        for target in targets:  # warm-up: connections, caches, lazy imports, the planner
            await timed(target, args.warmup)
        rounds = [await timed(t, args.seconds) for _ in range(args.rounds) for t in targets]
    return {
        "concurrency": args.concurrency,
        "ceiling": asdict(ceiling) if ceiling else None,
        "rounds": [asdict(r) for r in rounds],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server-pid", type=int, help="to measure its CPU time")
    parser.add_argument("--database", help="to measure its PostgreSQL backends' CPU time")
    parser.add_argument("--token", required=True)
    parser.add_argument("--targets", default="graphql,json")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    return parser.parse_args(argv)


def main() -> None:
    print(json.dumps(asyncio.run(run(parse_args()))))


if __name__ == "__main__":
    main()
