"""Assignment: which agent of a group gets a ticket, and which queued ticket goes first.

Load is counted in points, not tickets: each active ticket weighs by its priority, and an agent
takes new work only while ONLINE and only if the ticket's points still fit in their capacity.
Nobody is ever pushed past capacity; when nobody fits, the ticket waits in the group's queue
and `drain_order` says which waiting ticket is dispatched first when capacity frees up.

Every choice is deterministic (the order of the input does not matter, ties are broken down to
the agent id) so the same data always gives the same dispatch and the log can be trusted.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from types import MappingProxyType

from domain.enums import AssignmentStrategy, Availability, Priority

# Why these weights: an urgent ticket needs near-continuous attention (short targets, frequent
# updates, often a call) and displaces about four ordinary ones; a high one about two. Low and
# medium weigh the same because even a low ticket occupies a slot of an agent's attention, and
# weighing it less would let a backlog of low tickets hide a full workload.
DEFAULT_PRIORITY_WEIGHTS: Mapping[Priority, int] = MappingProxyType(
    {Priority.URGENT: 4, Priority.HIGH: 2, Priority.MEDIUM: 1, Priority.LOW: 1}
)

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # only ever compared with itself (see _least_loaded_key)


@dataclass(frozen=True)
class AgentLoad:
    agent_id: int
    availability: Availability
    capacity: int  # the most weighted load points the agent takes on
    load: int  # the weights of the agent's active tickets, summed
    skills: frozenset[str] = frozenset()  # lower-case skill names
    last_assigned_at: datetime | None = None  # aware; None: never got work


@dataclass(frozen=True)
class AssignmentDecision:
    agent_id: int | None  # None: nobody eligible, the ticket waits in the group's queue
    strategy: AssignmentStrategy
    reason: str  # one line for the dispatch log


def weight(priority: Priority, weights: Mapping[Priority, int] = DEFAULT_PRIORITY_WEIGHTS) -> int:
    """The points a ticket of this priority adds to an agent's load; at least 1, because a
    ticket that weighs nothing could be given to an agent who is already full."""
    return max(1, weights.get(priority, 1))


def eligible(agent: AgentLoad, ticket_weight: int) -> bool:
    # AWAY agents keep their tickets but get no new ones: they may not be back before the SLA.
    return agent.availability is Availability.ONLINE and agent.load + ticket_weight <= agent.capacity


def _least_loaded_key(agent: AgentLoad) -> tuple[Fraction, bool, datetime, int]:
    # Fraction, not float: equal ratios (2/10 and 1/5) must tie exactly so the tie-breaks decide.
    ratio = Fraction(agent.load, agent.capacity) if agent.capacity > 0 else Fraction(1)
    never = agent.last_assigned_at is None
    # Whoever got work longest ago goes first, and never beats any time.
    return (ratio, not never, agent.last_assigned_at or _NEVER, agent.agent_id)


def _least_loaded(agents: Sequence[AgentLoad]) -> AgentLoad:
    return min(agents, key=_least_loaded_key)


def _points(agent: AgentLoad) -> str:
    return f"{agent.load}/{agent.capacity} points"


def _nobody(strategy: AssignmentStrategy, agents: Sequence[AgentLoad], points: int) -> AssignmentDecision:
    if not agents:
        return AssignmentDecision(None, strategy, "no agents in the group")
    unit = "point" if points == 1 else "points"
    return AssignmentDecision(None, strategy, f"no agent online with capacity for {points} {unit}")


def _round_robin(candidates: Sequence[AgentLoad], last_agent_id: int | None) -> AgentLoad:
    ordered = sorted(candidates, key=lambda a: a.agent_id)
    if last_agent_id is None:
        return ordered[0]
    # "After" is by id, so the turn order survives the last agent leaving the group or going
    # offline: the next one by id goes, not the first of the list again.
    return next((a for a in ordered if a.agent_id > last_agent_id), ordered[0])


def choose_agent(
    strategy: AssignmentStrategy,
    agents: Sequence[AgentLoad],
    *,
    priority: Priority,
    required_skills: frozenset[str] = frozenset(),
    last_agent_id: int | None = None,
    weights: Mapping[Priority, int] = DEFAULT_PRIORITY_WEIGHTS,
    broader_skills: Mapping[str, str] | None = None,
) -> AssignmentDecision:
    """`broader_skills` maps a required skill to one that also covers it (a subcategory's to
    its parent category's): an agent with either covers the need, and among agents covering
    as many needs, those with more of the exact skills are preferred, then the least loaded."""
    if strategy is AssignmentStrategy.MANUAL:
        return AssignmentDecision(None, strategy, "manual queue")
    points = weight(priority, weights)
    candidates = [agent for agent in agents if eligible(agent, points)]
    if not candidates:
        return _nobody(strategy, agents, points)

    if strategy is AssignmentStrategy.ROUND_ROBIN:
        chosen = _round_robin(candidates, last_agent_id)
        after = "first in turn" if last_agent_id is None else f"after agent {last_agent_id}"
        return AssignmentDecision(chosen.agent_id, strategy, f"round robin {after}, {_points(chosen)}")

    if strategy is AssignmentStrategy.SKILLS:
        wanted = frozenset(skill.strip().lower() for skill in required_skills if skill.strip())
        if not wanted:
            chosen = _least_loaded(candidates)
            reason = f"no skills required; least loaded: {_points(chosen)}, online"
            return AssignmentDecision(chosen.agent_id, strategy, reason)
        broader = {k.strip().lower(): v.strip().lower() for k, v in (broader_skills or {}).items()}
        skills_of = {a.agent_id: {s.lower() for s in a.skills} for a in candidates}
        exact = {a.agent_id: wanted & skills_of[a.agent_id] for a in candidates}
        covered = {
            a.agent_id: exact[a.agent_id] | {w for w in wanted if broader.get(w) in skills_of[a.agent_id]}
            for a in candidates
        }
        best = max(len(skills) for skills in covered.values())
        if best == 0:
            # Better an agent without the skill now than the ticket waiting for one who may
            # never come; the log says so, so a supervisor can reassign.
            chosen = _least_loaded(candidates)
            reason = (
                f"no eligible agent has {', '.join(sorted(wanted))}; "
                f"least loaded: {_points(chosen)}, online"
            )
            return AssignmentDecision(chosen.agent_id, strategy, reason)
        widest = [a for a in candidates if len(covered[a.agent_id]) == best]
        most_exact = max(len(exact[a.agent_id]) for a in widest)
        chosen = _least_loaded([a for a in widest if len(exact[a.agent_id]) == most_exact])
        named = sorted(
            skill if skill in exact[chosen.agent_id] else f"{broader[skill]} (for {skill})"
            for skill in covered[chosen.agent_id]
        )
        reason = f"skills {', '.join(named)} ({best} of {len(wanted)}), {_points(chosen)}"
        return AssignmentDecision(chosen.agent_id, strategy, reason)

    chosen = _least_loaded(candidates)
    return AssignmentDecision(chosen.agent_id, strategy, f"least loaded: {_points(chosen)}, online")


def drain_order(waiting: Sequence[tuple[int, Priority, datetime]]) -> list[int]:
    """Ticket ids of `(ticket id, priority, queued at)` in the order they get freed capacity:
    most urgent first, then oldest, then lowest id."""
    # Priority ranks run URGENT=1 … LOW=4, so ascending rank is descending urgency.
    return [ticket_id for ticket_id, _, _ in sorted(waiting, key=lambda w: (w[1].value, w[2], w[0]))]
