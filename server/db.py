"""Tortoise configuration, shared by the API, the workers and the CLI."""

from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

MODELS_MODULE = "domain.models"
MIGRATIONS_MODULE = "domain.migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite://") and database_url != "sqlite://:memory:":
        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(database_url: str) -> None:
    """Brings the schema up to date; applied migrations are recorded, so it is safe twice."""
    try:
        await run_migrations(config=tortoise_config(database_url))
    finally:
        # An open aiosqlite connection keeps its thread, and so the process, alive.
        await Tortoise.close_connections()
