import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enums import CustomerTier as T
from domain.enums import Priority as P
from domain.enums import TicketSource as S
from domain.rules.routing import RoutingRule, RoutingTicket, matched_conditions, route

TICKET = RoutingTicket(
    category_id=10,
    product_id=20,
    customer_tier=T.VIP,
    organisation="Acme GmbH",
    source=S.EMAIL,
    priority=P.HIGH,
    text="Refund request: the invoice was charged twice",
)


def rule(rule_id: int = 1, position: int = 1, **kwargs: Any) -> RoutingRule:
    return RoutingRule(id=rule_id, name=f"r{rule_id}", position=position, group_id=100 + rule_id, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "ticket", "expected"),
    [
        ({}, TICKET, ()),  # no condition: catch-all
        ({"category_ids": frozenset({10, 11})}, TICKET, ("category",)),
        ({"category_ids": frozenset({11})}, TICKET, None),
        ({"category_ids": frozenset({11})}, replace(TICKET, category_id=None), None),
        # a rule for a parent category holds for its subcategories, and says so
        ({"category_ids": frozenset({3})}, replace(TICKET, parent_category_id=3), ("parent category",)),
        ({"category_ids": frozenset({10, 3})}, replace(TICKET, parent_category_id=3), ("category",)),
        ({"category_ids": frozenset({4})}, replace(TICKET, parent_category_id=3), None),
        # a rule for a subcategory does not take its parent's tickets
        ({"category_ids": frozenset({10})}, replace(TICKET, category_id=3), None),
        ({"product_ids": frozenset({20})}, TICKET, ("product",)),
        ({"product_ids": frozenset({20})}, replace(TICKET, product_id=None), None),
        ({"customer_tiers": frozenset({T.VIP, T.PREMIUM})}, TICKET, ("customer tier VIP",)),
        ({"customer_tiers": frozenset({T.PREMIUM})}, TICKET, None),
        ({"organisations": frozenset({"ACME gmbh"})}, TICKET, ("organisation Acme GmbH",)),
        ({"organisations": frozenset({" acme  GmbH "})}, TICKET, ("organisation Acme GmbH",)),
        ({"organisations": frozenset({"Acme"})}, TICKET, None),  # whole name, not a prefix
        ({"organisations": frozenset({"Acme GmbH"})}, replace(TICKET, organisation=None), None),
        ({"sources": frozenset({S.EMAIL, S.FORM})}, TICKET, ("source EMAIL",)),
        ({"sources": frozenset({S.CHAT})}, TICKET, None),
        ({"priorities": frozenset({P.HIGH, P.URGENT})}, TICKET, ("priority HIGH",)),
        ({"priorities": frozenset({P.LOW})}, TICKET, None),
        ({"keywords": ("chargeback", "REFUND")}, TICKET, ("keyword 'REFUND'",)),
        ({"keywords": ("charged twice",)}, replace(TICKET, text="CHARGED\n  twice!"), ("keyword 'charged twice'",)),
        ({"keywords": ("refund",)}, replace(TICKET, text="refunds page typo"), None),  # whole words
        ({"keywords": ("",)}, TICKET, None),  # a blank keyword is no catch-all
        ({"keywords": ("  ", "invoice")}, TICKET, ("keyword 'invoice'",)),
        (
            {"category_ids": frozenset({10}), "customer_tiers": frozenset({T.VIP}), "keywords": ("invoice",)},
            TICKET,
            ("category", "customer tier VIP", "keyword 'invoice'"),
        ),
        ({"category_ids": frozenset({10}), "customer_tiers": frozenset({T.STANDARD})}, TICKET, None),  # all must hold
        ({"enabled": False, "category_ids": frozenset({10})}, TICKET, ("category",)),  # enabled is no condition
    ],
)
def test_matched_conditions(kwargs: dict[str, Any], ticket: RoutingTicket, expected: tuple[str, ...] | None) -> None:
    assert matched_conditions(rule(**kwargs), ticket) == expected


VIP_BILLING = RoutingRule(
    id=3, name="VIP billing", position=1, category_ids=frozenset({10}), customer_tiers=frozenset({T.VIP}),
    group_id=7, set_priority=P.URGENT, tags=("vip", "billing"),
)
BILLING = RoutingRule(id=4, name="Billing", position=2, category_ids=frozenset({10}), group_id=8)
CHAT = RoutingRule(id=5, name="Chat", position=3, sources=frozenset({S.CHAT}), group_id=9)
CATCH_ALL = RoutingRule(id=9, name="Everything else", position=99, group_id=1)


