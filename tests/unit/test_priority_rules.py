import pytest

from domain.enums import CustomerTier as T
from domain.enums import Priority as P
from domain.rules.priority_rules import DEFAULT_RULES, PriorityRuleSpec, matches, raised, suggest_priority

VIP = PriorityRuleSpec(name="vip", customer_tiers=frozenset({T.VIP}), raise_levels=1)
OUTAGE = PriorityRuleSpec(name="outage", keywords=("outage", "is down"), minimum=P.HIGH)
BOTH = PriorityRuleSpec(name="vip outage", customer_tiers=frozenset({T.VIP}), keywords=("outage",), minimum=P.URGENT)


@pytest.mark.parametrize(
    ("rule", "tier", "text", "expected"),
    [
        (VIP, T.VIP, "anything", True),
        (VIP, T.STANDARD, "anything", False),
        (OUTAGE, T.STANDARD, "Total OUTAGE since noon", True),
        (OUTAGE, T.STANDARD, "the site is\n down", True),
        (OUTAGE, T.STANDARD, "outages page typo", False),  # whole words only
        (OUTAGE, T.STANDARD, "the island is downtown", False),
        (BOTH, T.VIP, "outage", True),
        (BOTH, T.PREMIUM, "outage", False),
        (BOTH, T.VIP, "slow page", False),
        (PriorityRuleSpec(name="empty", raise_levels=2), T.VIP, "outage", False),
    ],
)
def test_matches(rule: PriorityRuleSpec, tier: T, text: str, expected: bool) -> None:
    assert matches(rule, tier=tier, text=text) is expected


@pytest.mark.parametrize(
    ("start", "rule", "expected"),
    [
        (P.LOW, VIP, P.MEDIUM),
        (P.URGENT, VIP, P.URGENT),  # nothing above urgent
        (P.LOW, OUTAGE, P.HIGH),
        (P.URGENT, OUTAGE, P.URGENT),  # a minimum never lowers
        (P.MEDIUM, PriorityRuleSpec(name="x", keywords=("a",), raise_levels=5), P.URGENT),
        (P.MEDIUM, PriorityRuleSpec(name="x", keywords=("a",), raise_levels=-3), P.MEDIUM),
    ],
)
def test_raised(start: P, rule: PriorityRuleSpec, expected: P) -> None:
    assert raised(start, rule) is expected


@pytest.mark.parametrize(
    ("learned", "tier", "text", "expected", "reasons"),
    [
        (None, T.STANDARD, "how do I export", P.MEDIUM, ()),
        (P.LOW, T.STANDARD, "how do I export", P.LOW, ("learned: LOW",)),
        (P.LOW, T.VIP, "how do I export", P.MEDIUM, ("learned: LOW", "vip")),
        (P.LOW, T.VIP, "outage in EU", P.HIGH, ("learned: LOW", "vip", "outage")),
        (P.MEDIUM, T.VIP, "outage in EU", P.HIGH, ("learned: MEDIUM", "vip")),  # the second rule changes nothing
        (P.HIGH, T.VIP, "outage", P.URGENT, ("learned: HIGH", "vip")),
    ],
)
def test_suggest_priority(learned: P | None, tier: T, text: str, expected: P, reasons: tuple[str, ...]) -> None:
    suggestion = suggest_priority(learned=learned, tier=tier, text=text, rules=[VIP, OUTAGE])
    assert suggestion.priority is expected
    assert suggestion.reasons == reasons


def test_default_rules_raise_vip_and_security_words() -> None:
    assert suggest_priority(learned=None, tier=T.VIP, text="question", rules=DEFAULT_RULES).priority is P.HIGH
    assert suggest_priority(learned=P.LOW, tier=T.STANDARD, text="Possible security breach", rules=DEFAULT_RULES).priority is P.HIGH
    assert suggest_priority(learned=P.LOW, tier=T.STANDARD, text="invoice copy", rules=DEFAULT_RULES).priority is P.LOW
