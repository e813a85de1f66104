"""The preset demo desk that `helpdesk demo` loads: Larkline's support team, its customers and
about two hundred tickets from the last thirty days, each with a believable conversation.

Two halves:

- planning (pure): a seeded `random.Random` turns `now` into one `TicketPlan` per ticket, a
  list of timed steps (who replies, waits, resolves, ...). Same `now`, same desk.
- loading: the directory is created through `directory`'s use cases and every ticket is
  played step by step through `tickets`'s use cases, each with the step's past `now`, so the
  handling log, versions, SLA state and timestamps are what the live desk would have written.
  Tickets are written in short transactions of BATCH tickets each.

Loading is idempotent. Every demo ticket carries an idempotency key; when the demo admin
exists and all keys are present the desk is left alone (even if someone has since renamed a
group), otherwise the missing parts are created, so an interrupted load completes on rerun.
"""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum

from tortoise.transactions import in_transaction

from domain.enums import (
    STAFF_ROLES,
    AssignmentStrategy,
    CustomerTier,
    Priority,
    Role,
    TicketSource,
    TicketStatus,
    WaitReason,
)
from domain.events import NullPublisher
from domain.models import (
    Article,
    Category,
    CategoryExample,
    Customer,
    Group,
    GroupMembership,
    Message,
    OnCallSchedule,
    Product,
    ReplyTemplate,
    RoutingRule,
    Ticket,
    TicketEvent,
    User,
)
from domain.rules.access import Actor
from domain.services import directory, knowledge, macros, product_rules, reply_templates, tickets, triage
from domain.services.actors import load_actor
from domain.services.demo_data import (
    ACKNOWLEDGEMENTS,
    ADDENDA,
    ADMIN,
    ARTICLES,
    BILLING,
    BROWSERS,
    CARE,
    CATEGORIES,
    CHASERS,
    COMPANY,
    CONFIRM_REQUESTS,
    CUSTOMERS,
    DEMO_AGENT_EMAIL,
    DEMO_CUSTOMER_EMAIL,
    DEVICES,
    DEVS,
    ESCALATION_NOTES,
    GROUPS,
    HANDOVER_NOTES,
    PLANS,
    PRIORITY_EXAMPLES,
    PRODUCTS,
    RELAPSE_FIXES,
    RELAPSES,
    REVIEW_APPROVALS,
    REVIEW_REQUESTS,
    SCENARIOS,
    STAFF,
    SUPERVISOR_OF,
    TECH,
    THANKS,
    THIRD_PARTY_BACK,
    THIRD_PARTY_NOTES,
    THIRD_PARTY_REPLY,
    TRIAGE_NOTES,
    WEEKDAYS,
    CustomerSeed,
    Scenario,
)

S = TicketStatus

SEED = 20_260_417
TICKET_COUNT = 200
DAYS = 30
BATCH = 10  # tickets per transaction: short enough never to hold the database for long
KEY_PREFIX = "larkline-demo-"  # idempotency keys of the demo tickets: larkline-demo-001, ...
PUBLISHER = NullPublisher()  # nobody listens during a CLI load

DEMO_LOGINS: dict[str, str] = {
    "admin": ADMIN.email,
    "supervisor": SUPERVISOR_OF[CARE],
    "agent": DEMO_AGENT_EMAIL,
    "customer": DEMO_CUSTOMER_EMAIL,
    "reporter": next(s.email for s in STAFF if s.role is Role.REPORTER),
}

# How many tickets end in each status, and why the waiting ones wait. Quotas rather than
# dice, so every status and wait reason is always there in useful numbers.
STATUS_QUOTA = {S.NEW: 16, S.OPEN: 34, S.WAITING: 36, S.RESOLVED: 36, S.CLOSED: 78}
WAIT_QUOTA = {WaitReason.CUSTOMER: 16, WaitReason.THIRD_PARTY: 11, WaitReason.REVIEW: 9}
SOURCE_WEIGHTS = {
    TicketSource.EMAIL: 34,
    TicketSource.FORM: 22,
    TicketSource.CHAT: 18,
    TicketSource.PHONE: 12,
    TicketSource.API: 14,
}
MIN_PER_VALUE = 6  # every priority and source at least this often

# Agents answer urgent tickets faster; chats are answered within minutes.
PRIORITY_PACE = {Priority.URGENT: 0.15, Priority.HIGH: 0.4, Priority.MEDIUM: 1.0,
                 Priority.LOW: 1.8}
SIGN_OFFS = ("Best regards", "Kind regards", "Thanks", "Best", "All the best", "Cheers")


# --- the plan --------------------------------------------------------------------------


class Do(Enum):
    REPLY = "reply"  # public agent reply
    NOTE = "note"  # internal note
    CUSTOMER_REPLY = "customer_reply"
    ASSIGN = "assign"
    CATEGORY = "category"
    PRIORITY = "priority"
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Step:
    at: datetime
    do: Do
    actor: str  # the acting user's email
    body: str | None = None
    reason: WaitReason | None = None
    priority: Priority | None = None
    group: str | None = None
    agent: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class TicketPlan:
    number: int  # 1..TICKET_COUNT, in order of creation
    creator: str  # email of the user who opens it
    customer: str  # the customer's email
    subject: str
    description: str
    source: TicketSource
    product: str | None  # product name
    category: str | None  # set at creation only by staff (phone tickets)
    group: str | None
    priority: Priority | None  # at creation; None is the service's default
    created_at: datetime
    steps: tuple[Step, ...]
    status: TicketStatus  # where the story ends
    wait_reason: WaitReason | None
    final_priority: Priority

    @property
    def idempotency_key(self) -> str:
        return f"{KEY_PREFIX}{self.number:03d}"


