"""A desk of its own for a test module: a fresh database on this run's backend, `helpdesk
serve` as a process (and, on the real backend, `helpdesk worker` on its own arq queue).

For features that act on the whole desk (the classifier learns from every category, routing
rules and the default group take every new ticket), which must not see or touch what the
rest of the suite does in the shared database."""

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests.backends import Backend, create_backend, drop_backend
from tests.conftest import run_cli, serve_process, start_worker, stop_process
from tests.gql import GraphQL

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    """Jobs and timers run in the background: poll until the probe sees their result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class OwnDesk:
    gql: GraphQL
    admin: str
    env: dict[str, str]
    backend: Backend


@contextmanager
def own_desk(var_dir: Path, settings: dict[str, str], api_processes: int = 1) -> Iterator[list[OwnDesk]]:
    """Yields one OwnDesk per API process (all on the same database)."""
    own = create_backend(var_dir)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")},
        "HELPDESK_DATABASE_URL": own.database_url,
        "HELPDESK_VAR_DIR": str(var_dir),
        "HELPDESK_RATE_LIMIT_PER_MINUTE": "0",
        # Its own arq queue: the session's worker serves another database.
        "HELPDESK_QUEUE_NAME": f"helpdesk-test:{uuid.uuid4().hex[:8]}",
        **settings,
    }
    if own.redis_url:
        env["HELPDESK_REDIS_URL"] = own.redis_url
    with ExitStack() as stack:
        stack.callback(drop_backend, own)
        migrated = run_cli(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        token = run_cli(env, "token", "create", "--email", "own-admin@helpdesk.test", "--role", "ADMIN")
        assert token.returncode == 0, token.stderr
        admin = token.stdout.strip().splitlines()[-1]
        if own.is_real:
            worker = start_worker(env)
            stack.callback(stop_process, worker)
        desks = []
        for _ in range(api_processes if own.is_real else 1):
            base_url = stack.enter_context(serve_process(env))
            desks.append(OwnDesk(GraphQL(base_url), admin, env, own))
        yield desks
