"""SLA timers at 100k open tickets: alert lateness and the cost of one sweep.

    .venv/bin/python -m bench.sla_timers [--alerts 3000] [--window 60] [--workers 1]

What it does, on a throwaway PostgreSQL database (127.0.0.1:5432) and a private redis-server on
127.0.0.1 (or, with --redis-url, one spare database index, flushed before and after):

1. Sweep cost. `sla_checks.sweep` is timed at 10k and again at 100k open tickets, once with
   nothing due (the indexed lookup alone) and once with 200 tickets due (as after a lost timer);
   the 10k figure is the baseline of the 100k/10k ratio.
2. Alert lateness. A few thousand tickets get one SLA moment (a warn threshold or a due time)
   at a random instant of a 60 s window, on top of the 100k whose moments are far ahead. Their
   timers are scheduled as the API schedules them (`ArqTimers`: deferred arq jobs) and the real
   `helpdesk worker` process fires them. Lateness = ticket_events.created_at - the alert's own
   instant (after->>'at'). Expected and written alerts are compared: none may be missed,
   none written twice.
   Baseline: the same window, fired by the embedded mode's `InProcessTimers` (a heap in the
   process, no broker, no polling) wired as `helpdesk serve` wires them.

Every ticket's stored SLA state comes from the real clock (see bench/sla_seed.py), checked on
a sample against `sla.evaluate`. The database is dropped and Redis stopped (or the index flushed)
at the end, also on error. --stale-jobs adds timers that find nothing to do; --worker-patch runs
a file in the worker first, to measure a fix before making it; --keep keeps per-alert CSVs and
the worker's per-job log.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from broadcaster import Broadcast
from tortoise import Tortoise

from bench import sla_seed
from bench.sla_seed import Policies, Rows
from domain.enums import EventKind, Priority
from domain.events import NullPublisher
from domain.services import sla_checks
from server.db import migrate, tortoise_config
from server.publisher import AppPublisher, ArqTimers
from workers.in_process import InProcessTimers
from workers.settings import worker_settings

PG = "postgres://postgres@127.0.0.1:5432"
ADMIN_DSN = f"{PG}/postgres"
HEALTH_KEY = "arq:queue:health-check"  # written by an arq worker once its first poll is done
ALERT_KINDS = [EventKind.SLA_NEAR_BREACH.value, EventKind.SLA_BREACHED.value]

BULK_PRIORITIES = ((Priority.URGENT, 5), (Priority.HIGH, 20), (Priority.MEDIUM, 45), (Priority.LOW, 30))
# Bulk tickets' first moment is at least this far ahead, so none falls due during the run.
BULK_MARGIN = timedelta(minutes=30)
# Window tickets: priorities whose moments are >= 24 min apart, so each ticket has exactly one
# moment in its window and the next one long after the run.
WINDOW_PRIORITIES = (Priority.HIGH, Priority.MEDIUM, Priority.LOW)
DUE_PRIORITY = Priority.MEDIUM  # next moment 72 min after the one a sweep catches


@dataclass(frozen=True)
class Config:
    small: int
    large: int
    due_per_sweep: int
    due_reps: int
    idle_reps: int
    alerts: int
    window: float
    lead: float
    drain: float
    workers: int
    redis_url: str | None  # None: a private redis-server for the run
    seed: int
    keep: Path | None  # where to keep worker logs and per-alert lateness (CSV)
    stale_jobs: int  # timers in each window that find nothing to do
    worker_patch: Path | None  # a Python file run in the worker before it starts (A/B of a fix)


def parse_args(argv: Sequence[str] | None) -> Config:
    p = argparse.ArgumentParser(prog="python -m bench.sla_timers", description=__doc__.split("\n")[0])
    p.add_argument("--small", type=int, default=10_000, help="open tickets at the first sweep measure")
    p.add_argument("--large", type=int, default=100_000, help="open tickets at the second one")
    p.add_argument("--due", type=int, default=200, help="tickets due in each 'due' sweep")
    p.add_argument("--due-reps", type=int, default=5)
    p.add_argument("--idle-reps", type=int, default=30)
    p.add_argument("--alerts", type=int, default=3000, help="alerts in each lateness window")
    p.add_argument("--window", type=float, default=60.0, help="seconds the alerts are spread over")
    p.add_argument("--lead", type=float, default=20.0, help="seconds between scheduling and window")
    p.add_argument("--drain", type=float, default=60.0,
                   help="after the window, give up when no alert came for this long (> sweep period)")
    p.add_argument("--workers", type=int, default=1, help="`helpdesk worker` processes")
    p.add_argument("--redis-url", help="use this Redis database index instead of a private "
                   "redis-server (it is flushed: give a spare index, e.g. redis://127.0.0.1:6379/5)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--keep", type=Path, help="directory for per-alert lateness (CSV) and worker logs, "
                   "with arq's per-job log on (costs the worker some CPU)")
    p.add_argument("--stale-jobs", type=int, default=0,
                   help="timers in each window that find nothing to do (moved moments)")
    p.add_argument("--worker-patch", type=Path,
                   help="a Python file the worker runs before it starts: to measure a fix without "
                   "editing the application")
    a = p.parse_args(argv)
    return Config(a.small, a.large, a.due, a.due_reps, a.idle_reps, a.alerts, a.window, a.lead,
                  a.drain, a.workers, a.redis_url, a.seed, a.keep, a.stale_jobs, a.worker_patch)


def utc_now() -> datetime:
    return datetime.now(UTC)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- rows ---------------------------------------------------------------------------------------


class Ids:
    def __init__(self) -> None:
        self.last = 0

    def take(self) -> int:
        self.last += 1
        return self.last


def add_bulk(rows: Rows, ids: Ids, count: int, policies: Policies, now: datetime,
             rng: random.Random) -> range:
    """Open tickets whose next moment (their first warn threshold) lies beyond the run."""
    first_id = ids.last + 1
    priorities = rng.choices([p for p, _ in BULK_PRIORITIES], [w for _, w in BULK_PRIORITIES], k=count)
    for priority in priorities:
        first = policies.moments(priority)[0].offset
        created = now - (first - BULK_MARGIN) * rng.random()
        sla_seed.add_ticket(rows, ticket_id=ids.take(), priority=priority, created_at=created,
                            computed_at=now, policies=policies, rng=rng)
    return range(first_id, ids.last + 1)


def add_due_groups(rows: Rows, ids: Ids, groups: range, size: int, base: datetime, policies: Policies,
                   rng: random.Random) -> list[datetime]:
    """Groups of `size` tickets whose timer was lost: group r's moments lie within half a second
    after base + r s, and a sweep at the returned instant finds exactly that group due."""
    first = policies.moments(DUE_PRIORITY)[0].offset
    sweep_at = []
    for r in groups:
        start = base + timedelta(seconds=r)
        for j in range(size):
            created = start + timedelta(seconds=0.5 * j / size) - first
            # Computed at creation: the stored next alert is the moment the sweep must catch.
            sla_seed.add_ticket(rows, ticket_id=ids.take(), priority=DUE_PRIORITY, created_at=created,
                                computed_at=created, policies=policies, rng=rng)
        sweep_at.append(start + timedelta(seconds=0.9))
    return sweep_at


@dataclass(frozen=True)
class Expected:
    """The alert each window ticket must get: its dedupe key and instant."""

    by_ticket: dict[int, tuple[str, datetime]]
    start: datetime
    end: datetime


def add_window(rows: Rows, ids: Ids, count: int, start: datetime, seconds: float, policies: Policies,
               now: datetime, rng: random.Random) -> Expected:
    """Tickets with one moment each at a random instant of the window; alerts due before `now`
    are already recorded, as the API would have done on time."""
    expected = {}
    for _ in range(count):
        priority = rng.choice(WINDOW_PRIORITIES)
        moment = rng.choice(policies.moments(priority))
        at = start + timedelta(seconds=rng.uniform(0.0, seconds))
        ticket_id = ids.take()
        status = sla_seed.add_ticket(rows, ticket_id=ticket_id, priority=priority,
                                     created_at=at - moment.offset, computed_at=now,
                                     policies=policies, rng=rng)
        assert status.next_alert_at == at, (ticket_id, status.next_alert_at, at)
        expected[ticket_id] = (moment.dedupe_key, at)
    return Expected(expected, start, start + timedelta(seconds=seconds))


async def schedule_all(schedule: Callable[[int, datetime], Awaitable[None]],
                       next_alerts: Sequence[tuple[int, datetime]], concurrency: int = 64) -> None:
    """What after_commit does after each write, for many tickets at once."""
    for i in range(0, len(next_alerts), concurrency):
        await asyncio.gather(*(schedule(t, at) for t, at in next_alerts[i:i + concurrency]))


async def load(url: str, rows: Rows, timers: ArqTimers, scheduled: range) -> int:
    """Copies the rows in and schedules the timers of the tickets in `scheduled`: the due groups
    stand for lost timers, so they get none (a stale job would cost the worker a full check)."""
    await sla_seed.copy_rows(url, rows, analyze=True)
    pending = [(t, at) for t, at in rows.next_alerts if t in scheduled]
    await schedule_all(timers.schedule, pending)
    return len(pending)


async def max_event_id(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM ticket_events"))


# --- sweep cost ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepCost:
    open_tickets: int
    idle_ms: float  # median, nothing due
    due_ms: float  # median, `due` tickets due
    due: int
    plan: str


async def sweep_once(now: datetime) -> tuple[float, int]:
    started = time.perf_counter()
    checked = await sla_checks.sweep(now=now, publisher=NullPublisher())
    return time.perf_counter() - started, checked


async def sweep_plan(conn: asyncpg.Connection, now: datetime) -> str:
    """The plan of the sweep's lookup (the same query the ORM sends)."""
    rows = await conn.fetch(
        "EXPLAIN SELECT id FROM tickets WHERE sla_next_alert_at <= $1 ORDER BY sla_next_alert_at LIMIT $2",
        now, sla_checks.SWEEP_BATCH,
    )
    nodes = [row[0].strip().removeprefix("->").strip().split("  (cost")[0] for row in rows]
    details = ("Index Cond", "Recheck Cond", "Filter", "Sort Key")
    return " -> ".join(node for node in nodes if not node.startswith(details))


