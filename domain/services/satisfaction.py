"""The satisfaction survey: a mail with a signed link when a ticket is closed, and the
customer's one rating through that link (no account needed: the token is the permission)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from domain.enums import EventKind
from domain.enums import TicketStatus as S
from domain.errors import BadUserInput, Conflict
from domain.events import Publisher
from domain.models import OutboxMail, Satisfaction, Ticket
from domain.rules import signed_tokens, validation
from domain.services import customer_mail, outbox
from domain.services.customer_mail import CustomerMailConfig
from domain.services.ticket_changes import EventDraft, TicketChange, change_ticket

SURVEY_PURPOSE = "survey"
SURVEY_KIND = "survey"
SURVEY_VALID_FOR = timedelta(days=30)
STARS = range(1, 6)
COMMENT_MAX = 2_000
RATABLE = (S.RESOLVED, S.CLOSED)

SideWrite = Callable[[Ticket], Awaitable[None]]


@dataclass(frozen=True)
class SurveyConfig:
    mail: CustomerMailConfig
    secret_key: str
    valid_for: timedelta = SURVEY_VALID_FOR


def survey_token(*, ticket_id: int, secret_key: str, now: datetime) -> str:
    return signed_tokens.sign(purpose=SURVEY_PURPOSE, subject=ticket_id, issued_at=now, secret=secret_key)


def survey_link(config: SurveyConfig, *, ticket_id: int, now: datetime) -> str:
    token = survey_token(ticket_id=ticket_id, secret_key=config.secret_key, now=now)
    return f"{config.mail.public_url}/survey/{token}"


def survey_body(ticket: Ticket, link: str, valid_for: timedelta) -> str:
    return (
        f"Your request {ticket.key} ({customer_mail.one_line(ticket.subject)}) is closed.\n\n"
        "How did we do? Rate our help from 1 to 5 stars (it takes a few seconds):\n\n"
        f"{link}\n\n"
        f"The link works once and for {valid_for.days} days.\n"
    )


def survey_writer(config: SurveyConfig, *, now: datetime, queued: list[int] | None = None) -> SideWrite:
    """For tickets.close's `side_writes`: queues the survey to the customer in the closing
    transaction. One survey per ticket: closing it again after a reopen asks nothing more."""

    async def write(ticket: Ticket) -> None:
        if ticket.status is not S.CLOSED:
            return
        if await Satisfaction.exists(ticket_id=ticket.id) or await OutboxMail.exists(
            ticket_id=ticket.id, kind=SURVEY_KIND
        ):
            return
        address = await customer_mail.customer_address(ticket)
        if address is None:
            return
        thread = await customer_mail.thread_of(ticket.id)
        row = await outbox.enqueue(
            to_address=address,
            subject=f"[{ticket.key}] How did we do? {customer_mail.one_line(ticket.subject)}",
            body=survey_body(ticket, survey_link(config, ticket_id=ticket.id, now=now), config.valid_for),
            kind=SURVEY_KIND,
            now=now,
            message_domain=config.mail.message_domain,
            ticket_id=ticket.id,
            references=thread.references_header,
            reply_to=config.mail.reply_to,
        )
        if queued is not None:
            queued.append(row.id)

    return write


def _ticket_of(token: str, *, secret_key: str, now: datetime, valid_for: timedelta) -> int:
    try:
        return signed_tokens.verify(
            token, purpose=SURVEY_PURPOSE, secret=secret_key, now=now, max_age=valid_for
        )
    except signed_tokens.InvalidToken:
        raise BadUserInput("This survey link is not valid or has expired.", field="token") from None


async def ticket_for_token(
    *, token: str, secret_key: str, now: datetime, valid_for: timedelta = SURVEY_VALID_FOR
) -> tuple[Ticket | None, Satisfaction | None]:
    """For the survey page: the ticket the link is for, and its rating if it has one."""
    ticket_id = _ticket_of(token, secret_key=secret_key, now=now, valid_for=valid_for)
    return await Ticket.get_or_none(id=ticket_id), await Satisfaction.get_or_none(ticket_id=ticket_id)


async def rate(
    *,
    token: str,
    stars: int,
    comment: str | None,
    secret_key: str,
    now: datetime,
    publisher: Publisher,
    valid_for: timedelta = SURVEY_VALID_FOR,
) -> Satisfaction:
    """The customer's rating of a resolved or closed ticket; once per ticket."""
    ticket_id = _ticket_of(token, secret_key=secret_key, now=now, valid_for=valid_for)
    if isinstance(stars, bool) or stars not in STARS:
        raise BadUserInput(f"stars must be between {STARS[0]} and {STARS[-1]}.", field="stars")
    text = validation.optional_text(comment, field="comment", max_length=COMMENT_MAX)
    if await Satisfaction.exists(ticket_id=ticket_id):
        raise Conflict("This ticket has been rated already.", field="token")
    saved: list[Satisfaction] = []

    async def store(ticket: Ticket) -> None:
        row = await Satisfaction.create(ticket_id=ticket.id, stars=stars, comment=text, created_at=now)
        saved.append(row)

    def decide(ticket: Ticket) -> TicketChange:
        if ticket.status not in RATABLE:
            raise Conflict("Only a resolved or closed ticket can be rated.", field="token")
        return TicketChange(
            events=(EventDraft(kind=EventKind.RATED, after={"stars": stars}),),
            side_writes=(store,),
        )

    try:
        await change_ticket(
            actor=None, ticket_id=ticket_id, expected_version=None, now=now, decide=decide,
            publisher=publisher,
        )
    except IntegrityError:
        # Two ratings at once: the other one's row won the unique ticket constraint.
        raise Conflict("This ticket has been rated already.", field="token") from None
    return saved[0]
