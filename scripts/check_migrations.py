"""Exits 1 when the models have changes that no migration records yet."""

import asyncio
import sys

from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector

from server.db import tortoise_config


async def pending_changes() -> list[str]:
    config = tortoise_config("sqlite://:memory:")
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"{w.app_label}.{w.name}" for w in writers]


if __name__ == "__main__":
    pending = asyncio.run(pending_changes())
    if pending:
        print(f"models changed without a migration: {pending}; run scripts/makemigrations.py NAME")
        sys.exit(1)
    print("migrations match the models")