async def measure_sweeps(conn: asyncpg.Connection, open_tickets: int, due_at: Sequence[datetime],
                         due: int, idle_reps: int) -> SweepCost:
    due_times = []
    for now in due_at:  # each sweep finds exactly its own group: the earlier ones moved on
        seconds, checked = await sweep_once(now)
        assert checked == due, f"sweep at {now} checked {checked}, expected {due}"
        due_times.append(seconds)
    idle_times = []
    for _ in range(idle_reps):
        seconds, checked = await sweep_once(utc_now())
        assert checked == 0, f"idle sweep checked {checked}"
        idle_times.append(seconds)
    return SweepCost(open_tickets, statistics.median(idle_times) * 1000, statistics.median(due_times) * 1000,
                     due, await sweep_plan(conn, utc_now()))


# --- lateness -----------------------------------------------------------------------------------


@dataclass
class Lateness:
    label: str
    expected: int
    written: int = 0
    missed: int = 0
    duplicated: int = 0
    unexpected: int = 0
    seconds: list[float] = field(default_factory=list)
    rows: list[tuple[int, datetime, datetime]] = field(default_factory=list)  # ticket, at, written
    machine_busy: float = 0.0  # of all cores, during the window and drain
    timer_cpu: float = 0.0  # CPU seconds of the process(es) firing the timers, same span
    notes: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        s = sorted(self.seconds)
        return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


