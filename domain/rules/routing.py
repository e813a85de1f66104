"""Routing: which group a new ticket goes to, decided by ordered rules that are data.

Rules are tried by `(position, id)` and the first enabled rule whose conditions all hold wins;
later rules are not consulted, so a specific rule must be placed above a broad one. A rule
without any condition matches every ticket: it is the catch-all and belongs last. When no rule
matches, the ticket goes to the desk's default group (if it has one).

Conditions are sets: a ticket matches a condition when its value is in the set. Keywords match
when any one of them occurs in the ticket's text as whole words (the same matching as the
priority rules, so an admin learns one behaviour).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from domain.enums import CustomerTier, Priority, TicketSource
from domain.rules.priority_rules import keyword_pattern


@dataclass(frozen=True)
class RoutingTicket:
    category_id: int | None
    product_id: int | None
    customer_tier: CustomerTier
    organisation: str | None
    source: TicketSource
    priority: Priority
    text: str  # subject and description
    # The category's parent, when the category is a subcategory: a rule for the parent
    # holds for all of its subcategories.
    parent_category_id: int | None = None


@dataclass(frozen=True)
class RoutingRule:
    id: int
    name: str
    position: int
    enabled: bool = True
    # Conditions: an empty set is "not given"; every given one must hold.
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    customer_tiers: frozenset[CustomerTier] = frozenset()
    organisations: frozenset[str] = frozenset()  # compared case-insensitively
    sources: frozenset[TicketSource] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    keywords: tuple[str, ...] = ()  # any one, whole words or phrases, case-insensitive
    # Effects. A group id of 0 (or less) names no group: the ticket then goes to the default
    # group but still gets the rule's priority and tags.
    group_id: int = 0
    set_priority: Priority | None = None
    tags: tuple[str, ...] = ()

    @property
    def is_catch_all(self) -> bool:
        return not (
            self.category_ids
            or self.product_ids
            or self.customer_tiers
            or self.organisations
            or self.sources
            or self.priorities
            or self.keywords
        )


@dataclass(frozen=True)
class RouteDecision:
    group_id: int | None  # None: no rule matched and the desk has no default group
    rule_id: int | None
    rule_name: str | None
    reason: str  # one line for the dispatch log
    set_priority: Priority | None
    tags: tuple[str, ...]


def _normalise_organisation(name: str) -> str:
    # casefold, not lower: "Straße" and "STRASSE" are the same organisation to a person.
    return " ".join(name.split()).casefold()


def _matching_keyword(keywords: Sequence[str], text: str) -> str | None:
    for keyword in keywords:
        # A blank keyword would match at every word boundary and quietly turn the rule into a
        # catch-all; it is a mistake in the data, so it matches nothing.
        if keyword.strip() and keyword_pattern(keyword).search(text):
            return keyword
    return None


def matched_conditions(rule: RoutingRule, ticket: RoutingTicket) -> tuple[str, ...] | None:
    """None when the rule does not match the ticket; else the conditions that held, named for
    the log (an empty tuple for a catch-all). `enabled` is not a condition: `route` skips
    disabled rules, so an admin can still preview what a disabled rule would match."""
    held: list[str] = []
    if rule.category_ids:
        if ticket.category_id in rule.category_ids:
            held.append("category")
        elif ticket.parent_category_id is not None and ticket.parent_category_id in rule.category_ids:
            held.append("parent category")
        else:
            return None
    if rule.product_ids:
        if ticket.product_id not in rule.product_ids:
            return None
        held.append("product")
    if rule.customer_tiers:
        if ticket.customer_tier not in rule.customer_tiers:
            return None
        held.append(f"customer tier {ticket.customer_tier.value}")
    if rule.organisations:
        if ticket.organisation is None:
            return None
        wanted = {_normalise_organisation(name) for name in rule.organisations}
        if _normalise_organisation(ticket.organisation) not in wanted:
            return None
        held.append(f"organisation {ticket.organisation.strip()}")
    if rule.sources:
        if ticket.source not in rule.sources:
            return None
        held.append(f"source {ticket.source.value}")
    if rule.priorities:
        if ticket.priority not in rule.priorities:
            return None
        held.append(f"priority {ticket.priority.name}")
    if rule.keywords:
        keyword = _matching_keyword(rule.keywords, ticket.text)
        if keyword is None:
            return None
        held.append(f"keyword {keyword.strip()!r}")
    return tuple(held)


def _default(default_group_id: int | None, prefix: str) -> str:
    if default_group_id is None:
        return f"{prefix} and no default group"
    return f"{prefix}: default group"


def route(
    ticket: RoutingTicket, rules: Sequence[RoutingRule], default_group_id: int | None
) -> RouteDecision:
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if not rule.enabled:
            continue
        held = matched_conditions(rule, ticket)
        if held is None:
            continue
        what = ", ".join(held) if held else "catch-all"
        reason = f"rule {rule.name!r} (#{rule.id}): {what}"
        group_id: int | None = rule.group_id
        if rule.group_id <= 0:
            group_id = default_group_id
            reason = _default(default_group_id, f"{reason}; the rule names no group")
        return RouteDecision(
            group_id=group_id,
            rule_id=rule.id,
            rule_name=rule.name,
            reason=reason,
            set_priority=rule.set_priority,
            tags=rule.tags,
        )
    return RouteDecision(
        group_id=default_group_id,
        rule_id=None,
        rule_name=None,
        reason=_default(default_group_id, "no rule matched"),
        set_priority=None,
        tags=(),
    )
