"""Who may see and do what. Pure: the caller passes what it knows of the actor and ticket."""

from dataclasses import dataclass, field

from domain.enums import MANAGER_ROLES, STAFF_ROLES, EventKind, Role
from domain.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    group_ids: frozenset[int] = field(default_factory=frozenset)
    customer_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def sees_all_tickets(self) -> bool:
        return self.role in MANAGER_ROLES


def can_view_ticket(actor: Actor, *, group_id: int | None, assignee_id: int | None, customer_id: int) -> bool:
    if actor.sees_all_tickets:
        return True
    if actor.role is Role.AGENT:
        return assignee_id == actor.user_id or (group_id is not None and group_id in actor.group_ids)
    if actor.role is Role.CUSTOMER:
        return customer_id in actor.customer_ids
    return False  # REPORTER reads KPIs, not tickets


def require_staff(actor: Actor, action: str) -> None:
    if not actor.is_staff:
        raise Forbidden(f"Only agents may {action}.")


def require_manager(actor: Actor, action: str) -> None:
    if not actor.is_manager:
        raise Forbidden(f"Only admins and supervisors may {action}.")


def require_admin(actor: Actor, action: str) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(f"Only admins may {action}.")


def require_ticket_reader(actor: Actor) -> None:
    if actor.role is Role.REPORTER:
        raise Forbidden("Reporters read KPIs, not tickets.")


# What a customer may follow of their own ticket's log: the conversation and its status.
CUSTOMER_VISIBLE_EVENTS = frozenset({EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.REPLIED})


def can_see_event(actor: Actor, kind: EventKind) -> bool:
    return actor.is_staff or (actor.role is Role.CUSTOMER and kind in CUSTOMER_VISIBLE_EVENTS)
