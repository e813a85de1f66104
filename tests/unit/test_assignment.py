import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.enums import AssignmentStrategy as AS
from domain.enums import Availability as AV
from domain.enums import Priority as P
from domain.rules.assignment import (
    DEFAULT_PRIORITY_WEIGHTS,
    AgentLoad,
    choose_agent,
    drain_order,
    eligible,
    weight,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def agent(
    agent_id: int,
    load: int = 0,
    capacity: int = 10,
    availability: AV = AV.ONLINE,
    skills: tuple[str, ...] = (),
    last: datetime | None = None,
) -> AgentLoad:
    return AgentLoad(agent_id, availability, capacity, load, frozenset(skills), last)


@pytest.mark.parametrize(
    ("priority", "weights", "expected"),
    [
        (P.URGENT, DEFAULT_PRIORITY_WEIGHTS, 4),
        (P.HIGH, DEFAULT_PRIORITY_WEIGHTS, 2),
        (P.MEDIUM, DEFAULT_PRIORITY_WEIGHTS, 1),
        (P.LOW, DEFAULT_PRIORITY_WEIGHTS, 1),
        (P.URGENT, {P.URGENT: 10}, 10),
        (P.LOW, {P.URGENT: 10}, 1),  # missing from a custom table: one point
        (P.LOW, {P.LOW: 0}, 1),  # a free ticket could overfill a full agent
    ],
)
def test_weight(priority: P, weights: dict[P, int], expected: int) -> None:
    assert weight(priority, weights) == expected


@pytest.mark.parametrize(
    ("candidate", "ticket_weight", "expected"),
    [
        (agent(1, load=6), 4, True),  # exactly full afterwards
        (agent(1, load=7), 4, False),
        (agent(1, load=10), 1, False),
        (agent(1, load=0, capacity=0), 1, False),
        (agent(1, availability=AV.AWAY), 1, False),
        (agent(1, availability=AV.OFFLINE), 1, False),
    ],
)
def test_eligible(candidate: AgentLoad, ticket_weight: int, expected: bool) -> None:
    assert eligible(candidate, ticket_weight) is expected


@pytest.mark.parametrize(
    ("agents", "priority", "expected", "reason"),
    [
        ([agent(1, load=5), agent(2, load=2), agent(3, load=3)], P.MEDIUM, 2, "least loaded: 2/10 points, online"),
        # By ratio, not by points: 3/20 is lighter than 2/10.
        ([agent(1, load=2), agent(2, load=3, capacity=20)], P.MEDIUM, 2, "least loaded: 3/20 points, online"),
        # Equal ratios: whoever got work longest ago, never first, then the lowest id.
        ([agent(1, load=2, last=T0), agent(2, load=1, capacity=5, last=T0 - timedelta(hours=1))], P.LOW, 2, "least loaded: 1/5 points, online"),
        ([agent(1, load=2, last=T0), agent(2, load=2)], P.LOW, 2, "least loaded: 2/10 points, online"),
        ([agent(3, load=2), agent(2, load=2)], P.LOW, 2, "least loaded: 2/10 points, online"),
        # The lightest is away or the ticket would overfill them.
        ([agent(1, availability=AV.AWAY), agent(2, load=4)], P.LOW, 2, "least loaded: 4/10 points, online"),
        ([agent(1, load=1, capacity=4), agent(2, load=6)], P.URGENT, 2, "least loaded: 6/10 points, online"),
        ([agent(1, load=7), agent(2, availability=AV.OFFLINE)], P.URGENT, None, "no agent online with capacity for 4 points"),
        ([], P.LOW, None, "no agents in the group"),
    ],
)
def test_least_loaded(agents: list[AgentLoad], priority: P, expected: int | None, reason: str) -> None:
    decision = choose_agent(AS.LEAST_LOADED, agents, priority=priority)
    assert (decision.agent_id, decision.strategy, decision.reason) == (expected, AS.LEAST_LOADED, reason)


@pytest.mark.parametrize(
    ("agents", "last", "expected", "reason"),
    [
        ([agent(3), agent(1), agent(2)], None, 1, "round robin first in turn, 0/10 points"),
        ([agent(3), agent(1), agent(2)], 1, 2, "round robin after agent 1, 0/10 points"),
        ([agent(3), agent(1), agent(2)], 3, 1, "round robin after agent 3, 0/10 points"),  # wraps around
        ([agent(1), agent(2, availability=AV.AWAY), agent(3)], 1, 3, "round robin after agent 1, 0/10 points"),
        ([agent(1), agent(2, load=10), agent(3, load=5)], 1, 3, "round robin after agent 1, 5/10 points"),  # not by load
        # The last agent left the group: the turn goes on by id, not back to the start.
        ([agent(1), agent(3), agent(5)], 4, 5, "round robin after agent 4, 0/10 points"),
        ([agent(1), agent(3)], 7, 1, "round robin after agent 7, 0/10 points"),
        ([agent(4)], 4, 4, "round robin after agent 4, 0/10 points"),  # the only one, again
        ([agent(4, availability=AV.OFFLINE)], 4, None, "no agent online with capacity for 1 point"),
    ],
)
def test_round_robin(agents: list[AgentLoad], last: int | None, expected: int | None, reason: str) -> None:
    decision = choose_agent(AS.ROUND_ROBIN, agents, priority=P.MEDIUM, last_agent_id=last)
    assert (decision.agent_id, decision.reason) == (expected, reason)


@pytest.mark.parametrize(
    ("agents", "required", "expected", "reason"),
    [
        (
            [agent(1, skills=("billing",)), agent(2, load=5, skills=("billing", "refunds"))],
            {"billing", "refunds"}, 2, "skills billing, refunds (2 of 2), 5/10 points",
        ),
        # Equal coverage: least loaded among them.
        (
            [agent(1, load=3, skills=("billing",)), agent(2, load=1, skills=("billing", "sql")), agent(3, skills=())],
            {"billing"}, 2, "skills billing (1 of 1), 1/10 points",
        ),
        # Required skills are matched case-insensitively.
        ([agent(1), agent(2, load=4, skills=("refunds",))], {"Refunds "}, 2, "skills refunds (1 of 1), 4/10 points"),
        # The expert is away: the best covering eligible agent.
        (
            [agent(1, availability=AV.AWAY, skills=("billing", "refunds")), agent(2, load=8, skills=("refunds",)), agent(3)],
            {"billing", "refunds"}, 2, "skills refunds (1 of 2), 8/10 points",
        ),
        # Nobody eligible has any: least loaded, and the log says so.
        (
            [agent(1, load=2, skills=("sql",)), agent(2, load=1)],
            {"billing", "refunds"}, 2, "no eligible agent has billing, refunds; least loaded: 1/10 points, online",
        ),
        ([agent(1, load=2), agent(2, load=1)], set(), 2, "no skills required; least loaded: 1/10 points, online"),
        ([agent(1, load=10, skills=("billing",))], {"billing"}, None, "no agent online with capacity for 1 point"),
    ],
)
def test_skills(agents: list[AgentLoad], required: set[str], expected: int | None, reason: str) -> None:
    decision = choose_agent(AS.SKILLS, agents, priority=P.LOW, required_skills=frozenset(required))
    assert (decision.agent_id, decision.strategy, decision.reason) == (expected, AS.SKILLS, reason)


REFUNDS_UNDER_BILLING = {"refunds": "billing"}


@pytest.mark.parametrize(
    ("agents", "required", "expected", "reason"),
    [
        # The parent's skill covers a subcategory: a billing agent over one with no skill.
        ([agent(1), agent(2, load=6, skills=("billing",))], {"refunds"}, 2,
         "skills billing (for refunds) (1 of 1), 6/10 points"),
        # The exact skill beats the parent's at equal coverage, whatever the load.
        ([agent(1, skills=("billing",)), agent(2, load=6, skills=("refunds",))], {"refunds"}, 2,
         "skills refunds (1 of 1), 6/10 points"),
        # Coverage first: the billing agent who also knows the product covers both needs.
        ([agent(1, load=2, skills=("refunds",)), agent(2, load=3, skills=("billing", "payments"))],
         {"refunds", "payments"}, 2, "skills billing (for refunds), payments (2 of 2), 3/10 points"),
        # The parent's skill is no need of its own: it does not outweigh the exact one.
        ([agent(1, load=2, skills=("refunds",)), agent(2, load=1, skills=("billing",))], {"refunds"}, 1,
         "skills refunds (1 of 1), 2/10 points"),
    ],
)
def test_a_broader_skill_covers_a_subcategory(
    agents: list[AgentLoad], required: set[str], expected: int | None, reason: str
) -> None:
    decision = choose_agent(AS.SKILLS, agents, priority=P.LOW, required_skills=frozenset(required),
                            broader_skills=REFUNDS_UNDER_BILLING)
    assert (decision.agent_id, decision.reason) == (expected, reason)


def test_manual_never_assigns() -> None:
    decision = choose_agent(AS.MANUAL, [agent(1)], priority=P.URGENT)
    assert (decision.agent_id, decision.strategy, decision.reason) == (None, AS.MANUAL, "manual queue")


def test_custom_weights() -> None:
    agents = [agent(1, load=5, capacity=6)]
    assert choose_agent(AS.LEAST_LOADED, agents, priority=P.URGENT).agent_id is None
    assert choose_agent(AS.LEAST_LOADED, agents, priority=P.URGENT, weights={P.URGENT: 1}).agent_id == 1


@pytest.mark.parametrize(
    ("waiting", "expected"),
    [
        ([], []),
        ([(1, P.LOW, T0), (2, P.URGENT, T0 + timedelta(hours=1)), (3, P.HIGH, T0)], [2, 3, 1]),
        ([(1, P.MEDIUM, T0 + timedelta(minutes=5)), (2, P.MEDIUM, T0)], [2, 1]),  # oldest first
        ([(9, P.MEDIUM, T0), (4, P.MEDIUM, T0), (7, P.LOW, T0 - timedelta(days=3))], [4, 9, 7]),
    ],
)
def test_drain_order(waiting: list[tuple[int, P, datetime]], expected: list[int]) -> None:
    assert drain_order(waiting) == expected


# --- properties ---------------------------------------------------------------------------------

agents_strategy = st.lists(
    st.builds(
        AgentLoad,
        agent_id=st.integers(1, 30),
        availability=st.sampled_from(AV),
        capacity=st.integers(0, 12),
        load=st.integers(0, 12),
        skills=st.frozensets(st.sampled_from(["billing", "refunds", "sql", "de"]), max_size=3),
        last_assigned_at=st.none() | st.integers(0, 5).map(lambda h: T0 + timedelta(hours=h)),
    ),
    max_size=8,
    unique_by=lambda a: a.agent_id,
)
skills_strategy = st.frozensets(st.sampled_from(["billing", "refunds", "sql", "fr"]), max_size=3)


@given(
    strategy=st.sampled_from(AS),
    agents=agents_strategy,
    priority=st.sampled_from(P),
    required=skills_strategy,
    last=st.none() | st.integers(0, 31),
    shuffle=st.randoms(),
)
def test_a_chosen_agent_is_eligible_and_the_choice_deterministic(
    strategy: AS, agents: list[AgentLoad], priority: P, required: frozenset[str], last: int | None, shuffle: random.Random
) -> None:
    decision = choose_agent(strategy, agents, priority=priority, required_skills=required, last_agent_id=last)
    shuffled = list(agents)
    shuffle.shuffle(shuffled)
    assert choose_agent(strategy, shuffled, priority=priority, required_skills=required, last_agent_id=last) == decision
    if decision.agent_id is None:
        assert strategy is AS.MANUAL or not any(eligible(a, weight(priority)) for a in agents)
    else:
        chosen = next(a for a in agents if a.agent_id == decision.agent_id)
        assert chosen.availability is AV.ONLINE
        assert chosen.load + weight(priority) <= chosen.capacity


@given(
    ids=st.lists(st.integers(1, 100), min_size=1, max_size=8, unique=True),
    load=st.integers(0, 3),
    priority=st.sampled_from(P),
    start=st.none() | st.integers(0, 101),
)
def test_round_robin_visits_every_eligible_agent(ids: list[int], load: int, priority: P, start: int | None) -> None:
    # Capacity for a whole round each, so the load added along the way never stops anyone.
    points = weight(priority)
    agents = {i: agent(i, load=load, capacity=load + points * len(ids)) for i in ids}
    visited: list[int] = []
    last = start
    for _ in ids:
        chosen = choose_agent(AS.ROUND_ROBIN, list(agents.values()), priority=priority, last_agent_id=last).agent_id
        assert chosen is not None
        visited.append(chosen)
        agents[chosen] = replace(agents[chosen], load=agents[chosen].load + points)
        last = chosen
    assert sorted(visited) == sorted(ids)


@given(
    waiting=st.lists(
        st.tuples(st.integers(1, 1000), st.sampled_from(P), st.integers(0, 100).map(lambda m: T0 + timedelta(minutes=m))),
        unique_by=lambda w: w[0],
        max_size=10,
    )
)
def test_drain_order_never_puts_a_less_urgent_ticket_first(waiting: list[tuple[int, P, datetime]]) -> None:
    order = drain_order(waiting)
    assert sorted(order) == sorted(w[0] for w in waiting)
    by_id = {w[0]: w for w in waiting}
    for earlier, later in pairwise(order):
        assert by_id[earlier][1] <= by_id[later][1]
