"""Which backend a test run uses: `embedded` (SQLite, in-memory broadcast, in-process jobs)
or `real` (PostgreSQL and Redis on 127.0.0.1), chosen by HELPDESK_TEST_BACKEND."""

import os
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

PG_HOST = "127.0.0.1"
PG_PORT = 5432
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    admin_database_url: str | None = None  # to drop a PostgreSQL database afterwards

    @property
    def is_real(self) -> bool:
        return self.name == "real"


def selected_backend_name() -> str:
    return os.environ.get("HELPDESK_TEST_BACKEND", "embedded")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def create_backend(var_dir: Path) -> Backend:
    name = selected_backend_name()
    if name == "embedded":
        return Backend(name, f"sqlite://{var_dir}/test.sqlite3", None)
    if name != "real":
        raise ValueError(f"HELPDESK_TEST_BACKEND must be embedded or real, not {name!r}")
    database = f"helpdesk_test_{uuid.uuid4().hex[:10]}"
    subprocess.run(["createdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", database], check=True)
    return Backend(
        name,
        f"postgres://postgres@{PG_HOST}:{PG_PORT}/{database}",
        REDIS_URL,
        admin_database_url=database,
    )


def drop_backend(backend: Backend) -> None:
    if backend.admin_database_url:
        subprocess.run(
            [
                "dropdb",
                "-h",
                PG_HOST,
                "-p",
                str(PG_PORT),
                "-U",
                "postgres",
                "--force",
                "--if-exists",
                backend.admin_database_url,
            ],
            check=False,
        )
