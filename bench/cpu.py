"""CPU time spent by the server process and by the database's backends, from /proc.

On a shared, noisy machine requests/s swing with whatever else runs; CPU time per request
moves much less, and a server that is CPU-bound on its one core serves about
1 / (CPU seconds per request) requests/s once it has the core to itself.
"""

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User plus system time of one process (0 if it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # After the ")" closing the command name: state is field 3, utime 14, stime 15.
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def backend_pids(database: str) -> list[int]:
    """PostgreSQL titles each backend "postgres: <user> <database> <client> <state>"."""
    marker = f" {database} ".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and marker in title.replace(b"\0", b" "):
            pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds of a fixed process and of a database's backends, between two points."""

    def __init__(self, pid: int | None, database: str | None) -> None:
        self.pid = pid
        self.database = database
        self._start: tuple[float, dict[int, float]] = (0.0, {})

    def _snapshot(self) -> tuple[float, dict[int, float]]:
        server = process_cpu_seconds(self.pid) if self.pid else 0.0
        backends = backend_pids(self.database) if self.database else []
        return server, {pid: process_cpu_seconds(pid) for pid in backends}

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> tuple[float, float]:
        """(server seconds, database seconds) since start; a backend born since counts from 0."""
        server, backends = self._snapshot()
        before_server, before = self._start
        database = sum(cpu - before.get(pid, 0.0) for pid, cpu in backends.items())
        return server - before_server, database
