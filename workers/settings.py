"""The arq worker (`helpdesk worker`): SLA checks as deferred jobs, plus a sweep every few
seconds that catches whatever a lost job missed (worker killed, Redis flushed)."""

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import func
from arq.worker import run_worker as arq_run_worker
from broadcaster import Broadcast
from tortoise import Tortoise

from server.db import tortoise_config
from server.keys import SLA_CHECK_JOB
from server.publisher import AppPublisher, ArqTimers
from server.settings import Settings
from workers import jobs

SWEEP_SECONDS = set(range(0, 60, 5))


def worker_settings(settings: Settings) -> dict[str, Any]:
    assert settings.redis_url is not None

    async def startup(ctx: dict[str, Any]) -> None:
        await Tortoise.init(config=tortoise_config(settings.database_url))
        broadcast = Broadcast(settings.redis_url or "")
        await broadcast.connect()
        ctx["broadcast"] = broadcast
        ctx["publisher"] = AppPublisher(broadcast, ArqTimers(ctx["redis"]))

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "broadcast" in ctx:
            await ctx["broadcast"].disconnect()
        await Tortoise.close_connections()

    return {
        "functions": [func(jobs.sla_check, name=SLA_CHECK_JOB)],
        "cron_jobs": [cron(jobs.sla_sweep, second=SWEEP_SECONDS, run_at_startup=True, unique=True)],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "poll_delay": 0.1,  # deferred jobs fire within about this much of their moment
        "max_jobs": 20,
        "keep_result": 0,
        "handle_signals": True,
    }


def run_worker(settings: Settings) -> None:
    arq_run_worker(worker_settings(settings))  # type: ignore[arg-type]
