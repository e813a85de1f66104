"""`make test`: lint, type-check, then the whole suite on the embedded backend (SQLite,
in-process broadcast and jobs) and on the real one (PostgreSQL + Redis on 127.0.0.1).

Under CI=true a missing PostgreSQL or Redis fails the run; elsewhere the real backend is
skipped with a warning so a laptop without them can still run the embedded suite.
"""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVICES = {"PostgreSQL": ("127.0.0.1", 5432), "Redis": ("127.0.0.1", 6379)}
SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped)")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def step(title: str, command: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line)
    return process.wait(), "".join(lines[-5:])


def counts(tail: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, word in SUMMARY.findall(tail):
        key = "failed" if word.startswith("error") else word
        found[key] = found.get(key, 0) + int(number)
    return found


def main() -> int:
    ci = os.environ.get("CI", "").lower() == "true"
    failures: list[str] = []
    totals = {"passed": 0, "failed": 0, "skipped": 0}

    for title, command in (("ruff", [str(BIN / "ruff"), "check", "."]), ("mypy", [str(BIN / "mypy")])):
        code, _ = step(title, command)
        if code != 0:
            failures.append(title)

    missing = [name for name, (host, port) in SERVICES.items() if not reachable(host, port)]
    backends = ["embedded"]
    if not missing:
        backends.append("real")
    elif ci:
        print(f"\nCI=true and {', '.join(missing)} not reachable on 127.0.0.1: failing.", flush=True)
        failures.append("services: " + ", ".join(missing))
    else:
        print(f"\nWARNING: {', '.join(missing)} not reachable: the real backend is NOT tested.", flush=True)

    for backend in backends:
        env = {**os.environ, "HELPDESK_TEST_BACKEND": backend}
        code, tail = step(f"pytest on the {backend} backend",
                          [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], env)
        for key, value in counts(tail).items():
            totals[key] = totals.get(key, 0) + value
        if code == 5:
            failures.append(f"{backend}: no tests ran")
        elif code != 0:
            failures.append(f"{backend}: pytest exit {code}")

    print(f"\nbackends: {', '.join(backends)}; problems: {', '.join(failures) or 'none'}")
    print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if failures or totals["passed"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
