"""Ticket status transitions: one explicit table of (previous, next) pairs."""

from dataclasses import dataclass

from domain.enums import TicketStatus, WaitReason
from domain.errors import BadUserInput, Conflict

S = TicketStatus

# NEW -> OPEN -> WAITING <-> OPEN -> RESOLVED -> CLOSED, and reopen. A NEW ticket may go
# straight to WAITING or RESOLVED: an agent's first act can be to ask or to answer.
ALLOWED_TRANSITIONS: frozenset[tuple[TicketStatus, TicketStatus]] = frozenset(
    {
        (S.NEW, S.OPEN),
        (S.NEW, S.WAITING),
        (S.NEW, S.RESOLVED),
        (S.OPEN, S.WAITING),
        (S.OPEN, S.RESOLVED),
        (S.WAITING, S.OPEN),
        (S.WAITING, S.WAITING),  # the wait reason changes
        (S.WAITING, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.OPEN),  # reopen
        (S.CLOSED, S.OPEN),  # reopen
    }
)

# Statuses in which the ticket is still being worked on.
ACTIVE_STATUSES = frozenset({S.NEW, S.OPEN, S.WAITING})


@dataclass(frozen=True)
class StatusChange:
    status: TicketStatus
    wait_reason: WaitReason | None


def can_transition(previous: TicketStatus, next_: TicketStatus) -> bool:
    return (previous, next_) in ALLOWED_TRANSITIONS


def transition(
    previous: TicketStatus,
    next_: TicketStatus,
    *,
    wait_reason: WaitReason | None = None,
    previous_wait_reason: WaitReason | None = None,
) -> StatusChange:
    """The status and wait reason after moving to `next_`; raises if the move is not allowed.

    `waitReason` is set exactly when the status is WAITING.
    """
    if next_ is S.WAITING and wait_reason is None:
        raise BadUserInput("A waiting ticket needs a wait reason.", field="reason")
    if next_ is not S.WAITING and wait_reason is not None:
        raise BadUserInput("Only a waiting ticket has a wait reason.", field="reason")
    if previous is S.WAITING and next_ is S.WAITING and wait_reason == previous_wait_reason:
        raise Conflict(f"The ticket is already waiting for {wait_reason.value if wait_reason else ''}.")
    if not can_transition(previous, next_):
        raise Conflict(f"A ticket in status {previous.value} cannot become {next_.value}.")
    return StatusChange(status=next_, wait_reason=wait_reason)


def reopen_target(previous: TicketStatus) -> TicketStatus:
    if previous not in (S.RESOLVED, S.CLOSED):
        raise Conflict(f"Only a resolved or closed ticket can be reopened, not a {previous.value} one.")
    return S.OPEN


def is_editable(status: TicketStatus) -> bool:
    """Closed tickets are archived: only a reopen changes them."""
    return status is not S.CLOSED
