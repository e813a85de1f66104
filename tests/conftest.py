"""Session fixtures: a fresh database for the selected backend, the real app served by
uvicorn on a free loopback port, and a bootstrap admin token from the real CLI."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn

from tests.backends import Backend, create_backend, drop_backend
from tests.gql import GraphQL

if TYPE_CHECKING:
    from tests.api.desk import Desk

REPO = Path(__file__).resolve().parent.parent

# A frontend on another origin that the session server lets browsers call it from (CORS).
ALLOWED_ORIGIN = "https://app.example.test"


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def backend(var_dir: Path) -> Iterator[Backend]:
    chosen = create_backend(var_dir)
    yield chosen
    drop_backend(chosen)


@pytest.fixture(scope="session")
def cli_env(backend: Backend, var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "HELPDESK_DATABASE_URL": backend.database_url, "HELPDESK_VAR_DIR": str(var_dir)}
    env.pop("HELPDESK_REDIS_URL", None)
    if backend.redis_url:
        env["HELPDESK_REDIS_URL"] = backend.redis_url
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def migrated(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "migrate")
    assert result.returncode == 0, result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedServer:
    """uvicorn with the app's lifespan, in a thread of the test process (so tests can count
    its SQL queries)."""

    def __init__(self, app: object, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base_url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class WorkerHandle:
    """The `helpdesk worker` process of the real backend; fault tests kill and replace it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process = start_worker(env)

    def restart(self) -> None:
        stop_process(self.process)
        self.process = start_worker(self.env)


@pytest.fixture(scope="session")
def worker(backend: Backend, cli_env: dict[str, str], migrated: None) -> Iterator[WorkerHandle | None]:
    """On the real backend SLA timers run in `helpdesk worker` processes, as in production."""
    if not backend.is_real:
        yield None
        return
    handle = WorkerHandle(cli_env)
    yield handle
    stop_process(handle.process)


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "server.cli", "worker"], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)


def stop_process(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def server(migrated: None, backend: Backend, var_dir: Path, worker: object) -> Iterator[ThreadedServer]:
    from server.app import create_app
    from server.settings import Settings

    settings = Settings(
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        secret_key="test-secret",
        var_dir=var_dir,
        rate_limit_per_minute=0,
        ws_ping_seconds=1.0,
        # The classifier learns from every category in the database, and the suite's tests
        # make many: here it would move their tickets under them. tests/api/test_triage.py
        # runs its own desk with triage on.
        triage_enabled=False,
        attachments_dir=var_dir / "attachments",
        allowed_origins=(ALLOWED_ORIGIN,),
    )
    running = ThreadedServer(create_app(settings), free_port())
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def gql(server: ThreadedServer) -> GraphQL:
    return GraphQL(server.base_url)


@pytest.fixture(scope="session")
def admin_token(cli_env: dict[str, str], migrated: None) -> str:
    result = run_cli(
        cli_env,
        "token",
        "create",
        "--email",
        "root-admin@helpdesk.test",
        "--role",
        "ADMIN",
        "--name",
        "Root Admin",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@contextmanager
def serve_process(env: dict[str, str]) -> Iterator[str]:
    """`helpdesk serve` as its own process; yields its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"helpdesk serve exited: {process.stderr.read() if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("helpdesk serve did not start")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def desk(gql: GraphQL, admin_token: str) -> "Desk":
    """A fresh small desk per test: two groups, agents, a supervisor, a reporter, customers."""
    from tests.api.desk import build_desk

    return build_desk(gql, admin_token)
