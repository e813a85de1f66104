"""Which SLA policy applies to a ticket. Pure: the caller passes the policy rows and the ticket.

Policies are ordered rows. The first row by `position` (then by id) whose priority is the
ticket's and whose conditions all match wins, so more specific rules are configured as earlier
rows (e.g. "HIGH and VIP" at position 10 before "HIGH" at position 100). A condition that is not
set matches every ticket; a set condition lists the accepted values, and a ticket without the
attribute (no category, no product) does not match it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.enums import CustomerTier, Priority, TicketSource
from domain.errors import BadUserInput

# JSON keys of the `conditions` column, in the order they are checked.
CONDITION_KEYS = ("customerTier", "categoryId", "productId", "source", "groupId")


@dataclass(frozen=True)
class TicketFacts:
    """What the policy conditions can look at (the priority is passed separately)."""

    customer_tier: CustomerTier | None = None
    category_id: int | None = None
    product_id: int | None = None
    source: TicketSource | None = None
    group_id: int | None = None
    # A subcategory's parent: a policy for the parent holds for its subcategories.
    parent_category_id: int | None = None


@dataclass(frozen=True)
class PolicyConditions:
    """Each field is None (any value) or the set of accepted values."""

    customer_tiers: frozenset[CustomerTier] | None = None
    category_ids: frozenset[int] | None = None
    product_ids: frozenset[int] | None = None
    sources: frozenset[TicketSource] | None = None
    group_ids: frozenset[int] | None = None

    def matches(self, facts: TicketFacts) -> bool:
        checks: tuple[tuple[frozenset[Any] | None, Any], ...] = (
            (self.customer_tiers, facts.customer_tier),
            (self.product_ids, facts.product_id),
            (self.sources, facts.source),
            (self.group_ids, facts.group_id),
        )
        category_holds = self.category_ids is None or bool(
            ({facts.category_id, facts.parent_category_id} - {None}) & self.category_ids
        )
        return category_holds and all(accepted is None or value in accepted for accepted, value in checks)

    @property
    def count(self) -> int:
        """How many conditions are set (0: the policy applies to every ticket of its priority)."""
        return sum(
            values is not None
            for values in (
                self.customer_tiers, self.category_ids, self.product_ids, self.sources,
                self.group_ids,
            )
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "PolicyConditions":
        """`{"customerTier": ["VIP"], "categoryId": [3, 4], "productId": 7, "source": "EMAIL"}`.

        Each value is one value or a list of them; an absent key or null means any value.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise BadUserInput("conditions must be an object.", field="conditions")
        unknown = sorted(set(data) - set(CONDITION_KEYS))
        if unknown:
            raise BadUserInput(
                f"Unknown policy condition {unknown[0]!r}; use {', '.join(CONDITION_KEYS)}.",
                field="conditions",
            )
        return cls(
            customer_tiers=_values(data.get("customerTier"), "customerTier", _tier),
            category_ids=_values(data.get("categoryId"), "categoryId", _positive_id),
            product_ids=_values(data.get("productId"), "productId", _positive_id),
            sources=_values(data.get("source"), "source", _source),
            group_ids=_values(data.get("groupId"), "groupId", _positive_id),
        )

    def to_json(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        if self.customer_tiers is not None:
            out["customerTier"] = sorted(tier.value for tier in self.customer_tiers)
        if self.category_ids is not None:
            out["categoryId"] = sorted(self.category_ids)
        if self.product_ids is not None:
            out["productId"] = sorted(self.product_ids)
        if self.sources is not None:
            out["source"] = sorted(source.value for source in self.sources)
        if self.group_ids is not None:
            out["groupId"] = sorted(self.group_ids)
        return out


def _values(raw: Any, key: str, parse: Any) -> frozenset[Any] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list | tuple) else [raw]
    if not items:
        raise BadUserInput(f"Condition {key} lists no values; leave it out to match any.",
                           field="conditions")
    return frozenset(parse(item, key) for item in items)


def _tier(value: Any, key: str) -> CustomerTier:
    try:
        return CustomerTier(value)
    except ValueError:
        raise BadUserInput(
            f"{value!r} is not a customer tier for {key}.", field="conditions"
        ) from None


def _source(value: Any, key: str) -> TicketSource:
    try:
        return TicketSource(value)
    except ValueError:
        raise BadUserInput(
            f"{value!r} is not a ticket source for {key}.", field="conditions"
        ) from None


def _positive_id(value: Any, key: str) -> int:
    try:
        parsed = int(str(value).strip())
    except ValueError:
        parsed = 0
    if isinstance(value, bool) or parsed <= 0:
        raise BadUserInput(f"{value!r} is not a valid id for {key}.", field="conditions")
    return parsed


@dataclass(frozen=True)
class PolicyRow:
    """One configured policy, as far as choosing it goes."""

    policy_id: int
    priority: Priority
    position: int = 0
    conditions: PolicyConditions = PolicyConditions()


def choose_policy(
    policies: Iterable[PolicyRow], *, priority: Priority, facts: TicketFacts
) -> PolicyRow | None:
    """The first policy by (position, id) for `priority` whose conditions all match."""
    candidates = sorted(
        (row for row in policies if row.priority == priority),
        key=lambda row: (row.position, row.policy_id),
    )
    for row in candidates:
        if row.conditions.matches(facts):
            return row
    return None


def choose_policies_by_priority(
    policies: Iterable[PolicyRow], *, facts: TicketFacts
) -> dict[Priority, PolicyRow]:
    """The policy each priority would get for this ticket: what a priority change re-applies.

    Priorities without a matching policy are left out.
    """
    rows = list(policies)
    chosen: dict[Priority, PolicyRow] = {}
    for priority in Priority:
        row = choose_policy(rows, priority=priority, facts=facts)
        if row is not None:
            chosen[priority] = row
    return chosen