@pytest.mark.parametrize(
    ("rules", "ticket", "default", "group", "rule_id", "reason"),
    [
        ([VIP_BILLING, BILLING, CATCH_ALL], TICKET, 2, 7, 3, "rule 'VIP billing' (#3): category, customer tier VIP"),
        ([CATCH_ALL, BILLING, VIP_BILLING], TICKET, 2, 7, 3, "rule 'VIP billing' (#3): category, customer tier VIP"),
        ([VIP_BILLING, BILLING], replace(TICKET, customer_tier=T.STANDARD), 2, 8, 4, "rule 'Billing' (#4): category"),
        ([VIP_BILLING, BILLING, CHAT, CATCH_ALL], replace(TICKET, category_id=3), 2, 1, 9, "rule 'Everything else' (#9): catch-all"),
        ([VIP_BILLING, BILLING, CHAT], replace(TICKET, category_id=3), 2, 2, None, "no rule matched: default group"),
        ([VIP_BILLING, BILLING, CHAT], replace(TICKET, category_id=3), None, None, None, "no rule matched and no default group"),
        ([], TICKET, 2, 2, None, "no rule matched: default group"),
        # Disabled rules are skipped, not consulted.
        ([replace(VIP_BILLING, enabled=False), BILLING], TICKET, 2, 8, 4, "rule 'Billing' (#4): category"),
        # Equal positions: the lower id goes first.
        ([replace(BILLING, position=1), VIP_BILLING], TICKET, 2, 7, 3, "rule 'VIP billing' (#3): category, customer tier VIP"),
        ([replace(BILLING, id=2, position=1), VIP_BILLING], TICKET, 2, 8, 2, "rule 'Billing' (#2): category"),
        # A rule that names no group still decides the priority and tags; the group is the default.
        (
            [replace(VIP_BILLING, group_id=0)], TICKET, 2, 2, 3,
            "rule 'VIP billing' (#3): category, customer tier VIP; the rule names no group: default group",
        ),
        (
            [replace(VIP_BILLING, group_id=0)], TICKET, None, None, 3,
            "rule 'VIP billing' (#3): category, customer tier VIP; the rule names no group and no default group",
        ),
    ],
)
def test_route(
    rules: list[RoutingRule], ticket: RoutingTicket, default: int | None, group: int | None, rule_id: int | None, reason: str
) -> None:
    decision = route(ticket, rules, default)
    assert (decision.group_id, decision.rule_id, decision.reason) == (group, rule_id, reason)


def test_route_carries_the_rule_effects() -> None:
    decision = route(TICKET, [BILLING, VIP_BILLING], None)
    assert decision.rule_name == "VIP billing"
    assert decision.set_priority is P.URGENT
    assert decision.tags == ("vip", "billing")
    fallback = route(replace(TICKET, category_id=None), [BILLING, VIP_BILLING], 2)
    assert (fallback.rule_name, fallback.set_priority, fallback.tags) == (None, None, ())


rules_strategy = st.lists(
    st.builds(
        RoutingRule,
        id=st.integers(1, 50),
        name=st.just("r"),
        position=st.integers(0, 5),
        enabled=st.booleans(),
        category_ids=st.frozensets(st.integers(1, 3), max_size=2),
        customer_tiers=st.frozensets(st.sampled_from(T), max_size=2),
        sources=st.frozensets(st.sampled_from(S), max_size=2),
        group_id=st.integers(1, 9),
    ),
    max_size=6,
    unique_by=lambda r: r.id,
)
ticket_strategy = st.builds(
    RoutingTicket,
    category_id=st.none() | st.integers(1, 3),
    product_id=st.none(),
    customer_tier=st.sampled_from(T),
    organisation=st.none(),
    source=st.sampled_from(S),
    priority=st.sampled_from(P),
    text=st.just(""),
)


@given(rules=rules_strategy, ticket=ticket_strategy, shuffle=st.randoms())
def test_route_is_the_first_enabled_match_whatever_the_input_order(
    rules: list[RoutingRule], ticket: RoutingTicket, shuffle: random.Random
) -> None:
    decision = route(ticket, rules, 0)
    shuffled = list(rules)
    shuffle.shuffle(shuffled)
    assert route(ticket, shuffled, 0) == decision
    matching = [r for r in rules if r.enabled and matched_conditions(r, ticket) is not None]
    if not matching:
        assert decision.rule_id is None and decision.group_id == 0
    else:
        first = min(matching, key=lambda r: (r.position, r.id))
        assert (decision.rule_id, decision.group_id) == (first.id, first.group_id)
        assert all((r.position, r.id) >= (first.position, first.id) for r in matching)
