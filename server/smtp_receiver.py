"""Inbound SMTP: aiosmtpd serving on the app's own event loop.

Not aiosmtpd's Controller, which runs a second event loop in a thread: tortoise's
connections belong to the loop that opened them. A mail is answered 250 only once it is
stored; on an internal error 451, so the sending server keeps it and tries again."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime
from types import TracebackType
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from domain.events import NullPublisher, Publisher
from domain.services import mail_intake
from domain.services.attachments import AttachmentStore
from server.keys import tickets_channel
from server.settings import Settings

logger = logging.getLogger("helpdesk.smtp")

# (raw message, MAIL FROM, RCPT TOs) -> stored
Deliver = Callable[[bytes, str | None, list[str]], Awaitable[object]]
DEFAULT_PORT = 2525


class MailHandler:
    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        if raw is None:
            content = envelope.content
            raw = content if isinstance(content, bytes) else (content or "").encode("utf-8", "replace")
        try:
            await self._deliver(raw, envelope.mail_from, [str(r) for r in envelope.rcpt_tos])
        except Exception:
            logger.exception("storing mail from %s failed; the sender will retry", envelope.mail_from)
            return "451 4.3.0 Could not store the message now; try again later"
        return "250 2.0.0 OK: stored"


class _DeskSMTP(SMTP):
    def __init__(self, handler: MailHandler, *, line_limit: int, **kwargs: Any) -> None:
        # Mail software does send lines longer than RFC 5321's 1000 octets; refusing them
        # would lose the mail. The message size limit still bounds what is buffered.
        self.line_length_limit = max(SMTP.line_length_limit, line_limit)
        super().__init__(handler, **kwargs)


class SmtpReceiver:
    """An async context manager: listens from enter to exit."""

    def __init__(self, *, host: str, port: int, max_bytes: int, hostname: str, deliver: Deliver) -> None:
        self._host = host
        self._port = port
        self._max_bytes = max_bytes
        self._hostname = hostname
        self._deliver = deliver
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (the one asked for, or the system's choice for 0)."""
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> "SmtpReceiver":
        loop = asyncio.get_running_loop()
        handler = MailHandler(self._deliver)

        def protocol() -> SMTP:
            return _DeskSMTP(
                handler,
                line_limit=self._max_bytes + 2,
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                hostname=self._hostname,  # else a DNS lookup (getfqdn) per connection
                loop=loop,
            )

        self._server = await loop.create_server(protocol, host=self._host, port=self._port)
        logger.info("receiving mail on %s:%s", self._host, self.port)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


def receiver_for(
    settings: Settings,
    *,
    publisher: Publisher,
    attachments: AttachmentStore,
    clock: Callable[[], datetime],
    host: str | None = None,
    port: int | None = None,
) -> SmtpReceiver:
    async def deliver(raw: bytes, mail_from: str | None, recipients: list[str]) -> object:
        return await mail_intake.receive(
            raw=raw,
            envelope_sender=mail_from,
            recipients=recipients,
            now=clock(),
            publisher=publisher,
            attachments=attachments,
            classify=settings.triage_enabled,
            desk_addresses=(settings.mail_address, settings.smtp_from),
            strip_quotes=settings.mail_strip_quotes,
        )

    return SmtpReceiver(
        host=host or settings.smtp_listen_host,
        port=port if port is not None else (settings.smtp_listen_port or DEFAULT_PORT),
        max_bytes=settings.mail_max_bytes,
        hostname=settings.mail_address.rsplit("@", 1)[-1] or "helpdesk",
        deliver=deliver,
    )


async def _publisher(settings: Settings, stack: AsyncExitStack) -> Publisher:
    """With Redis, the same publisher as `serve`: live events, arq SLA timers and
    classification jobs. Embedded, nobody listens in this process: `serve`'s sweeps pick up
    pending classification and due SLA moments from the database."""
    if settings.redis_url is None:
        return NullPublisher()
    from arq import create_pool
    from arq.connections import RedisSettings
    from broadcaster import Broadcast

    from server.publisher import AppPublisher, ArqClassificationQueue, ArqTimers
    from server.redis_broadcast import ResilientRedisBackend

    broadcast = Broadcast(backend=ResilientRedisBackend(settings.redis_url))
    await stack.enter_async_context(broadcast)
    pool = await create_pool(
        RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name
    )
    stack.push_async_callback(pool.aclose)
    mailer = None
    if settings.smtp_host:
        from server.mailer import Mailer

        mailer = Mailer(settings)
        stack.push_async_callback(mailer.aclose)
    classification = ArqClassificationQueue(pool) if settings.triage_enabled else None
    return AppPublisher(
        broadcast, ArqTimers(pool), classification, None, mailer, channel=tickets_channel(settings.queue_name)
    )


async def run_alone(settings: Settings, *, host: str | None, port: int | None) -> None:
    """`helpdesk smtp`: the receiver as a process of its own, until SIGTERM or SIGINT."""
    from tortoise import Tortoise

    from resolvers.context import utc_now
    from server.attachment_store import attachment_store
    from server.db import tortoise_config

    await Tortoise.init(config=tortoise_config(settings.database_url))
    async with AsyncExitStack() as stack:
        stack.push_async_callback(Tortoise.close_connections)
        publisher = await _publisher(settings, stack)
        receiver = await stack.enter_async_context(
            receiver_for(
                settings, publisher=publisher, attachments=attachment_store(settings), clock=utc_now,
                host=host, port=port,
            )
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        print(f"helpdesk smtp: receiving mail on {host or settings.smtp_listen_host}:{receiver.port}",
              flush=True)
        await stop.wait()
