"""SMTP out, through the outbox: mail is queued in the database, handed to the SMTP server
at once when it answers, and retried by the sweeps while it does not."""

import asyncio
import logging
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import aiosmtplib

from domain.services import outbox
from server.settings import Settings

logger = logging.getLogger("helpdesk.mail")

SMTP_POLICY = SMTP.clone(max_line_length=998)


class Mailer:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self._settings = settings
        self._domain = settings.smtp_from.rsplit("@", 1)[-1] or "localhost"
        self._tasks: set[asyncio.Task[object]] = set()

    async def send(self, mail: outbox.Mail) -> None:
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = mail.to_address
        message["Subject"] = mail.subject
        message["Message-ID"] = mail.message_id
        message["Date"] = format_datetime(datetime.now().astimezone())
        if mail.reply_to:
            message["Reply-To"] = mail.reply_to
        if mail.auto_submitted:
            # Machine-written: well-behaved auto-responders stay quiet, so no mail loops.
            message["Auto-Submitted"] = "auto-generated"
        if mail.in_reply_to:
            message["In-Reply-To"] = mail.in_reply_to
        if mail.references or mail.in_reply_to:
            message["References"] = mail.references or mail.in_reply_to
        message.set_content(mail.body)
        settings = self._settings
        # Flattened here, with lines up to RFC 5322's 998: at the default 78 a long
        # Message-ID (Exchange's run to 80) in In-Reply-To/References would be folded as an
        # encoded word, which no client recognises, and the answer would not thread.
        raw = message.as_bytes(policy=SMTP_POLICY)
        try:
            await aiosmtplib.send(
                raw,
                # The envelope names exactly the one recipient, never what the header parses to.
                sender=settings.smtp_from,
                recipients=[mail.to_address],
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=10,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            if refused.recipients and all(r.code >= 500 for r in refused.recipients):
                raise outbox.PermanentFailure(str(refused)) from refused
            raise
        except aiosmtplib.SMTPResponseException as answer:
            if answer.code >= 500:
                raise outbox.PermanentFailure(f"{answer.code} {answer.message}") from answer
            raise

    @property
    def message_domain(self) -> str:
        """Right-hand side of the Message-IDs of the mail this desk writes."""
        return self._domain

    async def write(
        self, *, to_address: str, subject: str, body: str, kind: str, ticket_id: int | None, now: datetime
    ) -> int:
        """The mail as an outbox row, in the caller's transaction; `deliver_soon` it once committed."""
        row = await outbox.enqueue(to_address=to_address, subject=subject, body=body, kind=kind,
                                   ticket_id=ticket_id, now=now, message_domain=self._domain)
        return row.id

    def deliver_soon(self, mail_id: int, now: datetime) -> None:
        """Tries a queued mail at once, off the caller's path. For mail written inside a
        transaction, call it after the commit: before, the row is not there to claim. The
        claim keeps it from going out twice; the sweeps retry what this does not send."""
        task = asyncio.create_task(outbox.deliver(mail_id=mail_id, now=now, send=self.send))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver_due(self, now: datetime) -> int:
        return await outbox.deliver_due(now=now, send=self.send)

    async def aclose(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