async def count_alerts(conn: asyncpg.Connection, after_id: int) -> int:
    return int(await conn.fetchval(
        "SELECT count(*) FROM ticket_events WHERE id > $1 AND kind = ANY($2::text[])", after_id, ALERT_KINDS
    ))


MAX_BACKLOG_SECONDS = 300.0  # bounds the run when the timers fall far behind
SWEEP_PERIOD_S = 5  # the worker's cron sweep (workers/settings.py SWEEP_SECONDS) and InProcessTimers


async def wait_for_alerts(conn: asyncpg.Connection, after_id: int, expected: Expected, drain: float) -> None:
    """Until the window is over and every alert is in, or no alert came for `drain` seconds
    (longer than the sweep period, so an alert still on its way is late, not missed)."""
    await asyncio.sleep(max(0.0, (expected.end - utc_now()).total_seconds()))
    cap = time.monotonic() + MAX_BACKLOG_SECONDS
    seen, progress = -1, time.monotonic()
    while time.monotonic() - progress < drain and time.monotonic() < cap:
        count = await count_alerts(conn, after_id)
        if count >= len(expected.by_ticket):
            await asyncio.sleep(1.0)  # and a little more, for any duplicate to show up
            return
        if count > seen:
            seen, progress = count, time.monotonic()
        await asyncio.sleep(0.5)


