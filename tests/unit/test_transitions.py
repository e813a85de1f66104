"""The status transition table, pair by pair."""

import itertools

import pytest

from domain.enums import TicketStatus as S
from domain.enums import WaitReason as W
from domain.errors import BadUserInput, Conflict
from domain.rules import transitions

ALLOWED = {
    (S.NEW, S.OPEN),
    (S.NEW, S.WAITING),
    (S.NEW, S.RESOLVED),
    (S.OPEN, S.WAITING),
    (S.OPEN, S.RESOLVED),
    (S.WAITING, S.OPEN),
    (S.WAITING, S.WAITING),
    (S.WAITING, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.OPEN),
    (S.CLOSED, S.OPEN),
}


@pytest.mark.parametrize(("previous", "next_"), list(itertools.product(S, S)))
def test_every_pair(previous: S, next_: S) -> None:
    assert transitions.can_transition(previous, next_) is ((previous, next_) in ALLOWED)
    reason = W.CUSTOMER if next_ is S.WAITING else None
    prior_reason = W.THIRD_PARTY if previous is S.WAITING else None
    if (previous, next_) in ALLOWED:
        change = transitions.transition(
            previous, next_, wait_reason=reason, previous_wait_reason=prior_reason
        )
        assert (change.status, change.wait_reason) == (next_, reason)
    else:
        with pytest.raises(Conflict):
            transitions.transition(previous, next_, wait_reason=reason, previous_wait_reason=prior_reason)


@pytest.mark.parametrize(
    ("previous", "next_", "reason", "error"),
    [
        (S.OPEN, S.WAITING, None, BadUserInput),  # waiting needs a reason
        (S.WAITING, S.OPEN, W.CUSTOMER, BadUserInput),  # only waiting has a reason
        (S.WAITING, S.WAITING, W.REVIEW, Conflict),  # same reason again: nothing to do
    ],
)
def test_wait_reason_rules(previous: S, next_: S, reason: W | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        transitions.transition(previous, next_, wait_reason=reason, previous_wait_reason=W.REVIEW)


@pytest.mark.parametrize(
    ("status", "reopens"),
    [(S.NEW, False), (S.OPEN, False), (S.WAITING, False), (S.RESOLVED, True), (S.CLOSED, True)],
)
def test_reopen(status: S, reopens: bool) -> None:
    if reopens:
        assert transitions.reopen_target(status) is S.OPEN
    else:
        with pytest.raises(Conflict):
            transitions.reopen_target(status)


def test_only_closed_is_frozen() -> None:
    assert [s for s in S if not transitions.is_editable(s)] == [S.CLOSED]
