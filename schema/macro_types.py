"""Reply templates and macros: types and inputs."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import strawberry

from domain import enums, models
from domain.rules import macros as rules
from domain.rules.templates import VARIABLES
from schema.enums import Priority, TicketStatus, WaitReason

if TYPE_CHECKING:
    from domain.rules.macros import ActionType as MacroActionType
else:
    MacroActionType = strawberry.enum(
        rules.ActionType,
        name="MacroActionType",
        description="SET_STATUS (OPEN, RESOLVED, CLOSED), SET_WAITING (reason), SET_PRIORITY, "
        "ASSIGN_GROUP, ASSIGN_AGENT, REPLY (a template, optionally internal), ADD_TAGS, REMOVE_TAGS",
    )


@strawberry.type(
    description="A canned reply. Variables: " + ", ".join("{{" + v + "}}" for v in VARIABLES) + "."
)
class ReplyTemplate:
    id: strawberry.ID
    name: str
    body: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: models.ReplyTemplate) -> "ReplyTemplate":
        return cls(
            id=strawberry.ID(str(row.id)), name=row.name, body=row.body,
            created_at=row.created_at.astimezone(UTC), updated_at=row.updated_at.astimezone(UTC),
        )


@strawberry.input
class ReplyTemplateInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new template.")
    name: str
    body: str = strawberry.field(description="Text with {{variables}}; unknown ones are refused.")


@strawberry.type(description="One step of a macro; only the fields of its type are set.")
class MacroAction:
    type: MacroActionType
    status: TicketStatus | None = None
    reason: WaitReason | None = None
    priority: Priority | None = None
    group_id: strawberry.ID | None = None
    agent_id: strawberry.ID | None = None
    template_id: strawberry.ID | None = None
    internal: bool | None = None
    tags: list[str] | None = None

    @classmethod
    def from_rule(cls, action: rules.Action) -> "MacroAction":
        def ident(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        reply = action.type is rules.ActionType.REPLY
        tagging = action.type in (rules.ActionType.ADD_TAGS, rules.ActionType.REMOVE_TAGS)
        return cls(
            type=action.type,
            status=action.status,
            reason=action.reason,
            priority=enums.Priority(action.priority) if action.priority is not None else None,
            group_id=ident(action.group_id),
            agent_id=ident(action.agent_id),
            template_id=ident(action.template_id),
            internal=action.internal if reply else None,
            tags=list(action.tags) if tagging else None,
        )


@strawberry.type(description="Named steps applied to a ticket in one change (applyMacro).")
class Macro:
    id: strawberry.ID
    name: str
    description: str
    actions: list[MacroAction]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: models.Macro) -> "Macro":
        return cls(
            id=strawberry.ID(str(row.id)), name=row.name, description=row.description,
            actions=[MacroAction.from_rule(a) for a in rules.parse_actions(row.actions or [])],
            created_at=row.created_at.astimezone(UTC), updated_at=row.updated_at.astimezone(UTC),
        )


@strawberry.input(description="One step: `type` and the fields that type takes.")
class MacroActionInput:
    type: MacroActionType
    status: TicketStatus | None = None
    reason: WaitReason | None = None
    priority: Priority | None = None
    group_id: strawberry.ID | None = None
    agent_id: strawberry.ID | None = None
    template_id: strawberry.ID | None = None
    internal: bool | None = None
    tags: list[str] | None = None

    def to_raw(self) -> dict[str, Any]:
        """The stored shape, checked by the same parser as stored macros."""
        return {
            "type": rules.ActionType(self.type).value,
            "status": self.status.value if self.status is not None else None,
            "reason": self.reason.value if self.reason is not None else None,
            "priority": enums.Priority(self.priority).name if self.priority is not None else None,
            "groupId": self.group_id,
            "agentId": self.agent_id,
            "templateId": self.template_id,
            "internal": self.internal,
            "tags": self.tags,
        }


@strawberry.input
class MacroInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omitted: a new macro.")
    name: str
    description: str = ""
    actions: list[MacroActionInput]
