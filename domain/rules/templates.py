"""Reply templates: `{{ customer.name }}` placeholders from a fixed table, nothing else.

Pure. A placeholder is looked up by its whole name in the table of values, so a template can
neither run code nor reach past the names listed here. Templates are checked when saved;
rendering fills a missing value with nothing."""

import re
from collections.abc import Mapping

from domain.errors import BadUserInput

VARIABLES: tuple[str, ...] = (
    "customer.name",
    "customer.email",
    "ticket.key",
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "agent.name",
    "group.name",
    "product.name",
)

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def variables_in(body: str, *, field: str = "body") -> tuple[str, ...]:
    """The variables a template uses, in order; raises on an unknown or malformed one."""
    names: list[str] = []
    for match in _PLACEHOLDER.finditer(body):
        name = match.group(1).strip()
        if name not in VARIABLES:
            raise BadUserInput(
                f"Unknown template variable {{{{{name}}}}}; the variables are "
                f"{', '.join(VARIABLES)}.",
                field=field,
            )
        names.append(name)
    leftover = _PLACEHOLDER.sub("", body)
    if "{{" in leftover or "}}" in leftover:
        raise BadUserInput("A template placeholder is not closed: write {{ name }}.", field=field)
    return tuple(names)


def render(body: str, values: Mapping[str, str | None]) -> str:
    """Fills in each placeholder in one pass: a value that itself looks like a placeholder
    stays as it is."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in VARIABLES:
            return ""
        return values.get(name) or ""

    return _PLACEHOLDER.sub(fill, body)


def values(
    *,
    customer_name: str | None = None,
    customer_email: str | None = None,
    ticket_key: str | None = None,
    ticket_subject: str | None = None,
    ticket_status: str | None = None,
    ticket_priority: str | None = None,
    agent_name: str | None = None,
    group_name: str | None = None,
    product_name: str | None = None,
) -> dict[str, str | None]:
    """The table a template is rendered with."""
    return {
        "customer.name": customer_name,
        "customer.email": customer_email,
        "ticket.key": ticket_key,
        "ticket.subject": ticket_subject,
        "ticket.status": ticket_status,
        "ticket.priority": ticket_priority,
        "agent.name": agent_name,
        "group.name": group_name,
        "product.name": product_name,
    }
