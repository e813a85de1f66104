import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from domain.enums import EventKind, TicketSource
from domain.models import Customer, Ticket, TicketEvent
from server.db import migrate, tortoise_config
from tests.backends import create_backend, drop_backend
from tests.conftest import REPO


def test_models_and_migrations_agree() -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.check_migrations"], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_an_alert_event_cannot_be_logged_twice_after_migrating(tmp_path: Path) -> None:
    """The unique (ticket, dedupe_key) index holds on this run's database. On SQLite the table
    rebuilds of earlier migrations had dropped it, and 0007 makes it again."""
    backend = create_backend(tmp_path)
    try:
        await migrate(backend.database_url)
        await Tortoise.init(config=tortoise_config(backend.database_url))
        now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        customer = await Customer.create(email="c@example.com", name="C")
        ticket = await Ticket.create(subject="s", description="d", source=TicketSource.API,
                                     customer=customer, created_at=now, updated_at=now)
        await TicketEvent.create(ticket=ticket, kind=EventKind.SLA_BREACHED, dedupe_key="breach:1",
                                 created_at=now)
        with pytest.raises(IntegrityError):
            await TicketEvent.create(ticket=ticket, kind=EventKind.SLA_BREACHED, dedupe_key="breach:1",
                                     created_at=now)
        await TicketEvent.create(ticket=ticket, kind=EventKind.NOTE_ADDED, created_at=now)
        await TicketEvent.create(ticket=ticket, kind=EventKind.NOTE_ADDED, created_at=now)  # no key: no limit
        assert await TicketEvent.filter(ticket=ticket).count() == 3
    finally:
        await Tortoise.close_connections()
        drop_backend(backend)
