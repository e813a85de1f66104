"""client-examples/js/workbench-client.mjs (npm graphql-ws over ws) against the session's
server. Its packages are installed once per session, quietly, and only when the lock file
changed since the last install."""

import fcntl
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest

from tests.api.desk import Desk
from tests.clients import scenarios
from tests.clients.runner import CLIENT_EXAMPLES, ClientProcess, require, running

JS = CLIENT_EXAMPLES / "js"
CLIENT = JS / "workbench-client.mjs"
STAMP = JS / "node_modules" / ".helpdesk-install-stamp"
MIN_NODE = 20
# Outside the repo and outside node_modules, which `npm ci` deletes under the lock holder.
LOCK = Path(tempfile.gettempdir()) / f"helpdesk-npm-{hashlib.sha256(bytes(JS)).hexdigest()[:12]}.lock"


def node_missing() -> str | None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "node and npm are needed for the JS client example (Node 20 or newer)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    major = int(version.stdout.strip().lstrip("v").split(".")[0] or 0)
    return None if major >= MIN_NODE else f"Node {MIN_NODE}+ is needed, found {version.stdout.strip()}"


def manifest_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        path = JS / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def install(npm: str) -> None:
    """`npm ci` when the lock file exists (exact versions), else `npm install`; skipped when
    node_modules already matches. A file lock keeps two test runs from installing at once."""
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = manifest_digest()
        if STAMP.exists() and STAMP.read_text() == wanted:
            return
        verb = "ci" if (JS / "package-lock.json").exists() else "install"
        result = subprocess.run([npm, verb, "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS,
                                capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            pytest.fail(f"npm {verb} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
        STAMP.write_text(wanted)


@pytest.fixture(scope="session")
def node_client() -> None:
    require(node_missing())
    npm = shutil.which("npm")
    assert npm is not None
    install(npm)


@contextmanager
def start(desk: Desk, *args: str, token: str | None = None, url: str | None = None) -> Iterator[ClientProcess]:
    assert desk.agent is not None
    node = shutil.which("node")
    assert node is not None
    command = [node, str(CLIENT), "--url", url or desk.gql.base_url, *args]
    with running(command, token or desk.agent.token, cwd=JS) as client:
        yield client


def test_prints_the_workbench_then_a_live_assignment(desk: Desk, node_client: None) -> None:
    scenarios.follow_live_assignment(desk, partial(start, desk))


def test_resumes_after_the_last_event_with_since(desk: Desk, node_client: None) -> None:
    scenarios.resume_with_since(desk, partial(start, desk))


def test_reconnects_and_resumes_after_a_dropped_connection(desk: Desk, node_client: None) -> None:
    scenarios.resume_after_a_dropped_connection(desk, partial(start, desk))


def test_a_refused_token_stops_the_client(desk: Desk, node_client: None) -> None:
    scenarios.refuse_a_bad_token(partial(start, desk))

