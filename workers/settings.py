"""The arq worker (`helpdesk worker`): SLA checks as deferred jobs and classification of new
tickets, each with a sweep that catches whatever a lost job missed (worker killed, Redis
flushed)."""

from functools import partial
from typing import Any

import httpx
from arq import cron
from arq.connections import RedisSettings
from arq.worker import func
from arq.worker import run_worker as arq_run_worker
from broadcaster import Broadcast
from tortoise import Tortoise

from domain.services.triage_models import TriageModels
from domain.triage.embedder import shared_embedder
from server.attachment_store import attachment_store
from server.db import tortoise_config
from server.keys import CLASSIFY_JOB, SLA_CHECK_JOB, cron_job_name, tickets_channel
from server.mailer import Mailer
from server.publisher import AppPublisher, ArqClassificationQueue, ArqTimers
from server.settings import Settings
from server.webhooks import WebhookSender
from workers import jobs
from workers.batching import Batcher

SWEEP_SECONDS = set(range(0, 60, 5))
CLASSIFY_SWEEP_SECONDS = {7, 37}


def worker_settings(settings: Settings) -> dict[str, Any]:
    assert settings.redis_url is not None

    async def startup(ctx: dict[str, Any]) -> None:
        await Tortoise.init(config=tortoise_config(settings.database_url))
        broadcast = Broadcast(settings.redis_url or "")
        await broadcast.connect()
        ctx["broadcast"] = broadcast
        ctx["http"] = httpx.AsyncClient()
        ctx["webhooks"] = WebhookSender(settings.secret_key, ctx["http"])
        ctx["mailer"] = Mailer(settings) if settings.smtp_host else None
        ctx["attachments"] = attachment_store(settings)
        ctx["publisher"] = AppPublisher(
            broadcast, ArqTimers(ctx["redis"]), ArqClassificationQueue(ctx["redis"]), ctx["webhooks"],
            ctx["mailer"], channel=tickets_channel(settings.queue_name),
        )
        # The model loads on the first classification, off the event loop, once per process.
        models = TriageModels(partial(shared_embedder, settings.triage_int8))
        ctx["classify_batcher"] = Batcher(
            jobs.classification_runner(
                models=models, threshold=settings.triage_threshold, publisher=ctx["publisher"]
            )
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        if ctx.get("mailer") is not None:
            await ctx["mailer"].aclose()
        if "webhooks" in ctx:
            await ctx["webhooks"].aclose()
            await ctx["http"].aclose()
        if "broadcast" in ctx:
            await ctx["broadcast"].disconnect()
        await Tortoise.close_connections()

    def sweep(job: Any, seconds: set[int]) -> Any:
        return cron(job, name=cron_job_name(settings.queue_name, job.__name__), second=seconds,
                    run_at_startup=True, unique=True)

    cron_jobs = [
        sweep(jobs.sla_sweep, SWEEP_SECONDS),
        sweep(jobs.dispatch_sweep, SWEEP_SECONDS),
        sweep(jobs.mail_sweep, SWEEP_SECONDS),
        sweep(jobs.webhook_sweep, SWEEP_SECONDS),
        cron(jobs.attachments_sweep, name=cron_job_name(settings.queue_name, "attachments_sweep"),
             minute={17}, second={0}, unique=True),
    ]
    if settings.triage_enabled:
        cron_jobs.append(sweep(jobs.classify_sweep, CLASSIFY_SWEEP_SECONDS))
    return {
        "functions": [
            func(jobs.sla_check, name=SLA_CHECK_JOB),
            # Generous: the first job of a worker waits for the model to load.
            func(jobs.classify_ticket, name=CLASSIFY_JOB, timeout=300),
        ],
        "cron_jobs": cron_jobs,
        "queue_name": settings.queue_name,
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
