"""`tickets(first: 50)` through GraphQL versus a hand-written JSON endpoint, same rows.

    .venv/bin/python -m bench.tickets_graphql_vs_json [--tickets 100000] [--rounds 6] ...

Creates a throwaway PostgreSQL database (127.0.0.1:5432, user postgres), migrates it, loads
the data set, serves the real app in one uvicorn process (bench.app adds the JSON route),
drives both endpoints from a separate client process (bench.load) in alternating rounds,
prints requests/s, latencies and the GraphQL/JSON ratio, and drops the database at the end,
also after an error or Ctrl-C. The goal of the foundation issue is a ratio of at least 0.5.
"""

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from bench import seed
from bench.app import JSON_PATH
from bench.load import TICKETS_QUERY

REPO = Path(__file__).resolve().parents[1]
GOAL = 0.5


@dataclass(frozen=True)
class Summary:
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float
    db_cpu_ms: float
    rounds: list[float]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=6, help="rounds per endpoint")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up per endpoint")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap per round")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    return parser.parse_args(argv)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the same path as Ctrl-C, so the finally blocks drop the database.
    raise KeyboardInterrupt


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the server --------------------------------------------------------------------------


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BENCH_DATABASE_URL": url}
    command = [
        sys.executable, "-m", "uvicorn", "bench.app:create_bench_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--log-level", "warning", "--no-access-log",
    ]
    return subprocess.Popen(command, cwd=REPO, env=env)


def wait_ready(server: subprocess.Popen[bytes], base_url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def check_same_rows(base_url: str, token: str) -> int:
    """Both endpoints must answer the same tickets with the same fields, or the race is void."""
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        graphql = client.post("/graphql", json={"query": TICKETS_QUERY}).json()
        plain = client.get(JSON_PATH).json()
    if graphql.get("errors"):
        raise RuntimeError(f"GraphQL answered errors: {graphql['errors']}")
    nodes = [edge["node"] for edge in graphql["data"]["tickets"]["edges"]]
    if nodes != plain["tickets"]:
        raise RuntimeError("GraphQL and JSON endpoints returned different rows")
    return len(nodes)


# --- the client --------------------------------------------------------------------------


def run_client(
    base_url: str, token: str, args: argparse.Namespace, server_pid: int, database: str,
) -> dict[str, Any]:
    targets = ["graphql", "json"]
    command = [
        sys.executable, "-m", "bench.load", "--base-url", base_url, "--token", token,
        "--targets", ",".join(targets), "--concurrency", str(args.concurrency),
        "--warmup", str(args.warmup), "--seconds", str(args.seconds),
        "--rounds", str(args.rounds), "--max-requests", str(args.max_requests),
    ]
    command += ["--server-pid", str(server_pid), "--database", database]
    # A generous bound: rounds are bounded themselves; this only catches a wedged client.
    budget = 120 + 2 * len(targets) * (args.rounds * args.seconds + args.warmup)
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, check=True, timeout=budget)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def summarise(rounds: list[dict[str, Any]], target: str) -> Summary:
    mine = [r for r in rounds if r["target"] == target]
    if any(r["errors"] for r in mine):
        raise RuntimeError(f"{target}: some requests failed; see the client's messages above")
    return Summary(
        rps=statistics.median(r["rps"] for r in mine),
        p50_ms=statistics.median(r["p50_ms"] for r in mine),
        p99_ms=statistics.median(r["p99_ms"] for r in mine),
        server_cpu_ms=statistics.median(r["server_cpu_ms"] for r in mine),
        db_cpu_ms=statistics.median(r["db_cpu_ms"] for r in mine),
        rounds=[r["rps"] for r in mine],
    )


# --- the report --------------------------------------------------------------------------


def postgres_version(url: str) -> str:
    async def ask() -> str:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    return asyncio.run(ask()).split()[0]


def report(args: argparse.Namespace, facts: dict[str, Any], result: dict[str, Any]) -> str:
    """The block for the README: setup, one row per endpoint, the ratios."""
    rows = {t: summarise(result["rounds"], t) for t in {r["target"] for r in result["rounds"]}}
    lines = ["### tickets(first: 50): GraphQL vs hand-written JSON", "", "```"]
    lines += _setup_lines(args, facts, result["concurrency"])
    lines += ["", *_table_lines(rows, result["ceiling"]), ""]
    lines += _ratio_lines(rows)
    lines.append("```")
    return "\n".join(lines)


