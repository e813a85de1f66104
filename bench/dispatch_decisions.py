"""Dispatch decisions per second with 200 agents in 20 groups.

    .venv/bin/python -m bench.dispatch_decisions [--tickets 400] [--concurrency 8] [--sqlite]

On a throwaway PostgreSQL database (127.0.0.1:5432; --sqlite for a temporary SQLite file):
20 groups of 10 agents (LEAST_LOADED, ROUND_ROBIN and SKILLS groups), all online with room,
and 20 routing rules (one keyword each, plus a catch-all default group). Each ticket is
created through the real use case and dispatched as the API does it: routed by the rules,
then assigned within its group under the agents' row locks.

Figures:
- decisions/s: dispatched tickets per second (route + assign, with `--concurrency` at once).
- the baseline, measured in the same run: creating the same tickets with no dispatch (into a
  MANUAL group), so the ratio is what dispatch costs on top of intake.
- the pure decision alone (`assignment.choose_agent` over 10 agents, `routing.route` over 20
  rules), per second, to show where the time goes.
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tortoise import Tortoise

from bench.seed import database_bench_parser, throwaway_database
from domain.enums import AssignmentStrategy, Availability, CustomerTier, Priority, Role, TicketSource
from domain.events import NullPublisher
from domain.models import Customer, Group, GroupMembership, RoutingRule, User
from domain.rules import assignment, routing
from domain.rules.access import Actor
from domain.services import dispatch, tickets
from server.db import migrate, tortoise_config

GROUPS = 20
AGENTS_PER_GROUP = 10
STRATEGIES = (AssignmentStrategy.LEAST_LOADED, AssignmentStrategy.ROUND_ROBIN, AssignmentStrategy.SKILLS)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


async def seed() -> tuple[list[int], int, int]:
    """Groups, agents, rules; returns the rule keywords' group ids, a manual group, a customer."""
    groups = []
    for g in range(GROUPS):
        group = await Group.create(name=f"Group {g}", assignment_strategy=STRATEGIES[g % len(STRATEGIES)],
                                   is_default=g == 0)
        groups.append(group.id)
        for a in range(AGENTS_PER_GROUP):
            user = await User.create(email=f"agent{g}-{a}@bench.test", name=f"Agent {g}-{a}", role=Role.AGENT,
                                     availability=Availability.ONLINE, capacity=10_000,
                                     skills=[f"skill{a % 3}"])
            await GroupMembership.create(group_id=group.id, user_id=user.id)
        await RoutingRule.create(name=f"rule {g}", position=g, keywords=[f"topic{g}"], group_id=group.id)
    manual = await Group.create(name="Manual", assignment_strategy=AssignmentStrategy.MANUAL)
    customer = await Customer.create(
        name="Bench customer", email="customer@bench.test", tier=CustomerTier.STANDARD
    )
    return groups, manual.id, customer.id


async def timed_intake(count: int, concurrency: int, *, customer_id: int, group_id: int | None,
                       actor: Actor) -> float:
    """Tickets per second through tickets.create (which dispatches an ungrouped ticket)."""
    gate = asyncio.Semaphore(concurrency)
    tag = uuid.uuid4().hex[:6]

    async def one(i: int) -> None:
        async with gate:
            await tickets.create(
                actor=actor,
                data=tickets.NewTicket(subject=f"topic{i % GROUPS} problem {tag}-{i}", description="details",
                                       customer_id=customer_id, group_id=group_id,
                                       priority=Priority.MEDIUM, source=TicketSource.API),
                now=datetime.now(UTC), publisher=NullPublisher(), classify=False,
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - started)


def pure_rate(seconds: float = 1.0) -> tuple[float, float]:
    agents = [assignment.AgentLoad(agent_id=i, availability=Availability.ONLINE, capacity=50, load=i % 7,
                                   skills=frozenset({f"skill{i % 3}"})) for i in range(AGENTS_PER_GROUP)]
    rules = [routing.RoutingRule(id=g, name=f"rule {g}", position=g, keywords=(f"topic{g}",), group_id=g + 1)
             for g in range(GROUPS)]
    subject = routing.RoutingTicket(category_id=None, product_id=None, customer_tier=CustomerTier.STANDARD,
                                    organisation=None, source=TicketSource.API, priority=Priority.MEDIUM,
                                    text="topic19 problem with the export")
    rates = []
    for work in (
        lambda: assignment.choose_agent(AssignmentStrategy.LEAST_LOADED, agents, priority=Priority.MEDIUM),
        lambda: routing.route(subject, rules, None),
    ):
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            work()
            n += 1
        rates.append(n / (time.perf_counter() - started))
    return rates[0], rates[1]


async def run(url: str, count: int, concurrency: int, rounds: int) -> None:
    await migrate(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        groups, manual, customer = await seed()
        actor = Actor(user_id=(await User.create(email="admin@bench.test", name="Admin", role=Role.ADMIN)).id,
                      role=Role.ADMIN)
        await timed_intake(40, concurrency, customer_id=customer, group_id=manual, actor=actor)  # warm-up
        baseline, dispatched = [], []
        for _ in range(rounds):  # interleaved, so load changes on the machine hit both alike
            baseline.append(await timed_intake(count, concurrency, customer_id=customer, group_id=manual,
                                               actor=actor))
            dispatched.append(await timed_intake(count, concurrency, customer_id=customer, group_id=None,
                                                 actor=actor))
        assigned = await dispatch.agent_loads(
            [u.id for u in await User.filter(role=Role.AGENT)]
        )
        base, full = statistics.median(baseline), statistics.median(dispatched)
        choose, route = pure_rate()
        print(f"dispatch with {len(groups)} groups x {AGENTS_PER_GROUP} agents, {count} tickets x {rounds} "
              f"rounds, concurrency {concurrency}, load average {load_average():.1f}")
        print(f"  baseline  intake without dispatch: {base:8.1f} tickets/s")
        print(f"  dispatch  intake + route + assign: {full:8.1f} decisions/s  ratio {full / base:.2f}")
        print(f"  pure rules: choose_agent {choose:,.0f}/s, route over 20 rules {route:,.0f}/s")
        print(f"  tickets assigned: {sum(1 for v in assigned.values() if v)} agents busy, "
              f"{sum(assigned.values())} load points")
    finally:
        await Tortoise.close_connections()


async def main_async(args: argparse.Namespace) -> None:
    async with throwaway_database(sqlite=args.sqlite, prefix="dispatchbench") as url:
        await run(url, args.tickets, args.concurrency, args.rounds)


def main() -> None:
    parser = database_bench_parser("bench.dispatch_decisions", __doc__ or "")
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
