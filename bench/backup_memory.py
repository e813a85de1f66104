"""Memory of restoring a backup: tables streamed in chunks versus each table read whole.

    .venv/bin/python -m bench.backup_memory [--events 200000] [--note-chars 200]

Builds a SQLite desk whose ticket log holds --events entries (the table that grows without
bound on a real desk), backs it up with `write_backup`, and restores it into a fresh SQLite
desk with `verify` and `restore`, tracing Python's allocations (tracemalloc) for the peak.
The baseline, in the same run, is what the restore did before it streamed: the log's member
read whole, parsed, and turned into rows for the database (that alone, for the one table;
the old restore's peak was at least this). The figure is the ratio of the two peaks.
"""

import argparse
import asyncio
import os
import platform
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections

from domain.rules.backup_format import read_rows
from domain.services import backup
from server.db import migrate, tortoise_config

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EVENTS_TABLE = "ticket_events"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="entries in the ticket log")
    parser.add_argument("--note-chars", type=int, default=200, help="length of each entry's note")
    return parser.parse_args(argv)


async def connect(url: str) -> None:
    await migrate(url)
    await Tortoise.init(config=tortoise_config(url))


async def fill(events: int, note_chars: int) -> None:
    conn = connections.get("default")
    await conn.execute_query(
        'INSERT INTO "customers" ("name", "email", "tier", "created_at") VALUES (?, ?, ?, ?)',
        ["Bench", "bench@example.com", "STANDARD", NOW],
    )
    await conn.execute_query(
        'INSERT INTO "tickets" ("subject", "description", "source", "status", "priority", "created_at", '
        '"updated_at", "version", "customer_id", "category_confirmed", "needs_review", "priority_origin", '
        '"triage_state", "tags", "dispatch_reroute") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ["s", "d", "API", "NEW", 3, NOW, NOW, 1, 1, False, False, "DEFAULT", "SKIPPED", "[]", False],
    )
    note = ("x" * note_chars)[:note_chars]
    insert = f'INSERT INTO "{EVENTS_TABLE}" ("ticket_id", "kind", "note", "created_at") VALUES (?, ?, ?, ?)'
    for start in range(0, events, 10_000):
        rows = [[1, "NOTE_ADDED", f"{i} {note}", NOW] for i in range(start, min(events, start + 10_000))]
        await conn.execute_many(insert, rows)


def traced_peak(work: Callable[[], Awaitable[Any]]) -> tuple[int, float]:
    """(peak bytes allocated while `work` ran, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        asyncio.run(work())
        return tracemalloc.get_traced_memory()[1], time.perf_counter() - started
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        root = Path(tmp)
        source, target = f"sqlite://{root}/source.sqlite3", f"sqlite://{root}/target.sqlite3"
        archive_path, files = root / "desk.zip", root / "files"
        files.mkdir()

        async def make_backup() -> None:
            await connect(source)
            try:
                await fill(args.events, args.note_chars)
                await backup.write_backup(path=archive_path, attachments_dir=files, secret_key="k", now=NOW)
            finally:
                await Tortoise.close_connections()

        asyncio.run(make_backup())

        async def prepare_target() -> None:
            await migrate(target)

        asyncio.run(prepare_target())

        async def streamed_restore() -> None:
            await Tortoise.init(config=tortoise_config(target))
            try:
                verified = backup.verify(archive_path)
                await backup.restore(backup=verified, attachments_dir=files, force=False)
            finally:
                await Tortoise.close_connections()

        async def whole_table() -> None:
            await Tortoise.init(config=tortoise_config(target))
            try:
                verified = backup.verify(archive_path)
                entry = next(t for t in verified.manifest.tables if t.table == EVENTS_TABLE)
                plan = next(p for p in backup.table_plans() if p.table == EVENTS_TABLE)
                with zipfile.ZipFile(archive_path) as archive:
                    data = backup._read_member(archive, entry.member, verified.manifest.members[entry.member])
                    rows = list(backup._prepared(plan, entry, read_rows(entry, data)))
                assert len(rows) == args.events
            finally:
                await Tortoise.close_connections()

        baseline_peak, baseline_s = traced_peak(whole_table)
        streamed_peak, streamed_s = traced_peak(streamed_restore)
        with zipfile.ZipFile(archive_path) as archive:
            member_bytes = max(info.file_size for info in archive.infolist())

    mib = 1 << 20
    print(f"backup restore memory, {platform.python_implementation()} {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"ticket log: {args.events:,} entries; its member {member_bytes / mib:.1f} MiB uncompressed")
    print(f"  baseline, one table read whole: peak {baseline_peak / mib:8.1f} MiB ({baseline_s:.1f} s, "
          "the table only)")
    print(f"  restore, streamed:              peak {streamed_peak / mib:8.1f} MiB ({streamed_s:.1f} s, "
          f"verify and restore of the whole desk) = {streamed_peak / baseline_peak:.3f}x the baseline")


if __name__ == "__main__":
    main()
