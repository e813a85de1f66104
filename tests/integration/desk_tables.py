"""Prints every table of the database named by HELPDESK_DATABASE_URL as JSON, read through
the ORM (not through the backup code), so tests can compare two desks row by row.

Run as `python -m tests.integration.desk_tables`."""

import asyncio
import json
import os
import sys

from tortoise import Tortoise

from server.db import tortoise_config


async def tables() -> dict[str, list[dict[str, object]]]:
    await Tortoise.init(config=tortoise_config(os.environ["HELPDESK_DATABASE_URL"]))
    try:
        return {
            model._meta.db_table: [dict(row) for row in await model.all().order_by("id").values()]
            for _, model in sorted(Tortoise.apps["models"].items())
        }
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    # str() of values gives the same text on both backends (UTC datetimes, bytes, enums);
    # sort_keys makes JSON fields compare by content, not by jsonb's key order.
    json.dump(asyncio.run(tables()), sys.stdout, default=str, sort_keys=True)
