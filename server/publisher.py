"""After commit: publish domain events on broadcaster and schedule SLA checks, on the
in-process timers (embedded) or as arq deferred jobs (Redis)."""

import json
from datetime import datetime
from typing import Protocol

from arq.connections import ArqRedis
from broadcaster import Broadcast

from domain.events import ALL_TICKETS_CHANNEL, PageNotification, QueuedNotices, TicketActivity
from server.keys import CLASSIFY_JOB, SLA_CHECK_JOB, classify_job_id, sla_job_id
from server.mailer import Mailer
from server.webhooks import WebhookSender


class SlaTimers(Protocol):
    async def schedule(self, ticket_id: int, at: datetime) -> None: ...


class ClassificationQueue(Protocol):
    async def enqueue(self, ticket_id: int) -> None: ...


class ArqClassificationQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self._pool = pool

    async def enqueue(self, ticket_id: int) -> None:
        await self._pool.enqueue_job(
            CLASSIFY_JOB, ticket_id, _job_id=classify_job_id(ticket_id, self._pool.default_queue_name)
        )


class NoClassification:
    """The desk runs without triage (HELPDESK_TRIAGE=off)."""

    async def enqueue(self, ticket_id: int) -> None:
        return None


class ArqTimers:
    def __init__(self, pool: ArqRedis) -> None:
        self._pool = pool

    async def schedule(self, ticket_id: int, at: datetime) -> None:
        await self._pool.enqueue_job(
            SLA_CHECK_JOB,
            ticket_id,
            _job_id=sla_job_id(ticket_id, int(at.timestamp() * 1000), self._pool.default_queue_name),
            _defer_until=at,
        )


class AppPublisher:
    def __init__(
        self,
        broadcast: Broadcast,
        timers: SlaTimers,
        classification: ClassificationQueue | None = None,
        webhooks: WebhookSender | None = None,
        mailer: Mailer | None = None,
        channel: str = ALL_TICKETS_CHANNEL,
    ) -> None:
        self._broadcast = broadcast
        self._channel = channel
        self._timers = timers
        self._classification = classification or NoClassification()
        self._webhooks = webhooks
        self._mailer = mailer

    async def publish(self, activities: list[TicketActivity]) -> None:
        for activity in activities:
            message = json.dumps(activity.to_json())
            await self._broadcast.publish(channel=self._channel, message=message)

    async def schedule_sla_check(self, ticket_id: int, at: datetime) -> None:
        await self._timers.schedule(ticket_id, at)

    async def schedule_classification(self, ticket_id: int) -> None:
        await self._classification.enqueue(ticket_id)

    async def write_page_notices(self, notification: PageNotification) -> QueuedNotices:
        mail_ids: list[int] = []
        webhook_ids: list[int] = []
        if self._mailer is not None:
            mail_ids.append(await self._mailer.write(
                to_address=notification.user_email,
                subject=f"[{notification.ticket_key}] Paged: {notification.subject}",
                body=(
                    f"You are paged for {notification.ticket_key} ({notification.priority}): "
                    f"{notification.subject}\n\nReason: {notification.reason}\n\n"
                    f"Acknowledge with the acknowledgePage mutation (page {notification.page_id}) "
                    "or the next person in the on-call chain is paged.\n"
                ),
                kind="page",
                ticket_id=notification.ticket_id,
                now=notification.at,
            ))
        if notification.webhook_url and self._webhooks is not None:
            payload = {
                "type": "page",
                "pageId": notification.page_id,
                "ticket": {"id": notification.ticket_id, "key": notification.ticket_key,
                           "subject": notification.subject, "priority": notification.priority},
                "groupId": notification.group_id,
                "user": {"id": notification.user_id, "email": notification.user_email},
                "reason": notification.reason,
                "at": notification.at.isoformat(),
            }
            webhook_ids.append(await self._webhooks.write(
                url=notification.webhook_url, payload=payload, kind="page", now=notification.at
            ))
        return QueuedNotices(mail_ids=tuple(mail_ids), webhook_ids=tuple(webhook_ids))

    def send_page_notices(self, queued: QueuedNotices, now: datetime) -> None:
        if self._mailer is not None:
            for mail_id in queued.mail_ids:
                self._mailer.deliver_soon(mail_id, now)
        if self._webhooks is not None:
            for delivery_id in queued.webhook_ids:
                self._webhooks.deliver_soon(delivery_id, now)