@dataclass
class _Draft:
    """A ticket before its story is written; mutable while quotas are applied."""

    created_at: datetime
    scenario: Scenario
    customer: CustomerSeed
    source: TicketSource
    priority: Priority
    status: TicketStatus = S.NEW
    wait_reason: WaitReason | None = None


def plan_desk(now: datetime) -> list[TicketPlan]:
    """The demo tickets for `now`, oldest first. Pure and deterministic."""
    now = _utc(now)
    rng = random.Random(SEED)
    told: set[tuple[str, str]] = set()  # (customer, subject): nobody reports the same twice
    drafts = [_draft(rng, now, told) for _ in range(TICKET_COUNT)]
    _apply_status_quotas(rng, drafts, now)
    _ensure_each(rng, drafts, "priority", list(Priority))
    _ensure_each(rng, drafts, "source", list(TicketSource))
    drafts.sort(key=lambda d: d.created_at)
    return [_Story(rng, draft, number, now).plan() for number, draft in enumerate(drafts, 1)]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # a naive `now` is taken to be UTC, as the database stores
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _draft(rng: random.Random, now: datetime, told: set[tuple[str, str]]) -> _Draft:
    customer = rng.choices(CUSTOMERS, weights=[_customer_weight(c) for c in CUSTOMERS])[0]
    scenario = rng.choice(SCENARIOS)
    for _ in range(10):
        if (customer.email, scenario.subject) not in told:
            break
        scenario = rng.choice(SCENARIOS)
    told.add((customer.email, scenario.subject))
    source = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
    return _Draft(
        created_at=_created_at(rng, now),
        scenario=scenario,
        customer=customer,
        source=source,
        priority=_priority(rng, scenario.priority, customer),
    )


def _customer_weight(customer: CustomerSeed) -> float:
    # Bigger accounts write more; the demo customer writes enough to show a portal.
    if customer.email == DEMO_CUSTOMER_EMAIL:
        return 3.0
    return {CustomerTier.VIP: 3.0, CustomerTier.PREMIUM: 2.0}.get(customer.tier, 1.0)


def _created_at(rng: random.Random, now: datetime) -> datetime:
    """Mostly weekdays in (UTC) office hours, within the last DAYS days."""
    earliest = now - timedelta(days=DAYS) + timedelta(hours=1)
    latest = now - timedelta(minutes=5)
    while True:
        day = (now - timedelta(days=rng.randrange(DAYS))).date()
        if day.weekday() >= 5 and rng.random() < 0.7:
            continue
        hours = rng.triangular(7, 19, 11) if rng.random() < 0.88 else rng.uniform(0, 24)
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hours)
        if earliest < moment < latest:
            return moment.replace(microsecond=0)


def _priority(rng: random.Random, usual: Priority, customer: CustomerSeed) -> Priority:
    """The scenario's usual priority, give or take one level."""
    roll = rng.random()
    shift = -1 if roll < 0.12 else (1 if roll > 0.88 else 0)
    if usual is Priority.LOW and rng.random() < 0.4:
        shift = -1  # what we call a question, the customer often calls normal
    if customer.tier is CustomerTier.VIP and rng.random() < 0.3:
        shift = -1  # VIPs get bumped
    return Priority(min(max(usual + shift, Priority.URGENT), Priority.LOW))


def _age_days(draft: _Draft, now: datetime) -> float:
    return (now - draft.created_at).total_seconds() / 86_400


def _weighted_pick(
    rng: random.Random, items: list[_Draft], weights: list[float], count: int
) -> list[_Draft]:
    """`count` items without replacement, more likely the heavier ones (Efraimidis-Spirakis)."""
    keyed = [(rng.random() ** (1 / max(w, 1e-9)), i) for i, w in enumerate(weights)]
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[:count]]


