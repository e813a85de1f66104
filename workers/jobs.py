"""arq jobs: a few lines each, calling the services."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from domain.events import Publisher
from domain.services import dispatch, paging, sla_checks, ticket_attachments, triage
from domain.services.triage_models import TriageModels
from resolvers.context import utc_now
from server.keys import CLASSIFY_JOB, classify_job_id

# A pending ticket younger than this still has its own job on the way.
CLASSIFY_GRACE = timedelta(seconds=20)


async def sla_check(ctx: dict[str, Any], ticket_id: int) -> None:
    await sla_checks.check(ticket_id=ticket_id, now=utc_now(), publisher=ctx["publisher"])


async def sla_sweep(ctx: dict[str, Any]) -> int:
    return await sla_checks.sweep(now=utc_now(), publisher=ctx["publisher"])


async def dispatch_due(*, now: datetime, publisher: Publisher) -> int:
    """Dispatch cut short by a crash is finished; pages whose acknowledgement time is up
    move down their chain; queues drain into capacity that freed up anywhere."""
    resumed = await dispatch.resume_pending(now=now, publisher=publisher)
    paged = await paging.advance_due(now=now, publisher=publisher)
    return resumed + paged + await dispatch.drain_all(now=now, publisher=publisher)


async def dispatch_sweep(ctx: dict[str, Any]) -> int:
    return await dispatch_due(now=utc_now(), publisher=ctx["publisher"])


async def mail_sweep(ctx: dict[str, Any]) -> int:
    """Mail the SMTP server did not take yet (it was down) goes out once it answers."""
    mailer = ctx.get("mailer")
    return await mailer.deliver_due(utc_now()) if mailer is not None else 0


async def webhook_sweep(ctx: dict[str, Any]) -> int:
    """Webhook calls whose receiver failed are made again when their retry is due."""
    return int(await ctx["webhooks"].deliver_due(utc_now()))


async def attachments_sweep(ctx: dict[str, Any]) -> int:
    """Uploads that no reply carried within a day are removed."""
    return await ticket_attachments.forget_unsent(store=ctx["attachments"], now=utc_now())


async def classify_ticket(ctx: dict[str, Any], ticket_id: int) -> None:
    # Concurrent jobs meet in the worker's batcher and share one encode call.
    await ctx["classify_batcher"].submit(ticket_id)


async def classify_sweep(ctx: dict[str, Any]) -> int:
    pending = await triage.pending_ticket_ids(created_before=utc_now() - CLASSIFY_GRACE)
    for ticket_id in pending:
        redis = ctx["redis"]
        await redis.enqueue_job(
            CLASSIFY_JOB, ticket_id, _job_id=classify_job_id(ticket_id, redis.default_queue_name)
        )
    return len(pending)


def classification_runner(
    *, models: TriageModels, threshold: float, publisher: Publisher, clock: Callable[[], datetime] = utc_now
) -> Callable[[list[int]], Awaitable[int]]:
    """One batch of the classification job: what the worker's and the embedded batchers run."""

    async def run(ticket_ids: list[int]) -> int:
        return await triage.classify_tickets(
            models=models, ticket_ids=ticket_ids, threshold=threshold, now=clock(), publisher=publisher
        )

    return run
