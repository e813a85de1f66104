"""Priority suggestion: the priority learned from examples, raised by rules that are data.

A rule holds when every condition it gives holds (customer tier among its tiers, one of its
keywords in the ticket's text); it then raises the priority by some levels and/or to at
least a minimum. Rules only ever raise: they encode "this must not wait", never "this can".
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.enums import CustomerTier, Priority

BASELINE = Priority.MEDIUM


@dataclass(frozen=True)
class PriorityRuleSpec:
    name: str
    customer_tiers: frozenset[CustomerTier] = frozenset()
    keywords: tuple[str, ...] = ()
    raise_levels: int = 0
    minimum: Priority | None = None

    @property
    def has_condition(self) -> bool:
        return bool(self.customer_tiers or self.keywords)

    @property
    def has_effect(self) -> bool:
        return self.raise_levels > 0 or self.minimum is not None


@dataclass(frozen=True)
class PrioritySuggestion:
    priority: Priority
    # Why, in order: "learned: HIGH", then the name of every rule that changed it.
    reasons: tuple[str, ...]


# What a new desk starts with; editable through GraphQL like any other rule.
DEFAULT_RULES: tuple[PriorityRuleSpec, ...] = (
    PriorityRuleSpec(name="VIP customers", customer_tiers=frozenset({CustomerTier.VIP}), raise_levels=1),
    PriorityRuleSpec(
        name="Outage or security words",
        keywords=(
            "outage", "is down", "are down", "went down", "security", "breach", "vulnerability",
            "hacked", "data loss", "phishing", "fraud",
        ),
        minimum=Priority.HIGH,
    ),
)


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Whole words, case-insensitive, any whitespace between a phrase's words."""
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def matches(rule: PriorityRuleSpec, *, tier: CustomerTier, text: str) -> bool:
    if not rule.has_condition:
        return False  # a rule without a condition would raise every ticket: refused, never applied
    if rule.customer_tiers and tier not in rule.customer_tiers:
        return False
    return not rule.keywords or any(keyword_pattern(k).search(text) for k in rule.keywords)


def raised(priority: Priority, rule: PriorityRuleSpec) -> Priority:
    # Priority ranks run URGENT=1 … LOW=4, so raising is lowering the rank.
    rank = max(Priority.URGENT.value, priority.value - max(rule.raise_levels, 0))
    if rule.minimum is not None:
        rank = min(rank, rule.minimum.value)
    return Priority(rank)


def suggest_priority(
    *, learned: Priority | None, tier: CustomerTier, text: str, rules: Sequence[PriorityRuleSpec]
) -> PrioritySuggestion:
    priority = learned or BASELINE
    reasons = [f"learned: {learned.name}"] if learned is not None else []
    for rule in rules:
        if matches(rule, tier=tier, text=text):
            after = raised(priority, rule)
            if after is not priority:
                reasons.append(rule.name)
                priority = after
    return PrioritySuggestion(priority=priority, reasons=tuple(reasons))