def _apply_status_quotas(rng: random.Random, drafts: list[_Draft], now: datetime) -> None:
    """Young tickets are new or in progress, old ones mostly closed."""
    assert sum(STATUS_QUOTA.values()) == len(drafts)
    assert sum(WAIT_QUOTA.values()) == STATUS_QUOTA[S.WAITING]
    rest = sorted(drafts, key=lambda d: d.created_at, reverse=True)  # youngest first

    def take(status: TicketStatus, pool: list[_Draft], weights: list[float]) -> list[_Draft]:
        nonlocal rest
        picked = _weighted_pick(rng, pool, weights, STATUS_QUOTA[status])
        for draft in picked:
            draft.status = status
        chosen = {id(d) for d in picked}
        rest = [d for d in rest if id(d) not in chosen]
        return picked

    # The new ones among the youngest (an unanswered backlog of a day or two).
    youngest = rest[: STATUS_QUOTA[S.NEW] * 3 // 2]
    take(S.NEW, youngest, [1.0] * len(youngest))
    # Closing comes days after resolving, so only tickets older than three days get closed.
    old = [d for d in rest if _age_days(d, now) > 3]
    take(S.CLOSED, old, [_age_days(d, now) ** 2 for d in old])
    take(S.RESOLVED, rest, [_age_days(d, now) + 0.5 for d in rest])
    waiting = take(S.WAITING, rest, [1.0] * len(rest))
    reasons = [r for r, n in WAIT_QUOTA.items() for _ in range(n)]
    rng.shuffle(reasons)
    for draft, reason in zip(waiting, reasons, strict=True):
        draft.wait_reason = reason
    for draft in rest:
        draft.status = S.OPEN


def _ensure_each(rng: random.Random, drafts: list[_Draft], attr: str, values: list[object]) -> None:
    """Tops up rare values (say, PHONE or URGENT) from the most common one."""
    for value in values:
        while sum(getattr(d, attr) == value for d in drafts) < MIN_PER_VALUE:
            counts = {v: sum(getattr(d, attr) == v for d in drafts) for v in values}
            donor_value = max(counts, key=lambda v: counts[v])
            donors = [d for d in drafts if getattr(d, attr) == donor_value]
            if attr == "priority":  # an urgent feature question would not be believable
                near = [d for d in donors if abs(d.scenario.priority - value) <= 1]  # type: ignore[operator]
                donors = near or donors
            setattr(rng.choice(donors), attr, value)


# --- one ticket's story ----------------------------------------------------------------


@dataclass
class _Story:
    """Writes one ticket's conversation as timed steps, tracking the status it implies."""

    rng: random.Random
    draft: _Draft
    number: int
    now: datetime
    steps: list[tuple[float, Step]] = field(default_factory=list)  # (minutes after previous)
    status: TicketStatus = S.NEW
    group: str | None = None
    agent: str | None = None
    category: str | None = None
    priority: Priority = Priority.MEDIUM
    waiting_on: WaitReason | None = None
    slots: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scenario = self.draft.scenario
        self.customer = self.draft.customer
        self.source = self.draft.source
        self.pace = PRIORITY_PACE[self.draft.priority]
        self.slots = _slots(self.rng, self.scenario, self.customer, self.now)
        self.escalates = (
            self.draft.status is not S.NEW
            and self.draft.priority is not Priority.LOW
            and self.rng.random() < 0.08
        )

    # -- the whole story

    def plan(self) -> TicketPlan:
        creation = self._intake()
        final = self.draft.status
        if final is S.NEW:
            self._maybe(0.15, self._addendum)
        elif final is S.WAITING:
            self._until_waiting(self.draft.wait_reason)
        elif final is S.OPEN:
            self._until_open()
        else:
            self._to_resolution()
            if final is S.CLOSED:
                self._close()
                self._maybe(0.08, self._reopen_closed)
            else:
                self._maybe(0.1, self._relapse)
        if self.status is not final:
            raise AssertionError(f"demo story {self.number} ends {self.status}, not {final}")
        return replace(creation, steps=self._timed(), status=final,
                       wait_reason=self.draft.wait_reason, final_priority=self.priority)

    def _intake(self) -> TicketPlan:
        """Opening the ticket, and triage if the story goes that far."""
        home = next(c.default_group for c in CATEGORIES if c.name == self.scenario.category)
        agent = _pick_agent(self.rng, home)
        final = self.draft.status
        start = self.draft.priority
        if self.escalates:
            start = Priority(start + 1)  # raised later in the story
        self.slots["agent"] = _first_name(agent)
        plan = TicketPlan(
            number=self.number, creator=self.customer.email, customer=self.customer.email,
            subject=self._fill(self.scenario.subject),
            description=self._fill(self.scenario.description), source=self.source,
            product=_product_name(self.scenario.product), category=None, group=None,
            priority=None, created_at=self.draft.created_at, steps=(), status=final,
            wait_reason=None, final_priority=start,
        )
        if self.source is TicketSource.PHONE:
            # The agent who took the call logs it, already sorted, and keeps it.
            self.group, self.agent, self.category = home, agent, self.scenario.category
            self.priority = start
            self._add(self._gap(0.3, 2), Do.ASSIGN, agent, agent=agent)
            return replace(
                plan, creator=agent, category=self.scenario.category, group=home,
                priority=start, description=f"Logged from a phone call with "
                f"{self.customer.name}:\n\n{plan.description}",
            )
        mode = self.rng.choices(["untouched", "grouped", "assigned"], [3, 3, 4])[0]
        if final is not S.NEW:
            mode = "assigned"
        if mode == "untouched":
            # Customers cannot choose the priority: it stays the default until the
            # classifier or a person sets it.
            self.priority = Priority.MEDIUM
            return replace(plan, final_priority=Priority.MEDIUM)
        self._triage(home, agent if mode == "assigned" else None, start)
        return plan

    def _triage(self, home: str, agent: str | None, start: Priority) -> None:
        supervisor = SUPERVISOR_OF[home]
        gap = self._gap(3, 90, chat=(0.5, 4))
        self._add(gap, Do.CATEGORY, supervisor, category=self.scenario.category)
        self.category = self.scenario.category
        if agent is not None and self.rng.random() < 0.5:
            self._add(self._gap(0.2, 2), Do.ASSIGN, supervisor, group=home, agent=agent)
            self.group, self.agent = home, agent
            if start is not Priority.MEDIUM:
                self._add(self._gap(0.1, 1), Do.PRIORITY, supervisor, priority=start)
        else:
            self._add(self._gap(0.2, 2), Do.ASSIGN, supervisor, group=home)
            self.group = home
            if start is not Priority.MEDIUM:
                self._add(self._gap(0.1, 1), Do.PRIORITY, supervisor, priority=start)
            if agent is not None:  # the agent picks it from the group's queue
                self._add(self._gap(5, 120, chat=(0.5, 3)), Do.ASSIGN, agent, agent=agent)
                self.agent = agent
                # Not on a ticket that stays NEW: tickets.add_reply opens a NEW ticket on an
                # internal note too.
                if self.draft.status is not S.NEW:
                    self._maybe(0.4, lambda: self._note(self.rng.choice(TRIAGE_NOTES)))
        self.priority = start

    # -- the middle of the story, by where it ends

    def _until_waiting(self, reason: WaitReason | None) -> None:
        self._maybe_escalate()
        if reason is WaitReason.CUSTOMER:
            if self.rng.random() < 0.6:
                self._ask()
            else:
                self._maybe(0.5, self._ask_and_hear_back)
                self._maybe(0.4, self._investigate)
                self._reply(self.scenario.fix)
                self._reply(self.rng.choice(CONFIRM_REQUESTS), gap=(0.5, 3))
                self._wait(WaitReason.CUSTOMER)
        elif reason is WaitReason.THIRD_PARTY:
            self._maybe(0.5, self._investigate)
            self._hand_to_third_party()
            self._maybe(0.3, self._customer_chases)
        else:
            self._maybe(0.7, self._acknowledge)
            self._ask_for_review()

    def _until_open(self) -> None:
        self._maybe_escalate()
        ending = self.rng.choices(
            ["answered", "investigating", "third_party_back", "relapse", "chased"],
            [35, 25, 15, 15, 10],
        )[0]
        if ending == "answered":
            self._ask_and_hear_back()
        elif ending == "investigating":
            self._acknowledge()
            self._maybe_handover()
            self._investigate()
        elif ending == "third_party_back":
            self._hand_to_third_party()
            self._third_party_answers()
        elif ending == "relapse":
            self._to_resolution()
            self._customer(self.rng.choice(RELAPSES), gap=(360, 2880), live=False)
        else:
            self._acknowledge()
            self._customer_chases()

    def _to_resolution(self) -> None:
        self._maybe_escalate()
        route = self.rng.choices(["ask", "direct", "third_party", "review"], [45, 25, 15, 15])[0]
        if route == "ask":
            self._ask_and_hear_back()
            self._maybe(0.5, self._investigate)
        elif route == "direct":
            self._maybe_handover_after_ack()
            self._maybe(0.4, self._investigate)
        elif route == "third_party":
            self._hand_to_third_party()
            self._third_party_answers()
        else:
            self._acknowledge()
            self._ask_for_review()
            self._review_approved()
        self._reply(self.scenario.fix)
        self._maybe(0.5, lambda: self._customer(self.rng.choice(THANKS), gap=(10, 300)))
        self._resolve(gap=(2, 60))

    # -- pieces

    def _ask(self) -> None:
        self._reply(self.scenario.ask)
        self._wait(WaitReason.CUSTOMER)

    def _ask_and_hear_back(self) -> None:
        self._ask()
        self._customer(self.scenario.answer, gap=(15, 1440))  # resumes the ticket

    def _acknowledge(self) -> None:
        self._reply(self.rng.choice(ACKNOWLEDGEMENTS))

    def _investigate(self) -> None:
        self._note(self.scenario.note)

    def _hand_to_third_party(self) -> None:
        self._note(self.rng.choice(THIRD_PARTY_NOTES))
        self._reply(THIRD_PARTY_REPLY, gap=(1, 20))
        self._wait(WaitReason.THIRD_PARTY)

    def _third_party_answers(self) -> None:
        self._note(self.rng.choice(THIRD_PARTY_BACK), gap=(600, 4320))
        self._add(self._gap(1, 30), Do.RESUME, self._staff())
        self.status = S.OPEN

    def _ask_for_review(self) -> None:
        self._note(self.rng.choice(REVIEW_REQUESTS))
        self._wait(WaitReason.REVIEW)

    def _review_approved(self) -> None:
        assert self.group is not None
        supervisor = SUPERVISOR_OF[self.group]
        self._add(self._gap(45, 480, scaled=False), Do.NOTE, supervisor,
                  body=self.rng.choice(REVIEW_APPROVALS))
        self._add(self._gap(5, 60), Do.RESUME, self._staff())
        self.status = S.OPEN

    def _addendum(self) -> None:
        self._customer(self.rng.choice(ADDENDA), gap=(10, 120))

    def _customer_chases(self) -> None:
        self._customer(self.rng.choice(CHASERS), gap=(240, 1800), live=False)

    def _maybe_escalate(self) -> None:
        """The customer says it is worse than it looked; someone raises the priority."""
        if not self.escalates:
            return
        self.escalates = False  # once per story
        self._customer(ADDENDA[0], gap=(10, 90))
        self._note(self.rng.choice(ESCALATION_NOTES), gap=(2, 20))
        self._add(self._gap(0.2, 2), Do.PRIORITY, self._staff(), priority=self.draft.priority)
        self.priority = self.draft.priority

    def _maybe_handover(self) -> None:
        if self.group in (CARE, BILLING) and self.rng.random() < 0.12:
            self._handover(TECH)

    def _maybe_handover_after_ack(self) -> None:
        self._acknowledge()
        self._maybe_handover()

    def _handover(self, target: str) -> None:
        self._note(self.rng.choice(HANDOVER_NOTES).format(group=target), gap=(5, 60))
        new_agent = _pick_agent(self.rng, target)
        self._add(self._gap(0.2, 2), Do.ASSIGN, self._staff(), group=target, agent=new_agent)
        self.group, self.agent = target, new_agent
        self.slots["agent"] = _first_name(new_agent)

    def _resolve(self, gap: tuple[float, float]) -> None:
        self._add(self._gap(*gap), Do.RESOLVE, self._staff())
        self.status = S.RESOLVED

    def _close(self) -> None:
        self._add(self._gap(2880, 5760, scaled=False), Do.CLOSE, self._staff())
        self.status = S.CLOSED

    def _relapse(self) -> None:
        """The customer writes back after resolution, which reopens it; fixed again."""
        self._customer(self.rng.choice(RELAPSES), gap=(360, 2880), live=False)
        self._reply(self.rng.choice(RELAPSE_FIXES))
        self._resolve(gap=(5, 120))

    def _reopen_closed(self) -> None:
        self._add(self._gap(600, 4320, scaled=False), Do.REOPEN, self.customer.email)
        self.status = S.OPEN
        self._customer(self.rng.choice(RELAPSES), gap=(0.2, 2))
        self._reply(self.rng.choice(RELAPSE_FIXES))
        self._resolve(gap=(5, 120))
        self._close()

    # -- primitives

    def _reply(self, template: str, gap: tuple[float, float] = (10, 240)) -> None:
        body = self._fill(template)
        if self.source is not TicketSource.CHAT:
            staff = self._staff()
            sign_off = SIGN_OFFS[_staff_index(staff) % len(SIGN_OFFS)]
            body = f"{body}\n\n{sign_off},\n{_first_name(staff)}"
        self._add(self._gap(*gap, chat=(0.5, 6)), Do.REPLY, self._staff(), body=body)
        if self.status is S.NEW:
            self.status = S.OPEN

    def _note(self, template: str, gap: tuple[float, float] = (3, 60)) -> None:
        self._add(self._gap(*gap), Do.NOTE, self._staff(), body=self._fill(template))

    def _customer(self, template: str, gap: tuple[float, float], *, live: bool = True) -> None:
        """A customer message; `live` ones come within minutes when the ticket is a chat
        (a chaser or a relapse comes hours later whatever the channel)."""
        body = self._fill(template)
        if self.source in (TicketSource.EMAIL, TicketSource.FORM) and self.agent is not None:
            body = f"Hi {self.slots['agent']},\n\n{body}\n\n{self.customer.first_name}"
        chat = (0.5, 5) if live else None
        self._add(self._gap(*gap, chat=chat, scaled=False), Do.CUSTOMER_REPLY,
                  self.customer.email, body=body)
        # The service resumes a ticket waiting on the customer and reopens a resolved one.
        if self.status is S.RESOLVED or (
            self.status is S.WAITING and self.waiting_on is WaitReason.CUSTOMER
        ):
            self.status = S.OPEN

    def _wait(self, reason: WaitReason) -> None:
        self._add(self._gap(0.2, 2, scaled=False), Do.WAIT, self._staff(), reason=reason)
        self.status = S.WAITING
        self.waiting_on = reason

    def _staff(self) -> str:
        """Whoever handles the ticket now: its agent, else the group's supervisor."""
        if self.agent is not None:
            return self.agent
        return SUPERVISOR_OF[self.group or CARE]

    def _maybe(self, chance: float, action: Callable[[], None]) -> None:
        if self.rng.random() < chance:
            action()

    def _gap(
        self, low: float, high: float, *, chat: tuple[float, float] | None = None,
        scaled: bool = True,
    ) -> float:
        if chat is not None and self.source is TicketSource.CHAT:
            low, high = chat
        minutes = self.rng.uniform(low, high)
        return minutes * self.pace if scaled else minutes

    def _add(self, gap: float, do: Do, actor: str, **fields: object) -> None:
        step = Step(at=self.draft.created_at, do=do, actor=actor, **fields)  # type: ignore[arg-type]
        self.steps.append((gap, step))

    def _fill(self, template: str) -> str:
        return template.format_map(self.slots)

    def _timed(self) -> tuple[Step, ...]:
        """Lays the steps out after creation, squeezed if the story would end after `now`."""
        total = sum(gap for gap, _ in self.steps)
        room = (self.now - self.draft.created_at).total_seconds() / 60
        room -= min(5.0, room * 0.05)  # the last step stays in the past
        factor = min(1.0, room / total) if total > 0 else 1.0
        elapsed = 0.0
        timed = []
        for gap, step in self.steps:
            elapsed += gap * factor
            at = self.draft.created_at + timedelta(seconds=math.floor(elapsed * 60))
            timed.append(replace(step, at=at))
        return tuple(timed)


def _slots(rng: random.Random, scenario: Scenario, customer: CustomerSeed,
           now: datetime) -> dict[str, str]:
    return {
        "first": customer.first_name,
        "fullname": customer.name,
        "org": customer.organisation or customer.name,
        "agent": "",
        "product": _product_name(scenario.product) or COMPANY,
        "amount": f"${rng.randrange(19, 480)}.{rng.choice(['00', '50', '90'])}",
        "invoice": f"INV-{now.year}-{rng.randrange(1000, 9999):05d}",
        "ref": f"#{rng.randrange(100_000, 999_999)}",
        "eng": f"ENG-{rng.randrange(1200, 4800)}",
        "n": str(rng.randrange(12, 900)),
        "count": str(rng.randrange(3, 40)),
        "device": rng.choice(DEVICES),
        "browser": rng.choice(BROWSERS),
        "day": rng.choice(WEEKDAYS),
        "plan": rng.choice(PLANS),
        "party": scenario.party,
    }


def _product_name(key: str | None) -> str | None:
    return next((p.name for p in PRODUCTS if p.key == key), None)


def _first_name(email: str) -> str:
    return next(s.name.split()[0] for s in STAFF if s.email == email)


def _staff_index(email: str) -> int:
    return next(i for i, s in enumerate(STAFF) if s.email == email)


def _pick_agent(rng: random.Random, group: str) -> str:
    agents = [s for s in STAFF if s.role is Role.AGENT and group in s.groups]
    weights = [2.0 if s.email == DEMO_AGENT_EMAIL else 1.0 for s in agents]
    return rng.choices(agents, weights)[0].email


# --- loading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    loaded_now: bool  # False when the desk was already there
    tickets_added: int
    seconds: float
    groups: int
    staff: int
    agents: int
    customers: int
    organisations: int
    products: int
    categories: int
    category_examples: int
    tickets: int
    tickets_by_status: tuple[tuple[str, int], ...]
    messages: int
    events: int
    articles: int

    def describe(self) -> str:
        statuses = ", ".join(f"{count} {name}" for name, count in self.tickets_by_status)
        head = (
            f"Loaded the {COMPANY} demo desk ({self.tickets_added} tickets added) in "
            f"{self.seconds:.1f} s."
            if self.loaded_now
            else f"The {COMPANY} demo desk is already loaded; nothing was added."
        )
        logins = ", ".join(f"{role} {email}" for role, email in DEMO_LOGINS.items())
        return (
            f"{head} The desk holds {self.groups} groups, {self.staff} staff "
            f"({self.agents} agents), {self.customers} customers from {self.organisations} "
            f"organisations, {self.products} products, {self.categories} categories with "
            f"{self.category_examples} example texts, and {self.tickets} tickets ({statuses}) "
            f"with {self.messages} messages and {self.events} logged events, and "
            f"{self.articles} knowledge-base articles. Demo sign-ins: "
            f"{logins}; `helpdesk serve --print-demo-tokens` prints a token for each."
        )


@dataclass
class _Desk:
    """Ids of the demo directory by natural key, and actors loaded once per user."""

    users: dict[str, User]
    customers: dict[str, int]
    groups: dict[str, int]
    products: dict[str, int]
    categories: dict[str, int]
    actors: dict[str, Actor] = field(default_factory=dict)

    async def actor(self, email: str) -> Actor:
        if email not in self.actors:
            self.actors[email] = await load_actor(self.users[email])
        return self.actors[email]


async def load(*, now: datetime) -> DemoSummary:
    """Loads the demo desk (or completes a partly loaded one) and summarises the database."""
    started = time.perf_counter()
    now = _utc(now)
    plans = plan_desk(now)
    done = await _loaded_numbers()
    admin = await User.get_or_none(email=ADMIN.email)
    if admin is not None and all(p.number in done for p in plans) and not await _missing_articles():
        return await _summarise(loaded_now=False, added=0, seconds=0.0)
    desk = await _ensure_directory(admin, now)
    missing = [p for p in plans if p.number not in done]
    for start in range(0, len(missing), BATCH):
        await _play(missing[start : start + BATCH], desk)
    # After the history: dispatch settings acting on the old tickets would rewrite it.
    await _ensure_dispatch(desk, now)
    async with in_transaction():  # all or nothing, so a rerun after a crash completes it
        await _ensure_conversation_tools(desk)
    # Apart from the tools: a desk loaded before the knowledge base existed gets its articles.
    async with in_transaction():
        await _ensure_articles(desk, now)
    return await _summarise(
        loaded_now=True, added=len(missing), seconds=time.perf_counter() - started
    )


async def _loaded_numbers() -> set[int]:
    keys = await Ticket.filter(idempotency_key__contains=f":{KEY_PREFIX}").values_list(
        "idempotency_key", flat=True
    )
    numbers = set()
    for key in keys:
        suffix = str(key).rsplit(KEY_PREFIX, 1)[-1]
        if suffix.isdigit():
            numbers.add(int(suffix))
    return numbers


# -- the directory


async def _ensure_directory(admin: User | None, now: datetime) -> _Desk:
    """All of it in one transaction: a few hundred small writes, each of which would otherwise
    be its own commit (on SQLite, an fsync each)."""
    async with in_transaction():
        return await _ensure_directory_rows(admin, now)


async def _ensure_directory_rows(admin: User | None, now: datetime) -> _Desk:
    founded = now - timedelta(days=1200)  # the desk has been running for a while
    if admin is None:
        # The one row not made through a use case: someone must be admin to create the rest.
        admin = await User.create(email=ADMIN.email, name=ADMIN.name, role=ADMIN.role)
        await User.filter(id=admin.id).update(created_at=founded)
    actor = await load_actor(admin)
    groups = await _ensure_groups(actor, founded)
    users = await _ensure_staff(actor, groups, founded)
    users[admin.email] = admin
    customers = await _ensure_customers(actor, users, now)
    products = await _ensure_products(actor, founded)
    categories = await _ensure_categories(actor, groups, founded)
    await _ensure_priority_examples(actor)
    return _Desk(users=users, customers=customers, groups=groups, products=products,
                 categories=categories)


async def _ensure_groups(actor: Actor, founded: datetime) -> dict[str, int]:
    rows = {g.name: g.id for g in await Group.filter(name__in=[g.name for g in GROUPS])}
    created = []
    for seed in GROUPS:
        if seed.name not in rows:
            group = await directory.create_group(
                actor=actor, name=seed.name, description=seed.description, email=seed.email
            )
            rows[seed.name] = group.id
            created.append(group.id)
    await Group.filter(id__in=created).update(created_at=founded)
    return rows


async def _ensure_staff(actor: Actor, groups: dict[str, int], founded: datetime) -> dict[str, User]:
    users = {u.email: u for u in await User.filter(email__in=[s.email for s in STAFF])}
    created = []
    for seed in STAFF:
        if seed.email in users:
            continue
        user = await directory.create_user(
            actor=actor, email=seed.email, name=seed.name, role=seed.role
        )
        users[seed.email] = user
        created.append(user.id)
        for name in seed.groups:
            if user.role in STAFF_ROLES:
                await directory.set_membership(
                    actor=actor, group_id=groups[name], user_id=user.id, member=True
                )
    await User.filter(id__in=created).update(created_at=founded + timedelta(days=30))
    return users


async def _ensure_customers(actor: Actor, users: dict[str, User], now: datetime) -> dict[str, int]:
    """Customers with a CUSTOMER login each: their messages are written as them."""
    rows = {c.email: c for c in await Customer.filter(email__in=[c.email for c in CUSTOMERS])}
    for seed in CUSTOMERS:
        customer = rows.get(seed.email)
        fresh = customer is None
        if customer is None:
            customer = await directory.create_customer(
                actor=actor,
                data=directory.CustomerData(
                    name=seed.name, email=seed.email, organisation=seed.organisation,
                    tier=seed.tier, external_id=seed.external_id, phone=seed.phone,
                ),
            )
            rows[seed.email] = customer
        user = await directory.link_customer_login(customer=customer)
        users[seed.email] = user
        if fresh:
            since = now - timedelta(days=seed.customer_since_days)
            await Customer.filter(id=customer.id).update(created_at=since)
            await User.filter(id=user.id).update(created_at=since)
    return {email: c.id for email, c in rows.items()}


async def _ensure_products(actor: Actor, founded: datetime) -> dict[str, int]:
    rows = {p.name: p.id for p in await Product.filter(name__in=[p.name for p in PRODUCTS])}
    created = []
    for seed in PRODUCTS:
        if seed.name not in rows:
            product = await directory.create_product(
                actor=actor, name=seed.name, product_line=seed.product_line,
                description=seed.description,
            )
            rows[seed.name] = product.id
            created.append(product.id)
    await Product.filter(id__in=created).update(created_at=founded)
    return rows


async def _ensure_categories(
    actor: Actor, groups: dict[str, int], founded: datetime
) -> dict[str, int]:
    names = [c.name for c in CATEGORIES]
    rows = {c.name: c.id for c in await Category.filter(name__in=names)}
    created = []
    for seed in CATEGORIES:
        if seed.name not in rows:
            category = await directory.create_category(
                actor=actor, name=seed.name, description=seed.description,
                examples=list(seed.examples), default_group_id=groups[seed.default_group],
            )
            rows[seed.name] = category.id
            created.append(category.id)
    await Category.filter(id__in=created).update(created_at=founded)
    await CategoryExample.filter(category_id__in=created).update(created_at=founded)
    return rows


async def _ensure_priority_examples(actor: Actor) -> None:
    await triage.ensure_default_priority_rules()
    for priority, texts in PRIORITY_EXAMPLES.items():
        await triage.add_priority_examples(actor=actor, priority=priority, examples=list(texts))


async def _ensure_dispatch(desk: _Desk, now: datetime) -> None:
    """Strategies per group, the tiers, a default group, a routing rule and an on-call
    rotation for Technical Support. Agents start OFFLINE: the queues drain to whoever signs
    in and sets themselves ONLINE."""
    if await RoutingRule.exists():
        return
    groups = desk.groups
    plan = {
        CARE: (AssignmentStrategy.LEAST_LOADED, TECH),
        BILLING: (AssignmentStrategy.ROUND_ROBIN, None),
        TECH: (AssignmentStrategy.SKILLS, DEVS),
        DEVS: (AssignmentStrategy.LEAST_LOADED, None),
    }
    for name, (strategy, tier) in plan.items():
        await Group.filter(id=groups[name]).update(
            assignment_strategy=strategy,
            escalation_group_id=groups[tier] if tier else None,
            is_default=name == CARE,
        )
    await RoutingRule.create(name="Money matters to Billing", position=10, group_id=groups[BILLING],
                             keywords=["refund", "payout", "invoice", "charged twice"], tags=["money"])
    await RoutingRule.create(name="API and webhooks to Developer Success", position=20,
                             group_id=groups[DEVS], keywords=["api", "webhook", "sdk"], tags=["developers"])
    members = await GroupMembership.filter(group_id=groups[TECH]).order_by("user_id").values_list(
        "user_id", flat=True
    )
    agents = await User.filter(id__in=list(members), role=Role.AGENT).order_by("id").values_list(
        "id", flat=True
    )
    if agents:
        monday = (now - timedelta(days=now.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
        await OnCallSchedule.create(group_id=groups[TECH], participants=list(agents), starts_at=monday,
                                    shift_seconds=86400, time_zone="Europe/London", ack_timeout_seconds=600)


async def _ensure_conversation_tools(desk: _Desk) -> None:
    """Reply templates, macros and product rules as a desk would have them, made through
    the services (so they are validated like an admin's)."""
    if await ReplyTemplate.exists():
        return
    admin = await desk.actor(ADMIN.email)
    await reply_templates.upsert(
        actor=admin, template_id=None, name="Greeting and ticket key",
        body="Hello {{customer.name}},\n\nthank you for writing to Larkline. Your request is "
        "{{ticket.key}}; {{agent.name}} from {{group.name}} is looking after it.",
    )
    details = await reply_templates.upsert(
        actor=admin, template_id=None, name="Ask for details",
        body="Hello {{customer.name}},\n\nto look into \"{{ticket.subject}}\" we need a little "
        "more: the steps that lead to it, and a screenshot if you can.\n\n{{agent.name}}",
    )
    solved = await reply_templates.upsert(
        actor=admin, template_id=None, name="Solved, closing",
        body="Hello {{customer.name}},\n\nwe believe {{ticket.key}} is solved. Reply to this "
        "mail if anything is still wrong.\n\n{{agent.name}}",
    )
    await macros.upsert(
        actor=admin, macro_id=None, name="Ask the customer for details",
        description="Templated question, then wait on the customer.",
        actions=[{"type": "REPLY", "templateId": details.id},
                 {"type": "SET_WAITING", "reason": "CUSTOMER"}],
    )
    await macros.upsert(
        actor=admin, macro_id=None, name="Solved",
        description="Tell the customer, tag and resolve.",
        actions=[{"type": "REPLY", "templateId": solved.id},
                 {"type": "ADD_TAGS", "tags": ["solved-by-macro"]},
                 {"type": "SET_STATUS", "status": "RESOLVED"}],
    )
    await macros.upsert(
        actor=admin, macro_id=None, name="Send to Developer Success",
        description="API questions belong to the developer team.",
        actions=[{"type": "ASSIGN_GROUP", "groupId": desk.groups[DEVS]},
                 {"type": "ADD_TAGS", "tags": ["developers"]}],
    )
    for position, (name, product_key, keywords) in enumerate((
        ("Payment words", "Invoicing", ("invoice", "refund", "payout")),
        ("API words", "Connect", ("api", "webhook", "sdk")),
        ("App words", "Mobile", ("iphone", "android", "app store")),
    ), start=1):
        product = _product_name(product_key)
        if product is None:
            continue
        await product_rules.upsert_rule(
            actor=admin, rule_id=None,
            data=product_rules.RuleData(name=name, product_id=desk.products[product],
                                        position=position * 10, keywords=keywords),
        )


async def _missing_articles() -> list[str]:
    titles = [a.title for a in ARTICLES]
    present = set(await Article.filter(title__in=titles).values_list("title", flat=True))
    return [t for t in titles if t not in present]


async def _ensure_articles(desk: _Desk, now: datetime) -> None:
    """The help center's articles and the team's internal notes, through the knowledge service
    (validated as an admin's would be). No embeddings here: `helpdesk demo` never loads the
    model; the first suggestion encodes and caches them."""
    missing = set(await _missing_articles())
    admin = await desk.actor(ADMIN.email)
    for seed in ARTICLES:
        if seed.title not in missing:
            continue
        product = _product_name(seed.product)
        await knowledge.upsert(
            actor=admin,
            article_id=None,
            data=knowledge.ArticleData(
                title=seed.title, body=seed.body, visibility=seed.visibility, status=seed.status,
                product_id=desk.products[product] if product else None,
                category_id=desk.categories[seed.category], tags=seed.tags,
            ),
            expected_version=None,
            now=now - timedelta(days=seed.age_days),
            encoder=None,
        )


# -- the tickets


async def _play(plans: list[TicketPlan], desk: _Desk) -> None:
    """A few tickets' whole stories in one short transaction: a ticket is there complete or
    not at all (so a rerun after an interruption finds no half-told story), and SQLite pays
    one commit per batch instead of one per step (commits were half the loading time)."""
    async with in_transaction():
        for plan in plans:
            await _play_steps(plan, desk)


async def _play_steps(plan: TicketPlan, desk: _Desk) -> None:
    data = tickets.NewTicket(
        subject=plan.subject,
        description=plan.description,
        source=plan.source,
        customer_id=desk.customers[plan.customer],
        product_id=desk.products[plan.product] if plan.product else None,
        category_id=desk.categories[plan.category] if plan.category else None,
        group_id=desk.groups[plan.group] if plan.group else None,
        priority=plan.priority,
        idempotency_key=plan.idempotency_key,
    )
    ticket = await tickets.create(
        actor=await desk.actor(plan.creator), data=data, now=plan.created_at,
        publisher=PUBLISHER,
        # The history was triaged by people; today's untouched tickets wait for the
        # classifier, which the server runs on them when it starts.
        classify=plan.status is TicketStatus.NEW,
    )
    for step in plan.steps:
        ticket = await _apply(step, ticket.id, desk)
    if ticket.status is not plan.status or ticket.priority is not plan.final_priority:
        raise RuntimeError(
            f"demo ticket {plan.number} ended {ticket.status.value}/{ticket.priority.name}, "
            f"planned {plan.status.value}/{plan.final_priority.name}"
        )


async def _apply(step: Step, ticket_id: int, desk: _Desk) -> Ticket:
    actor = await desk.actor(step.actor)
    at = step.at
    match step.do:
        case Do.REPLY | Do.NOTE | Do.CUSTOMER_REPLY:
            assert step.body is not None
            ticket, _ = await tickets.add_reply(
                actor=actor, ticket_id=ticket_id, body=step.body, internal=step.do is Do.NOTE,
                expected_version=None, now=at, publisher=PUBLISHER,
            )
            return ticket
        case Do.ASSIGN:
            return await tickets.assign(
                actor=actor, ticket_id=ticket_id,
                agent_id=desk.users[step.agent].id if step.agent else None,
                group_id=desk.groups[step.group] if step.group else None,
                note=None, expected_version=None, now=at, publisher=PUBLISHER,
            )
        case Do.CATEGORY:
            return await tickets.set_category(
                actor=actor, ticket_id=ticket_id,
                category_id=desk.categories[step.category] if step.category else None,
                expected_version=None, now=at, publisher=PUBLISHER,
            )
        case Do.PRIORITY:
            assert step.priority is not None
            return await tickets.set_priority(
                actor=actor, ticket_id=ticket_id, priority=step.priority,
                expected_version=None, now=at, publisher=PUBLISHER,
            )
        case Do.WAIT:
            assert step.reason is not None
            return await tickets.set_waiting(
                actor=actor, ticket_id=ticket_id, reason=step.reason, expected_version=None,
                now=at, publisher=PUBLISHER,
            )
        case Do.RESUME:
            return await tickets.resume(
                actor=actor, ticket_id=ticket_id, expected_version=None, now=at,
                publisher=PUBLISHER,
            )
        case Do.RESOLVE:
            return await tickets.resolve(
                actor=actor, ticket_id=ticket_id, expected_version=None, now=at,
                publisher=PUBLISHER,
            )
        case Do.CLOSE:
            return await tickets.close(
                actor=actor, ticket_id=ticket_id, expected_version=None, now=at,
                publisher=PUBLISHER,
            )
        case Do.REOPEN:
            return await tickets.reopen(
                actor=actor, ticket_id=ticket_id, expected_version=None, now=at,
                publisher=PUBLISHER,
            )
    raise AssertionError(step.do)


# -- the summary


async def _summarise(*, loaded_now: bool, added: int, seconds: float) -> DemoSummary:
    organisations = await Customer.filter(organisation__isnull=False).distinct().values_list(
        "organisation", flat=True
    )
    by_status = []
    for status in TicketStatus:
        by_status.append((status.value, await Ticket.filter(status=status).count()))
    return DemoSummary(
        loaded_now=loaded_now,
        tickets_added=added,
        seconds=seconds,
        groups=await Group.all().count(),
        staff=await User.filter(role__in=list(STAFF_ROLES)).count(),
        agents=await User.filter(role=Role.AGENT).count(),
        customers=await Customer.all().count(),
        organisations=len(set(organisations)),
        products=await Product.all().count(),
        categories=await Category.all().count(),
        category_examples=await CategoryExample.all().count(),
        tickets=await Ticket.all().count(),
        tickets_by_status=tuple(by_status),
        messages=await Message.all().count(),
        events=await TicketEvent.all().count(),
        articles=await Article.all().count(),
    )
