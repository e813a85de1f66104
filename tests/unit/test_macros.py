"""Macros: parsing action lists, and planning a whole list as one change."""

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.enums import EventKind, Priority, PriorityOrigin
from domain.enums import TicketStatus as S
from domain.enums import WaitReason as W
from domain.errors import BadUserInput, Conflict
from domain.rules.macros import Action, ActionType, Directory, TicketState, parse_actions, plan

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
A = ActionType


# --- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "SET_STATUS", "status": "RESOLVED"}, Action(A.SET_STATUS, status=S.RESOLVED)),
        ({"type": "SET_WAITING", "reason": "CUSTOMER"}, Action(A.SET_WAITING, reason=W.CUSTOMER)),
        ({"type": "SET_PRIORITY", "priority": "HIGH"}, Action(A.SET_PRIORITY, priority=Priority.HIGH)),
        ({"type": "ASSIGN_GROUP", "groupId": "12"}, Action(A.ASSIGN_GROUP, group_id=12)),
        ({"type": "ASSIGN_AGENT", "agentId": 5}, Action(A.ASSIGN_AGENT, agent_id=5)),
        ({"type": "REPLY", "templateId": "3"}, Action(A.REPLY, template_id=3)),
        ({"type": "REPLY", "templateId": 3, "internal": True}, Action(A.REPLY, template_id=3, internal=True)),
        ({"type": "ADD_TAGS", "tags": [" VIP ", "vip", "billing"]}, Action(A.ADD_TAGS, tags=("vip", "billing"))),
        ({"type": "REMOVE_TAGS", "tags": ["old"]}, Action(A.REMOVE_TAGS, tags=("old",))),
        # Unset fields of other types may come as nulls (a typed GraphQL input sends them).
        ({"type": "SET_PRIORITY", "priority": "LOW", "groupId": None, "tags": None},
         Action(A.SET_PRIORITY, priority=Priority.LOW)),
    ],
)
def test_valid_actions(raw: dict[str, Any], expected: Action) -> None:
    (action,) = parse_actions([raw])
    assert action == expected
    assert parse_actions([action.to_json()]) == (action,)  # what is stored parses back


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"type": "EXPLODE"}, "type must be one of"),
        ({}, "type must be one of"),
        ({"type": "SET_STATUS"}, "needs status"),
        ({"type": "SET_STATUS", "status": "WAITING"}, "SET_WAITING"),
        ({"type": "SET_STATUS", "status": "NEW"}, "status must be one of"),
        ({"type": "SET_STATUS", "status": "SLEEPING"}, "SET_STATUS"),
        ({"type": "SET_WAITING", "reason": "LUNCH"}, "SET_WAITING"),
        ({"type": "SET_PRIORITY", "priority": "HUGE"}, "priority must be one of"),
        ({"type": "SET_PRIORITY", "priority": 1}, "priority must be one of"),
        ({"type": "SET_PRIORITY", "priority": "HIGH", "groupId": 3}, "does not take groupId"),
        ({"type": "ASSIGN_GROUP", "groupId": "x"}, "groupId is not a valid id"),
        ({"type": "ASSIGN_GROUP", "groupId": -1}, "groupId is not a valid id"),
        ({"type": "ASSIGN_AGENT", "agentId": True}, "agentId is not a valid id"),
        ({"type": "REPLY"}, "needs templateId"),
        ({"type": "REPLY", "templateId": 1, "internal": "yes"}, "internal must be true or false"),
        ({"type": "ADD_TAGS", "tags": []}, "non-empty"),
        ({"type": "ADD_TAGS", "tags": "vip"}, "non-empty list"),
        ({"type": "ADD_TAGS", "tags": [" "]}, "must not be empty"),
        ({"type": "REMOVE_TAGS", "tags": ["x" * 41]}, "at most 40"),
    ],
)
def test_invalid_actions_name_their_index(raw: dict[str, Any], words: str) -> None:
    valid = {"type": "SET_PRIORITY", "priority": "HIGH"}
    with pytest.raises(BadUserInput) as raised:
        parse_actions([valid, raw])
    assert raised.value.message.startswith("Action 2"), raised.value.message
    assert words in raised.value.message
    assert raised.value.field == "actions[1]"


def test_list_level_rules() -> None:
    with pytest.raises(BadUserInput, match="at least one"):
        parse_actions([])
    with pytest.raises(BadUserInput, match="at most 20"):
        parse_actions([{"type": "ADD_TAGS", "tags": ["a"]}] * 21)
    with pytest.raises(BadUserInput, match="Action 3 \\(REPLY\\): a macro writes at most one reply") as raised:
        parse_actions([{"type": "REPLY", "templateId": 1}, {"type": "ADD_TAGS", "tags": ["a"]},
                       {"type": "REPLY", "templateId": 2}])
    assert raised.value.field == "actions[2]"


# --- planning --------------------------------------------------------------------------


def state(**changes: Any) -> TicketState:
    base: dict[str, Any] = dict(status=S.OPEN, wait_reason=None, priority=Priority.MEDIUM, group_id=1,
                                assignee_id=10, tags=("old",), first_responded=False, has_category=True)
    return TicketState(**{**base, **changes})


DIRECTORY = Directory(
    group_members={1: frozenset({10, 11}), 2: frozenset({20})},
    agent_groups={10: frozenset({1}), 11: frozenset({1}), 20: frozenset({2})},
)


def kinds(result: Any) -> list[EventKind]:
    return [e.kind for e in result.events]