async def collect(conn: asyncpg.Connection, label: str, after_id: int, expected: Expected) -> Lateness:
    rows = await conn.fetch(
        "SELECT ticket_id, dedupe_key, after->>'at' AS at, created_at FROM ticket_events "
        "WHERE id > $1 AND kind = ANY($2::text[])",
        after_id, ALERT_KINDS,
    )
    result = Lateness(label, expected=len(expected.by_ticket), written=len(rows))
    seen: set[tuple[int, str]] = set()
    for row in rows:
        key = (row["ticket_id"], row["dedupe_key"])
        if key in seen:
            result.duplicated += 1
            continue
        seen.add(key)
        want = expected.by_ticket.get(row["ticket_id"])
        if want is None or want[0] != row["dedupe_key"]:
            result.unexpected += 1
            continue
        at = datetime.fromisoformat(row["at"])
        result.seconds.append((row["created_at"] - at).total_seconds())
        result.rows.append((row["ticket_id"], at, row["created_at"]))
    result.missed = result.expected - len(result.seconds)
    return result


def worker_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HELPDESK_DATABASE_URL=database_url, HELPDESK_REDIS_URL=redis_url,
               HELPDESK_SECRET_KEY="sla-bench")  # so the CLI writes no var/secret_key
    return env


def worker_command(job_log: bool, patch: Path | None) -> list[str]:
    """`helpdesk worker`; with `job_log`, arq's INFO log on (each job's start delay and run time);
    with `patch`, that file run first (runpy) so a fix can be measured before it is made."""
    if not job_log and patch is None:
        return [sys.executable, "-m", "server.cli", "worker"]
    code = ["import logging, runpy, sys"]
    if job_log:
        code.append("logging.basicConfig(level=logging.INFO, "
                    "format='%(asctime)s.%(msecs)03d %(name)s %(message)s', datefmt='%H:%M:%S')")
    if patch is not None:
        code.append(f"runpy.run_path({str(patch.resolve())!r})")
    code.append("from server.cli import main; sys.exit(main(['worker']))")
    return [sys.executable, "-c", "\n".join(code)]


@contextlib.asynccontextmanager
async def worker_processes(
    n: int, env: dict[str, str], logdir: Path, job_log: bool, patch: Path | None
) -> AsyncIterator[list[subprocess.Popen[bytes]]]:
    """`helpdesk worker` x n; stopped with SIGINT (arq's graceful stop), then killed by pid."""
    command = worker_command(job_log, patch)
    procs = []
    with contextlib.ExitStack() as logs:
        try:
            for i in range(n):
                out = logs.enter_context((logdir / f"worker{i}.log").open("wb"))
                procs.append(subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                              cwd=Path.cwd()))
            yield procs
        finally:
            await stop_workers(procs)


async def stop_workers(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            await asyncio.to_thread(proc.wait, 15)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait)


async def wait_worker_ready(pool: ArqRedis, procs: Sequence[subprocess.Popen[bytes]], logdir: Path) -> None:
    deadline = time.monotonic() + 30
    while not await pool.exists(HEALTH_KEY):
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            tail = (logdir / "worker0.log").read_text()[-2000:]
            raise RuntimeError(f"the worker did not start:\n{tail}")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # the other workers, if any, start alongside


