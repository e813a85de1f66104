"""Field-level access: contact details and working data of staff are for staff.

A customer reaches agents and groups through their own ticket (`assignee`, `group`), and
anyone signed in through `categories { defaultGroup }`; a reporter through the KPI and
dashboard rows. Names stay visible; emails, capacity, skills, availability and membership
lists do not.
"""

from typing import Any

from strawberry.permission import BasePermission

from domain.errors import Forbidden
from resolvers.context import Info

STAFF_DETAILS = "Contact details and working data of staff are visible to staff only."


class StaffOnly(BasePermission):
    message = STAFF_DETAILS

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        actor = info.context.actor
        if actor is None or not actor.is_staff:
            # Raised, not returned: the error then carries FORBIDDEN like every other refusal.
            raise Forbidden(STAFF_DETAILS)
        return True