def _setup_lines(args: argparse.Namespace, facts: dict[str, Any], concurrency: int) -> list[str]:
    counts = facts["counts"]
    lines = [
        f"data     {counts['tickets']:,} tickets, {counts['groups']} groups, "
        f"{counts['users'] - 1} agents, {counts['customers']:,} customers, "
        f"{counts['messages']:,} messages, {counts['ticket_events']:,} events "
        f"(loaded in {facts['load_seconds']:.1f} s)",
        f"stack    PostgreSQL {facts['postgres']}, Python {platform.python_version()}, "
        f"1 uvicorn process (uvloop + httptools), {os.cpu_count()} CPUs, "
        f"load average {facts['load_average']:.2f} at start",
        f"client   separate process, httpx, {concurrency} keep-alive connections; "
        f"{args.rounds} alternating rounds of {args.seconds:g} s per endpoint after "
        f"{args.warmup:g} s warm-up; medians of rounds",
        "auth     both endpoints look up the ADMIN token and load the actor (3 queries)",
        "page     both read the 50 newest tickets joined to customer, assignee and group "
        "(1 query); no totalCount",
    ]
    return lines


def _table_lines(rows: dict[str, Summary], ceiling: dict[str, Any] | None) -> list[str]:
    labels = {
        "graphql": "GraphQL  POST /graphql",
        "json": f"JSON     GET {JSON_PATH}",
    }
    lines = [f"{'endpoint':<30}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'app CPU':>9}{'db CPU':>8}"
             "   rounds (req/s)"]
    lines += [_row(label, rows[target]) for target, label in labels.items()]
    if ceiling:
        lines.append(f"{'ceiling  GET /healthz':<30}{ceiling['rps']:>7.0f}"
                     f"{ceiling['p50_ms']:>8.1f}{ceiling['p99_ms']:>8.1f}"
                     f"{ceiling['server_cpu_ms']:>9.2f}{'':>8}   "
                     "(this client, a route that does nothing)")
    return [*lines, "",
            "(CPU columns: milliseconds of CPU per request, of the uvicorn process and of the",
            " database's PostgreSQL backends; medians of rounds.)"]


def _ratio_lines(rows: dict[str, Summary]) -> list[str]:
    graphql, plain = rows["graphql"], rows["json"]
    ratio = graphql.rps / plain.rps
    verdict = "met" if ratio >= GOAL else "NOT met"
    lines = [
        f"ratio GraphQL/JSON = {ratio:.2f}   (goal >= {GOAL}: {verdict})",
        f"ratio of app CPU per request, JSON/GraphQL = "
        f"{plain.server_cpu_ms / graphql.server_cpu_ms:.2f}   (what the ratio approaches when "
        "the uvicorn process has a core to itself)",
    ]
    return lines


def _row(label: str, summary: Summary) -> str:
    rounds = " ".join(f"{r:.0f}" for r in summary.rounds)
    return (f"{label:<30}{summary.rps:>7.0f}{summary.p50_ms:>8.1f}{summary.p99_ms:>8.1f}"
            f"{summary.server_cpu_ms:>9.2f}{summary.db_cpu_ms:>8.2f}   {rounds}")


# --- main --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    name = f"helpdesk_bench_{os.getpid()}"
    url = seed.database_url(args.pg_host, args.pg_port, name)
    facts: dict[str, Any] = {"load_average": os.getloadavg()[0]}
    server: subprocess.Popen[bytes] | None = None
    asyncio.run(seed.create_database(args.pg_host, args.pg_port, name))
    try:
        started = time.perf_counter()
        print(f"# database {name}: migrating and loading {args.tickets:,} tickets", flush=True)
        counts, token = asyncio.run(seed.prepare(url, seed.Shape(tickets=args.tickets)))
        facts.update(counts=counts, load_seconds=time.perf_counter() - started,
                     postgres=postgres_version(url))
        print(f"# loaded in {facts['load_seconds']:.1f} s: {counts}", flush=True)

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = start_server(url, port)
        wait_ready(server, base_url)
        count = check_same_rows(base_url, token)
        print(f"# {base_url}: the same {count} tickets from both endpoints", flush=True)
        print(f"# measuring: {args.rounds} rounds of {args.seconds:g} s per endpoint",
              flush=True)
        result = run_client(base_url, token, args, server.pid, name)
        print()
        print(report(args, facts, result))
    finally:
        stop(server)
        asyncio.run(seed.drop_database(args.pg_host, args.pg_port, name))
        print(f"# dropped database {name}", file=sys.stderr)


def main() -> None:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Even when started in the background, where a shell hands SIGINT down ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = parse_args()
    try:
        run(args)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
