"""The domain's enums, exposed under the names of API.md."""

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from domain import enums

if TYPE_CHECKING:
    from domain.enums import (
        AssignmentStrategy,
        AuthorKind,
        Availability,
        CustomerTier,
        Priority,
        Role,
        TicketSource,
        TicketStatus,
        WaitReason,
    )
    from domain.enums import EventKind as TicketEventKind
else:
    Role = strawberry.enum(enums.Role)
    Priority = strawberry.enum(enums.Priority)
    TicketStatus = strawberry.enum(enums.TicketStatus)
    WaitReason = strawberry.enum(
        enums.WaitReason,
        description="CUSTOMER: waiting on customer; THIRD_PARTY: waiting on third party; "
        "REVIEW: needs review",
    )
    TicketSource = strawberry.enum(enums.TicketSource)
    CustomerTier = strawberry.enum(enums.CustomerTier)
    AuthorKind = strawberry.enum(enums.AuthorKind)
    TicketEventKind = strawberry.enum(enums.EventKind, name="TicketEventKind")
    Availability = strawberry.enum(enums.Availability)
    AssignmentStrategy = strawberry.enum(enums.AssignmentStrategy)

__all__ = [
    "AssignmentStrategy", "AuthorKind", "Availability", "CustomerTier", "Priority", "Role",
    "TicketEventKind", "TicketOrder",
    "TicketSource", "TicketStatus", "WaitReason",
]


@strawberry.enum
class TicketOrder(Enum):
    CREATED_AT_DESC = "CREATED_AT_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"
    PRIORITY = "PRIORITY"  # URGENT first, then the oldest