@dataclass(frozen=True)
class CpuSample:
    machine_busy: float  # jiffies of all cores not idle
    machine_total: float
    timer_process: float  # CPU seconds of the processes that fire the timers

    @staticmethod
    def take(pids: Sequence[int]) -> "CpuSample":
        fields_ = [float(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields_[3] + fields_[4]  # idle + iowait
        tick = os.sysconf("SC_CLK_TCK")
        own = 0.0
        for pid in pids:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            own += (float(stat[11]) + float(stat[12])) / tick  # utime + stime
        return CpuSample(sum(fields_) - idle, sum(fields_), own)

    def until(self, later: "CpuSample") -> tuple[float, float]:
        """(busy fraction of the whole machine, CPU seconds of the timer processes)."""
        total = later.machine_total - self.machine_total
        busy = (later.machine_busy - self.machine_busy) / total if total else 0.0
        return busy, later.timer_process - self.timer_process


@dataclass
class Bench:
    """What every phase of one run works on."""

    cfg: Config
    url: str
    conn: asyncpg.Connection
    pool: ArqRedis
    policies: Policies
    logdir: Path
    rng: random.Random
    ids: Ids = field(default_factory=Ids)
    bulk_ids: list[int] = field(default_factory=list)  # tickets with nothing due during the run


async def schedule_stale(bench: Bench, expected: Expected,
                         schedule: Callable[[int, datetime], Awaitable[None]]) -> None:
    """Timers that find nothing to do, spread over the window: a reply or a priority change
    moves a ticket's next moment and leaves the old timer behind, so on a busy desk they are
    at least as common as alerts."""
    span = (expected.end - expected.start).total_seconds()
    stale = [(t, expected.start + timedelta(seconds=bench.rng.uniform(0.0, span)))
             for t in bench.rng.sample(bench.bulk_ids, bench.cfg.stale_jobs)]
    await schedule_all(schedule, stale)


async def measure_window(bench: Bench, label: str, schedule: Callable[[int, datetime], Awaitable[None]],
                         pids: Sequence[int]) -> Lateness:
    """Loads the window's tickets, schedules their timers as after_commit would, waits for the
    alerts and compares them with what was expected."""
    cfg, conn = bench.cfg, bench.conn
    rows = Rows()
    now = utc_now()
    expected = add_window(rows, bench.ids, cfg.alerts, now + timedelta(seconds=cfg.lead), cfg.window,
                          bench.policies, now, bench.rng)
    await sla_seed.copy_rows(bench.url, rows, analyze=False)
    # These tickets carry the alerts crossed before the window: check them against the app too.
    await sla_seed.verify_sample(bench.rng.sample(list(expected.by_ticket), 20), utc_now())
    after_id = await max_event_id(conn)
    await schedule_all(schedule, rows.next_alerts)
    await schedule_stale(bench, expected, schedule)
    assert utc_now() < expected.start, "scheduling overran the lead time: raise --lead"
    log(f"{label}: {len(rows)} timers (+{cfg.stale_jobs} stale) scheduled, "
        f"window {expected.start:%H:%M:%S}+{cfg.window:.0f}s")
    await asyncio.sleep((expected.start - utc_now()).total_seconds())
    before = CpuSample.take(pids)
    await wait_for_alerts(conn, after_id, expected, cfg.drain)
    result = await collect(conn, label, after_id, expected)
    # Out of the measurement: an alert this window left undone must not load the next one.
    await conn.execute("UPDATE tickets SET sla_next_alert_at = NULL WHERE id = ANY($1::bigint[])",
                       list(expected.by_ticket))
    result.machine_busy, result.timer_cpu = before.until(CpuSample.take(pids))
    return result


async def lateness_arq(bench: Bench) -> Lateness:
    cfg = bench.cfg
    assert cfg.redis_url is not None
    env = worker_env(bench.url, cfg.redis_url)
    async with worker_processes(cfg.workers, env, bench.logdir, job_log=cfg.keep is not None,
                                patch=cfg.worker_patch) as procs:
        await wait_worker_ready(bench.pool, procs, bench.logdir)
        label = f"arq worker x{cfg.workers} (`helpdesk worker`)"
        if cfg.worker_patch:
            label = f"arq worker x{cfg.workers} + {cfg.worker_patch.stem}"
        result = await measure_window(bench, label, ArqTimers(bench.pool).schedule, [p.pid for p in procs])
        result.notes += [f"worker {p.pid} exited with {p.returncode} during the window"
                         for p in procs if p.poll() is not None]
        return result


async def lateness_in_process(bench: Bench) -> Lateness:
    """The embedded mode, wired as server/app.py wires it (memory broadcast, heap timers)."""
    publisher: list[AppPublisher] = []

    async def on_due(ticket_id: int) -> None:
        await sla_checks.check(ticket_id=ticket_id, now=utc_now(), publisher=publisher[0])

    async def on_sweep() -> int:
        return await sla_checks.sweep(now=utc_now(), publisher=publisher[0])

    timers = InProcessTimers(on_due, on_sweep)
    async with Broadcast("memory://") as broadcast, timers:
        publisher.append(AppPublisher(broadcast, timers))
        return await measure_window(bench, "in-process timers (embedded)", timers.schedule, [os.getpid()])


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Results:
    sweeps: list[SweepCost] = field(default_factory=list)
    lateness: list[Lateness] = field(default_factory=list)
    load_seconds: list[float] = field(default_factory=list)
    arq_poll_delay: float = 0.0
    arq_max_jobs: int = 0


async def run(cfg: Config, url: str, pool: ArqRedis, logdir: Path) -> Results:
    results = Results()
    settings = worker_settings(_redis_only_settings(cfg.redis_url or ""))
    results.arq_poll_delay, results.arq_max_jobs = settings["poll_delay"], settings["max_jobs"]
    await sla_checks.ensure_default_policies()
    policies = await sla_seed.load_policies()
    await sla_seed.load_customers(url)
    run_span = timedelta(minutes=20)  # generous bound on the whole run
    for p in WINDOW_PRIORITIES:
        assert policies.min_gap(p) > run_span, f"{p.name}: moments too close for the window design"
    bench = Bench(cfg, url, await asyncpg.connect(url), pool, policies, logdir, random.Random(cfg.seed))
    try:
        await measure_sweep_phases(bench, results)
        for phase in (lateness_arq, lateness_in_process):
            results.lateness.append(await phase(bench))
            log(_lateness_line(results.lateness[-1]))
    finally:
        await bench.conn.close()
    return results


async def measure_sweep_phases(bench: Bench, results: Results) -> None:
    """Load to 10k, measure, load to 100k, measure."""
    cfg, ids = bench.cfg, bench.ids
    base = utc_now() - timedelta(minutes=10)  # due groups: moments in the recent past
    for phase, total in enumerate((cfg.small, cfg.large)):
        rows = Rows()
        groups = range(phase * cfg.due_reps, (phase + 1) * cfg.due_reps)
        due_at = add_due_groups(rows, ids, groups, cfg.due_per_sweep, base, bench.policies, bench.rng)
        bulk = add_bulk(rows, ids, total - ids.last, bench.policies, utc_now(), bench.rng)
        bench.bulk_ids += bulk
        started = time.perf_counter()
        scheduled = await load(bench.url, rows, ArqTimers(bench.pool), bulk)
        results.load_seconds.append(time.perf_counter() - started)
        log(f"{ids.last} open tickets loaded ({len(rows)} new, {scheduled} arq timers) "
            f"in {results.load_seconds[-1]:.1f}s")
        await sla_seed.verify_sample(bench.rng.sample(bulk, 50), utc_now())
        cost = await measure_sweeps(bench.conn, ids.last, due_at, cfg.due_per_sweep, cfg.idle_reps)
        results.sweeps.append(cost)
        log(f"sweep at {ids.last}: idle {cost.idle_ms:.2f} ms, {cfg.due_per_sweep} due {cost.due_ms:.0f} ms")


def _redis_only_settings(redis_url: str) -> Any:
    from server.settings import Settings

    return Settings(database_url="postgres://unused", redis_url=redis_url, secret_key="x")


# --- report -------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _lateness_line(r: Lateness) -> str:
    return (f"{r.label:<36} {len(r.seconds):>6} {_ms(r.pct(0.5)):>8} {_ms(r.pct(0.99)):>8} "
            f"{_ms(max(r.seconds, default=float('nan'))):>8} {r.missed:>6} {r.duplicated:>4} "
            f"{r.unexpected:>5}")


def _cpu_line(r: Lateness) -> str:
    per_alert = r.timer_cpu / max(1, len(r.seconds)) * 1000
    return (f"    CPU of the timer process(es) {r.timer_cpu:.1f} s ({per_alert:.1f} ms per alert); "
            f"machine busy {r.machine_busy:.0%} of {os.cpu_count()} cores"
            + "".join(f"\n    ! {note}" for note in r.notes))


def report(cfg: Config, results: Results, started: float) -> str:
    small, large = results.sweeps
    arq, embedded = results.lateness
    clean = arq.missed == 0 and arq.duplicated == 0 and arq.unexpected == 0
    goal = "met" if arq.pct(0.99) <= 1.0 and clean else "NOT met"
    lines = [
        "SLA timers benchmark (python -m bench.sla_timers)",
        f"  {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPUs, PostgreSQL + Redis on 127.0.0.1, "
        f"default 24/7 policies, total run {time.monotonic() - started:.0f} s",
        f"  Redis {cfg.redis_url}; load average at the end {os.getloadavg()[0]:.1f}",
        "",
        "Sweep (sla_checks.sweep), median of runs   "
        f"{small.open_tickets // 1000}k open   {large.open_tickets // 1000}k open   ratio",
        f"  nothing due (indexed lookup), n={cfg.idle_reps}       {small.idle_ms:>7.2f} ms "
        f"{large.idle_ms:>8.2f} ms   {large.idle_ms / small.idle_ms:>5.2f}x",
        f"  {cfg.due_per_sweep} due (lookup + {cfg.due_per_sweep} checks), n={cfg.due_reps}     "
        f"{small.due_ms:>7.0f} ms {large.due_ms:>8.0f} ms   {large.due_ms / small.due_ms:>5.2f}x"
        f"   ({large.due_ms / large.due:.1f} ms per check)",
        f"  plan at {large.open_tickets // 1000}k: {large.plan}",
        "",
        f"Alert lateness: {cfg.alerts} alerts at random instants of a {cfg.window:.0f} s window "
        f"({cfg.alerts / cfg.window:.0f}/s)"
        + (f" + {cfg.stale_jobs} stale timers (nothing to do)" if cfg.stale_jobs else "")
        + f", on top of {large.open_tickets // 1000}k open tickets",
        "  lateness = ticket_events.created_at - the alert's instant (after->>'at')",
        f"  missed = not written when no alert had come for {cfg.drain:.0f} s (sweep period "
        f"{SWEEP_PERIOD_S} s) or {MAX_BACKLOG_SECONDS:.0f} s after the window; dup = written twice;",
        "  other = an alert of a ticket or threshold that was not due in the window",
        f"  {'':<36} {'alerts':>6} {'p50':>8} {'p99':>8} {'max':>8} {'missed':>6} {'dup':>4} {'other':>5}",
        "  " + _lateness_line(arq),
        _cpu_line(arq),
        "  " + _lateness_line(embedded) + "   <- baseline",
        _cpu_line(embedded),
        f"  p99 ratio arq / in-process: {arq.pct(0.99) / embedded.pct(0.99):.2g}x; arq worker: "
        f"poll_delay {results.arq_poll_delay} s, max_jobs {results.arq_max_jobs}, {cfg.workers} process(es)",
        f"  goal p99 <= 1 s, none missed or doubled: {goal}",
    ]
    return "\n".join(lines)


def dump(directory: Path, results: Results) -> None:
    for i, r in enumerate(results.lateness):
        with (directory / f"lateness{i}.csv").open("w") as out:
            out.write(f"# {r.label}\nticket_id,at,written,late_s\n")
            for ticket_id, at, written in sorted(r.rows, key=lambda row: row[1]):
                out.write(f"{ticket_id},{at.isoformat()},{written.isoformat()},"
                          f"{(written - at).total_seconds():.6f}\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[str]:
    """A redis-server of the bench's own on 127.0.0.1: the shared one on 6379 is restarted by
    other people's fault-injection tests, and a restart kills `helpdesk worker` mid-window."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            await asyncio.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait)


async def main(cfg: Config) -> str:
    async with contextlib.AsyncExitStack() as stack:
        if cfg.redis_url is None:
            cfg = dataclasses.replace(cfg, redis_url=await stack.enter_async_context(private_redis()))
        return await run_on_database(cfg)
    raise AssertionError("unreachable")


async def run_on_database(cfg: Config) -> str:
    started = time.monotonic()
    assert cfg.redis_url is not None
    name = f"helpdesk_slabench_{os.getpid()}"
    url = f"{PG}/{name}"
    await sla_seed.create_database(ADMIN_DSN, name)
    pool = await create_pool(RedisSettings.from_dsn(cfg.redis_url))
    try:
        await pool.flushdb()  # this index only: the bench's queue must start empty
        await migrate(url)
        await Tortoise.init(config=tortoise_config(url))
        with tempfile.TemporaryDirectory(prefix="slabench-") as tmp:
            logdir = cfg.keep or Path(tmp)
            logdir.mkdir(parents=True, exist_ok=True)
            results = await run(cfg, url, pool, logdir)
        if cfg.keep:
            dump(cfg.keep, results)
        return report(cfg, results, started)
    finally:
        await Tortoise.close_connections()
        await pool.flushdb()
        await pool.aclose()
        await sla_seed.drop_database(ADMIN_DSN, name)
        log(f"dropped database {name}, flushed {cfg.redis_url}")


if __name__ == "__main__":
    print("\n" + asyncio.run(main(parse_args(None))))
