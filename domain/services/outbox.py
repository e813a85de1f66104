"""Outgoing mail through an outbox: queued in the database, sent by whoever sweeps, retried
with backoff while the SMTP server is down. A mail is claimed by moving its next attempt
forward in one conditional UPDATE, so two senders never send it twice."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.models import OutboxMail
from domain.rules.retry import retry_delay
from domain.services.claims import claim, each_due

logger = logging.getLogger("helpdesk.outbox")

# Long enough for one SMTP conversation: a sender that dies mid-send frees the mail after it.
CLAIM = timedelta(minutes=2)

# A person's answer to a customer: no Auto-Submitted header, so the customer's mail
# program treats it as the reply it is (pages, surveys and notices are machine-written).
REPLY_KIND = "reply"


@dataclass(frozen=True)
class Mail:
    to_address: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None
    references: str | None = None
    reply_to: str | None = None
    kind: str = ""

    @property
    def auto_submitted(self) -> bool:
        return self.kind != REPLY_KIND


Send = Callable[[Mail], Awaitable[None]]

# Tried for about a day (5 s doubling to every 30 min) before a mail is given up on.
MAX_ATTEMPTS = 60


class PermanentFailure(Exception):
    """The SMTP server refused the mail for good (a 5xx answer): trying again cannot help."""


def new_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


async def enqueue(
    *, to_address: str, subject: str, body: str, kind: str, now: datetime, message_domain: str,
    ticket_id: int | None = None, in_reply_to: str | None = None, references: str | None = None,
    reply_to: str | None = None, message_id: str | None = None,
) -> OutboxMail:
    """`message_id`: one made beforehand (stored on the ticket's message too); else a new one.
    Inside a transaction the row is sent once it commits (Mailer.deliver_soon, the sweeps)."""
    return await OutboxMail.create(
        to_address=to_address, subject=subject[:300], body=body, kind=kind, ticket_id=ticket_id,
        message_id=message_id or new_message_id(message_domain), in_reply_to=in_reply_to,
        references=references, reply_to=reply_to, next_attempt_at=now, created_at=now,
    )


async def deliver(*, mail_id: int, now: datetime, send: Send) -> bool:
    """Sends one mail if it is due and nobody else has claimed it; True when sent."""
    if not await claim(OutboxMail, mail_id, now=now, hold=CLAIM):
        return False
    row = await OutboxMail.get(id=mail_id)
    try:
        await send(Mail(row.to_address, row.subject, row.body, row.message_id, row.in_reply_to,
                        row.references, row.reply_to, row.kind))
    except Exception as error:  # any other failure: keep the mail and try again later
        attempts = row.attempts + 1
        final = isinstance(error, PermanentFailure) or attempts >= MAX_ATTEMPTS
        # A given-up mail keeps its row (sent_at null, the error kept) for whoever looks.
        await OutboxMail.filter(id=mail_id).update(
            attempts=attempts, next_attempt_at=None if final else now + retry_delay(attempts),
            last_error=str(error)[:2000],
        )
        log = logger.warning if final else logger.info
        log("mail %s not sent (attempt %d%s): %s", row.message_id, attempts,
            ", given up" if final else "", error)
        return False
    await OutboxMail.filter(id=mail_id).update(
        attempts=row.attempts + 1, sent_at=now, next_attempt_at=None, last_error=None
    )
    return True


async def deliver_due(*, now: datetime, send: Send, limit: int = 100) -> int:
    async def handle(mail_id: int, moment: datetime) -> bool:
        return await deliver(mail_id=mail_id, now=moment, send=send)

    return await each_due(OutboxMail, now=now, limit=limit, handle=handle)
