"""Macros: a named list of actions applied to a ticket as one change. Pure.

`parse_actions` checks an action list (from the API or from storage) and `plan` works out
what the whole list does to a ticket, step after step on the state the previous steps left,
so the service writes it in one transaction with one version bump. A step that is not
allowed stops the plan with an error naming the step: nothing is written."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from domain.enums import EventKind, Priority, PriorityOrigin, TicketStatus, WaitReason
from domain.errors import BadUserInput, Conflict, DomainError
from domain.rules import transitions

S = TicketStatus

MAX_ACTIONS = 20
MAX_TAGS = 20
TAG_MAX = 40


class ActionType(str, Enum):
    SET_STATUS = "SET_STATUS"
    SET_WAITING = "SET_WAITING"
    SET_PRIORITY = "SET_PRIORITY"
    ASSIGN_GROUP = "ASSIGN_GROUP"
    ASSIGN_AGENT = "ASSIGN_AGENT"
    REPLY = "REPLY"
    ADD_TAGS = "ADD_TAGS"
    REMOVE_TAGS = "REMOVE_TAGS"


# The fields each type takes (on the wire, camelCase); `type` is always there.
FIELDS: dict[ActionType, frozenset[str]] = {
    ActionType.SET_STATUS: frozenset({"status"}),
    ActionType.SET_WAITING: frozenset({"reason"}),
    ActionType.SET_PRIORITY: frozenset({"priority"}),
    ActionType.ASSIGN_GROUP: frozenset({"groupId"}),
    ActionType.ASSIGN_AGENT: frozenset({"agentId"}),
    ActionType.REPLY: frozenset({"templateId", "internal"}),
    ActionType.ADD_TAGS: frozenset({"tags"}),
    ActionType.REMOVE_TAGS: frozenset({"tags"}),
}
REQUIRED: dict[ActionType, frozenset[str]] = {
    **FIELDS,
    ActionType.REPLY: frozenset({"templateId"}),
}
# WAITING needs a reason (SET_WAITING); NEW is where tickets start, not where they go.
STATUS_TARGETS = (S.OPEN, S.RESOLVED, S.CLOSED)


@dataclass(frozen=True)
class Action:
    type: ActionType
    status: TicketStatus | None = None
    reason: WaitReason | None = None
    priority: Priority | None = None
    group_id: int | None = None
    agent_id: int | None = None
    template_id: int | None = None
    internal: bool = False
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "status": self.status.value if self.status else None,
            "reason": self.reason.value if self.reason else None,
            "priority": self.priority.name if self.priority else None,
            "groupId": self.group_id,
            "agentId": self.agent_id,
            "templateId": self.template_id,
            "internal": self.internal,
            "tags": list(self.tags),
        }
        return {"type": self.type.value, **{k: values[k] for k in sorted(FIELDS[self.type])}}


def label(index: int, kind: ActionType | str | None) -> str:
    name = kind.value if isinstance(kind, ActionType) else kind
    return f"Action {index + 1}" + (f" ({name})" if name else "")


def _field(index: int) -> str:
    return f"actions[{index}]"


def parse_actions(raw: Sequence[Mapping[str, Any]]) -> tuple[Action, ...]:
    if not raw:
        raise BadUserInput("A macro needs at least one action.", field="actions")
    if len(raw) > MAX_ACTIONS:
        raise BadUserInput(f"A macro has at most {MAX_ACTIONS} actions.", field="actions")
    actions = tuple(_parse_one(i, item) for i, item in enumerate(raw))
    replies = [i for i, a in enumerate(actions) if a.type is ActionType.REPLY]
    if len(replies) > 1:
        raise BadUserInput(
            f"{label(replies[1], ActionType.REPLY)}: a macro writes at most one reply.",
            field=_field(replies[1]),
        )
    return actions


def _parse_one(index: int, item: Mapping[str, Any]) -> Action:
    def bad(message: str) -> BadUserInput:
        return BadUserInput(f"{label(index, item.get('type'))}: {message}", field=_field(index))

    if not isinstance(item, Mapping):
        raise bad("an action is an object with a type.")
    try:
        kind = ActionType(item.get("type"))
    except ValueError:
        raise bad(f"type must be one of {', '.join(t.value for t in ActionType)}.") from None
    given = {k for k, v in item.items() if k != "type" and v is not None}
    extra = given - FIELDS[kind]
    if extra:
        raise bad(f"does not take {', '.join(sorted(extra))}.")
    missing = REQUIRED[kind] - given
    if missing:
        raise bad(f"needs {', '.join(sorted(missing))}.")
    try:
        return _build(kind, item)
    except (ValueError, KeyError, TypeError) as error:
        raise bad(str(error) or "a value is not valid.") from None


def _build(kind: ActionType, item: Mapping[str, Any]) -> Action:
    if kind is ActionType.SET_STATUS:
        status = TicketStatus(item["status"])
        if status not in STATUS_TARGETS:
            raise ValueError(
                f"status must be one of {', '.join(s.value for s in STATUS_TARGETS)} "
                "(SET_WAITING sets WAITING with its reason)."
            )
        return Action(kind, status=status)
    if kind is ActionType.SET_WAITING:
        return Action(kind, reason=WaitReason(item["reason"]))
    if kind is ActionType.SET_PRIORITY:
        value = item["priority"]
        if not isinstance(value, str) or value not in Priority.__members__:
            raise ValueError(f"priority must be one of {', '.join(Priority.__members__)}.")
        return Action(kind, priority=Priority[value])
    if kind is ActionType.ASSIGN_GROUP:
        return Action(kind, group_id=_id(item["groupId"], "groupId"))
    if kind is ActionType.ASSIGN_AGENT:
        return Action(kind, agent_id=_id(item["agentId"], "agentId"))
    if kind is ActionType.REPLY:
        internal = item.get("internal")
        if internal is not None and not isinstance(internal, bool):
            raise ValueError("internal must be true or false.")
        return Action(kind, template_id=_id(item["templateId"], "templateId"), internal=bool(internal))
    return Action(kind, tags=_tags(item["tags"]))


def _id(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} is not a valid id.")
    try:
        parsed = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} is not a valid id.") from None
    if parsed <= 0 or parsed >= 2**63:
        raise ValueError(f"{name} is not a valid id.")
    return parsed


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("tags must be a non-empty list.")
    if len(value) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags.")
    cleaned: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not tag.strip():
            raise ValueError("a tag must not be empty.")
        if len(tag.strip()) > TAG_MAX:
            raise ValueError(f"a tag is at most {TAG_MAX} characters.")
        cleaned.append(tag.strip().lower())
    return tuple(dict.fromkeys(cleaned))


# --- planning ------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketState:
    status: TicketStatus
    wait_reason: WaitReason | None
    priority: Priority
    group_id: int | None
    assignee_id: int | None
    tags: tuple[str, ...]
    first_responded: bool
    has_category: bool


@dataclass(frozen=True)
class Directory:
    """What the steps refer to, as it is now: groups that exist (with their members) and
    active staff (with their groups). Anything missing here was deleted or deactivated."""

    group_members: Mapping[int, frozenset[int]] = field(default_factory=dict)
    agent_groups: Mapping[int, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedEvent:
    kind: EventKind
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None


@dataclass(frozen=True)
class PlannedReply:
    template_id: int
    internal: bool
    # The ticket as the reply sees it (for the template's ticket.status, group.name, ...).
    state: TicketState


@dataclass(frozen=True)
class Plan:
    updates: dict[str, Any]
    events: tuple[PlannedEvent, ...]
    reply: PlannedReply | None
    state: TicketState


@dataclass
class _Work:
    state: TicketState
    updates: dict[str, Any] = field(default_factory=dict)
    events: list[PlannedEvent] = field(default_factory=list)
    reply: PlannedReply | None = None

    def set(self, state: TicketState, updates: dict[str, Any], *events: PlannedEvent) -> None:
        self.state = state
        self.updates.update(updates)
        self.events.extend(events)


def plan(actions: Sequence[Action], state: TicketState, directory: Directory, now: datetime) -> Plan:
    work = _Work(state)
    for index, action in enumerate(actions):
        try:
            _step(work, action, directory, now)
        except DomainError as error:
            raise type(error)(f"{label(index, action.type)}: {error.message}", field=_field(index)) from None
    if work.state.tags != state.tags:
        work.updates["tags"] = list(work.state.tags)
    return Plan(dict(work.updates), tuple(work.events), work.reply, work.state)


def _not_closed(state: TicketState) -> None:
    if not transitions.is_editable(state.status):
        raise Conflict("The ticket is closed; reopen it first.")


def _move(
    work: _Work, target: TicketStatus, reason: WaitReason | None, now: datetime, note: str | None = None
) -> None:
    state = work.state
    change = transitions.transition(
        state.status, target, wait_reason=reason, previous_wait_reason=state.wait_reason
    )
    updates: dict[str, Any] = {"status": change.status, "wait_reason": change.wait_reason}
    if target is S.RESOLVED:
        updates["resolved_at"] = now
    if target is S.CLOSED:
        updates["closed_at"] = now
    if target in (S.RESOLVED, S.CLOSED) and state.has_category:
        updates["category_confirmed"] = True  # as a person resolving by hand stands by it
    if target is S.OPEN and state.status in (S.RESOLVED, S.CLOSED):
        updates.update(resolved_at=None, closed_at=None)
    event = PlannedEvent(
        EventKind.STATUS_CHANGED,
        before={"status": state.status.value, "waitReason": _name(state.wait_reason)},
        after={"status": change.status.value, "waitReason": _name(change.wait_reason)},
        note=note,
    )
    work.set(replace(state, status=change.status, wait_reason=change.wait_reason), updates, event)


def _name(value: WaitReason | None) -> str | None:
    return value.value if value is not None else None


def _step(work: _Work, action: Action, directory: Directory, now: datetime) -> None:
    state = work.state
    kind = action.type
    if kind is ActionType.SET_STATUS:
        assert action.status is not None
        if state.status is not action.status:  # already there: nothing to do
            _move(work, action.status, None, now, "macro")
        return
    if kind is ActionType.SET_WAITING:
        if state.status is not S.WAITING or state.wait_reason is not action.reason:
            _move(work, S.WAITING, action.reason, now, "macro")
        return
    _not_closed(state)
    if kind is ActionType.SET_PRIORITY:
        assert action.priority is not None
        if state.priority is not action.priority:
            work.set(
                replace(state, priority=action.priority),
                {"priority": action.priority, "priority_origin": PriorityOrigin.AGENT},
                PlannedEvent(
                    EventKind.PRIORITY_CHANGED,
                    before={"priority": state.priority.name},
                    after={"priority": action.priority.name},
                ),
            )
    elif kind is ActionType.ASSIGN_GROUP:
        assert action.group_id is not None
        members = directory.group_members.get(action.group_id)
        if members is None:
            raise BadUserInput("No group with that id.", field="groupId")
        assignee = state.assignee_id if state.assignee_id in members else None
        _assign(work, action.group_id, assignee)
    elif kind is ActionType.ASSIGN_AGENT:
        assert action.agent_id is not None
        groups = directory.agent_groups.get(action.agent_id)
        if groups is None:
            raise BadUserInput("No active agent with that id.", field="agentId")
        if state.group_id is not None and state.group_id not in groups:
            raise BadUserInput("That agent is not a member of the ticket's group.", field="agentId")
        _assign(work, state.group_id, action.agent_id)
    elif kind is ActionType.REPLY:
        assert action.template_id is not None
        _reply(work, action, now)
    elif kind is ActionType.ADD_TAGS:
        work.state = replace(state, tags=tuple(sorted(set(state.tags) | set(action.tags))))
    elif kind is ActionType.REMOVE_TAGS:
        work.state = replace(state, tags=tuple(sorted(set(state.tags) - set(action.tags))))


def _assign(work: _Work, group_id: int | None, assignee_id: int | None) -> None:
    state = work.state
    before = {"groupId": state.group_id, "assigneeId": state.assignee_id}
    after = {"groupId": group_id, "assigneeId": assignee_id}
    if before != after:
        work.set(
            replace(state, group_id=group_id, assignee_id=assignee_id),
            {"group_id": group_id, "assignee_id": assignee_id},
            PlannedEvent(EventKind.ASSIGNED, before=before, after=after, note="macro"),
        )


def _reply(work: _Work, action: Action, now: datetime) -> None:
    """As an agent's reply: a public one meets first response, any one starts a NEW ticket."""
    assert action.template_id is not None
    work.reply = PlannedReply(action.template_id, action.internal, work.state)
    work.events.append(PlannedEvent(EventKind.NOTE_ADDED if action.internal else EventKind.REPLIED))
    if not action.internal and not work.state.first_responded:
        work.set(
            replace(work.state, first_responded=True),
            {"first_responded_at": now},
            PlannedEvent(EventKind.FIRST_RESPONSE, after={"at": now.isoformat()}),
        )
    if work.state.status is S.NEW:
        _move(work, S.OPEN, None, now, "agent replied")