def test_the_waiting_on_customer_macro() -> None:
    actions = parse_actions([
        {"type": "SET_WAITING", "reason": "CUSTOMER"},
        {"type": "SET_PRIORITY", "priority": "HIGH"},
        {"type": "REPLY", "templateId": 7},
        {"type": "ADD_TAGS", "tags": ["asked", "old"]},
    ])
    result = plan(actions, state(), DIRECTORY, NOW)
    assert result.updates == {
        "status": S.WAITING, "wait_reason": W.CUSTOMER, "priority": Priority.HIGH,
        "priority_origin": PriorityOrigin.AGENT, "first_responded_at": NOW, "tags": ["asked", "old"],
    }
    assert kinds(result) == [EventKind.STATUS_CHANGED, EventKind.PRIORITY_CHANGED, EventKind.REPLIED,
                             EventKind.FIRST_RESPONSE]
    assert result.reply is not None and result.reply.template_id == 7 and not result.reply.internal
    # The reply sees the ticket as the steps before it left it.
    assert (result.reply.state.status, result.reply.state.priority) == (S.WAITING, Priority.HIGH)


def test_a_reply_on_a_new_ticket_opens_it_like_an_agent_reply() -> None:
    result = plan(parse_actions([{"type": "REPLY", "templateId": 1, "internal": True}]),
                  state(status=S.NEW), DIRECTORY, NOW)
    assert kinds(result) == [EventKind.NOTE_ADDED, EventKind.STATUS_CHANGED]
    assert result.updates == {"status": S.OPEN, "wait_reason": None}  # a note is no first response


def test_resolve_then_close_in_one_go() -> None:
    result = plan(parse_actions([{"type": "SET_STATUS", "status": "RESOLVED"},
                                 {"type": "SET_STATUS", "status": "CLOSED"}]), state(), DIRECTORY, NOW)
    assert result.updates["status"] is S.CLOSED
    assert result.updates["resolved_at"] == NOW and result.updates["closed_at"] == NOW
    assert result.updates["category_confirmed"] is True
    assert [e.after for e in result.events] == [
        {"status": "RESOLVED", "waitReason": None}, {"status": "CLOSED", "waitReason": None}]


def test_reopening_a_closed_ticket_then_changing_it() -> None:
    result = plan(parse_actions([{"type": "SET_STATUS", "status": "OPEN"},
                                 {"type": "SET_PRIORITY", "priority": "URGENT"}]),
                  state(status=S.CLOSED), DIRECTORY, NOW)
    assert result.updates["resolved_at"] is None and result.updates["closed_at"] is None
    assert result.state.priority is Priority.URGENT


def test_steps_that_change_nothing_log_nothing() -> None:
    actions = parse_actions([{"type": "SET_STATUS", "status": "OPEN"},
                             {"type": "SET_PRIORITY", "priority": "MEDIUM"},
                             {"type": "ASSIGN_GROUP", "groupId": 1},
                             {"type": "REMOVE_TAGS", "tags": ["absent"]}])
    result = plan(actions, state(), DIRECTORY, NOW)
    assert result.updates == {} and result.events == ()


def test_group_then_agent_of_that_group() -> None:
    result = plan(parse_actions([{"type": "ASSIGN_GROUP", "groupId": 2},
                                 {"type": "ASSIGN_AGENT", "agentId": 20}]), state(), DIRECTORY, NOW)
    # Moving to a group the assignee is not in leaves it unassigned, then the agent takes it.
    assert [e.after for e in result.events] == [{"groupId": 2, "assigneeId": None},
                                                {"groupId": 2, "assigneeId": 20}]
    assert result.updates == {"group_id": 2, "assignee_id": 20}


@pytest.mark.parametrize(
    ("start", "raw", "error", "words"),
    [
        (state(), [{"type": "ADD_TAGS", "tags": ["a"]}, {"type": "SET_STATUS", "status": "CLOSED"}],
         Conflict, "Action 2 (SET_STATUS): A ticket in status OPEN cannot become CLOSED"),
        (state(status=S.WAITING, wait_reason=W.CUSTOMER),
         [{"type": "SET_PRIORITY", "priority": "LOW"}, {"type": "SET_STATUS", "status": "CLOSED"}],
         Conflict, "Action 2 (SET_STATUS)"),
        (state(status=S.CLOSED), [{"type": "SET_PRIORITY", "priority": "LOW"}],
         Conflict, "Action 1 (SET_PRIORITY): The ticket is closed"),
        (state(), [{"type": "SET_STATUS", "status": "RESOLVED"}, {"type": "SET_STATUS", "status": "CLOSED"},
                   {"type": "REPLY", "templateId": 1}], Conflict, "Action 3 (REPLY): The ticket is closed"),
        (state(), [{"type": "ASSIGN_AGENT", "agentId": 20}],
         BadUserInput, "Action 1 (ASSIGN_AGENT): That agent is not a member of the ticket's group"),
        (state(), [{"type": "ASSIGN_AGENT", "agentId": 99}], BadUserInput, "No active agent"),
        (state(), [{"type": "ASSIGN_GROUP", "groupId": 99}], BadUserInput, "Action 1 (ASSIGN_GROUP): No group"),
    ],
)
def test_a_step_that_is_not_allowed_stops_the_plan(
    start: TicketState, raw: list[dict[str, Any]], error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as raised:  # type: ignore[call-overload]
        plan(parse_actions(raw), start, DIRECTORY, NOW)
    assert words in str(raised.value)
    assert getattr(raised.value, "field", "").startswith("actions[")
