"""Triage use cases: classify new tickets (in batches), preview a text, learn from a
corrected category, the review queue, the classifier's accuracy, priority examples and rules."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from domain.enums import CustomerTier, EventKind, ExampleSource, Priority, PriorityOrigin, TriageState
from domain.errors import BadUserInput, Conflict, NotFound
from domain.events import Publisher
from domain.models import Category, CategoryExample, Customer, PriorityExample, PriorityRule, Ticket
from domain.rules import transitions, validation
from domain.rules.access import Actor, require_manager, require_staff
from domain.rules.priority_rules import DEFAULT_RULES, PriorityRuleSpec
from domain.rules.triage_decision import Scores, Verdict, decide, event_note
from domain.services import category_tree, dispatch
from domain.services.ticket_changes import EventDraft, TicketChange, change_ticket
from domain.services.triage_models import Scored, TrainedModels, TriageModels, bump_generation

DEFAULT_THRESHOLD = 0.7
# Whatever is queued is classified together, up to this many per encode call.
MAX_BATCH = 64


def ticket_text(subject: str, description: str) -> str:
    # The subject is the first line: the embedder weighs it on its own for long texts.
    return f"{subject.strip()}\n{description.strip()}"


# --- scoring ---------------------------------------------------------------------------


def _scores(scored: Scored) -> Scores:
    category, priority, family = scored.category, scored.priority, scored.category_family
    return Scores(
        category_id=int(category.label) if category is not None else None,
        category_confidence=category.confidence if category is not None else 0.0,
        priority=Priority[priority.label] if priority is not None else None,
        priority_confidence=priority.confidence if priority is not None else 0.0,
        family_id=int(family.label) if family is not None else None,
        family_confidence=family.confidence if family is not None else 0.0,
    )


async def priority_rules() -> list[PriorityRuleSpec]:
    rows = await PriorityRule.filter(enabled=True).order_by("position", "id")
    return [_spec(row) for row in rows]


def _spec(row: PriorityRule) -> PriorityRuleSpec:
    return PriorityRuleSpec(
        name=row.name,
        customer_tiers=frozenset(CustomerTier(t) for t in row.customer_tiers),
        keywords=tuple(row.keywords),
        raise_levels=row.raise_levels,
        minimum=row.minimum_priority,
    )


async def verdicts(
    *, models: TriageModels, texts: Sequence[str], tiers: Sequence[CustomerTier], threshold: float
) -> tuple[TrainedModels, list[Verdict]]:
    trained, scored = await models.score(texts)
    rules = await priority_rules()
    return trained, [
        decide(_scores(s), threshold=threshold, tier=tier, text=text, rules=rules, model=trained.model_name)
        for s, tier, text in zip(scored, tiers, texts, strict=True)
    ]


async def preview(
    *, actor: Actor, models: TriageModels, text: str, threshold: float
) -> Verdict:
    require_staff(actor, "preview classifications")
    clean = validation.text(text, field="text", max_length=validation.DESCRIPTION_MAX)
    _, [verdict] = await verdicts(models=models, texts=[clean], tiers=[CustomerTier.STANDARD],
                                  threshold=threshold)
    return verdict


# --- the classification job ------------------------------------------------------------


async def pending_ticket_ids(*, created_before: datetime, limit: int = 500) -> list[int]:
    """Tickets whose classification job was lost (a crash, a restart): the sweep re-queues them."""
    ids: list[int] = await Ticket.filter(  # type: ignore[assignment]
        triage_state=TriageState.PENDING, created_at__lte=created_before
    ).order_by("id").limit(limit).values_list("id", flat=True)
    return ids


async def classify_tickets(
    *, models: TriageModels, ticket_ids: Sequence[int], threshold: float, now: datetime, publisher: Publisher
) -> int:
    """Classifies the pending ones among `ticket_ids` with one encode call; each ticket is then
    changed in its own transaction. Safe to run twice: a classified ticket is left alone."""
    tickets = await Ticket.filter(id__in=list(ticket_ids), triage_state=TriageState.PENDING).order_by("id")
    if not tickets:
        return 0
    tiers = dict(await Customer.filter(id__in={t.customer_id for t in tickets}).values_list("id", "tier"))
    texts = [ticket_text(t.subject, t.description) for t in tickets]
    trained, results = await verdicts(
        models=models, texts=texts, tiers=[CustomerTier(tiers[t.customer_id]) for t in tickets],
        threshold=threshold,
    )
    category_ids = {v.category_id for v in results if v.category_id is not None}
    categories = {c.id: c for c in await Category.filter(id__in=category_ids)}
    nothing_learned = trained.categories is None and trained.priorities is None
    for ticket, verdict in zip(tickets, results, strict=True):
        category = categories.get(verdict.category_id) if verdict.category_id is not None else None
        await change_ticket(
            actor=None,
            ticket_id=ticket.id,
            expected_version=None,
            now=now,
            decide=_apply(verdict, category, skip=nothing_learned, now=now),
            publisher=publisher,
        )
        # The hand-off: with its category and priority known, dispatch routes and assigns it.
        await dispatch.dispatch(ticket_id=ticket.id, now=now, publisher=publisher, why="classified")
    return len(tickets)


def _apply(
    verdict: Verdict, category: Category | None, *, skip: bool, now: datetime
) -> Callable[[Ticket], TicketChange]:
    def apply(ticket: Ticket) -> TicketChange:
        if ticket.triage_state is not TriageState.PENDING:
            return TicketChange()  # done by another worker meanwhile
        # Marked in this transaction: dispatch follows once it has committed.
        if skip:
            return TicketChange(updates={"triage_state": TriageState.SKIPPED, **dispatch.marked(now)})
        name = category.name if category is not None else None
        updates: dict[str, object] = {
            **dispatch.marked(now),
            "triage_state": TriageState.DONE,
            "classification": verdict.to_json(),
            "classified_category_id": verdict.category_id,
        }
        note = event_note(verdict, name)
        events = [EventDraft(kind=EventKind.CLASSIFIED, after=verdict.to_json(), note=note)]
        editable = transitions.is_editable(ticket.status)
        # A person's choice always stands: the model only fills in what nobody set.
        if editable and category is not None and ticket.category_id is None:
            if verdict.needs_review:
                updates["needs_review"] = True
            else:
                updates["category_id"] = category.id
                events.append(EventDraft(kind=EventKind.CATEGORY_CHANGED, before={"categoryId": None},
                                         after={"categoryId": category.id}, note="classifier"))
        if (editable and ticket.priority_origin is PriorityOrigin.DEFAULT
                and verdict.suggested_priority is not ticket.priority):
            updates["priority"] = verdict.suggested_priority
            updates["priority_origin"] = PriorityOrigin.CLASSIFIER
            events.append(EventDraft(kind=EventKind.PRIORITY_CHANGED,
                                     before={"priority": ticket.priority.name},
                                     after={"priority": verdict.suggested_priority.name},
                                     note="suggested by the classifier: " + ", ".join(verdict.reasons)))
        return TicketChange(updates=updates, events=tuple(events))

    return apply


# --- corrections -----------------------------------------------------------------------


def learn_correction(ticket_id: int, category_id: int) -> Callable[[Ticket], Awaitable[None]]:
    """The ticket's text becomes an example of the category a person chose, in the same
    transaction as the change; a second correction of the ticket moves its example."""

    async def write(ticket: Ticket) -> None:
        await CategoryExample.filter(ticket_id=ticket_id, source=ExampleSource.CORRECTION).delete()
        await CategoryExample.create(
            category_id=category_id,
            text=ticket_text(ticket.subject, ticket.description)[: validation.EXAMPLE_MAX],
            source=ExampleSource.CORRECTION,
            ticket_id=ticket_id,
        )
        await bump_generation()

    return write


# --- review queue and accuracy ---------------------------------------------------------


def review_queue(actor: Actor) -> QuerySet[Ticket]:
    require_manager(actor, "read the triage review queue")
    return Ticket.filter(needs_review=True).order_by("priority", "created_at", "id")


@dataclass(frozen=True)
class AccuracyReport:
    classified: int  # tickets the classifier named a category for
    confirmed: int  # of those, how many a person has confirmed or corrected since
    correct: int  # of the confirmed, how many the classifier had right
    auto_routed: int  # classified above the threshold (no review needed)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.confirmed if self.confirmed else None


async def accuracy(
    *, tickets: QuerySet[Ticket], created_from: datetime, created_to: datetime
) -> AccuracyReport:
    rows = await tickets.filter(
        created_at__gte=created_from, created_at__lt=created_to, classified_category_id__isnull=False
    ).values_list("classified_category_id", "category_id", "category_confirmed", "classification")
    confirmed = [(guess, final, data) for guess, final, sure, data in rows if sure]
    parents = await category_tree.parents()

    def right(guess: int, final: int | None, data: dict[str, Any] | None) -> bool:
        # A person picking a subcategory of the parent the classifier rolled up to refines
        # its answer: the parent was right.
        if guess == final:
            return True
        return final is not None and bool(data and data.get("rolledUp")) and parents.get(final) == guess

    return AccuracyReport(
        classified=len(rows),
        confirmed=len(confirmed),
        correct=sum(1 for guess, final, data in confirmed if right(guess, final, data)),
        auto_routed=sum(1 for *_, data in rows if data and not data.get("needsReview")),
    )


# --- priority examples and rules -------------------------------------------------------


async def add_priority_examples(
    *, actor: Actor, priority: Priority, examples: list[str]
) -> list[PriorityExample]:
    require_manager(actor, "edit priority examples")
    texts = list(dict.fromkeys(
        validation.text(t, field="examples", max_length=validation.EXAMPLE_MAX) for t in examples
    ))
    if not texts:
        raise BadUserInput("Give at least one example text.", field="examples")
    known = set(await PriorityExample.filter(priority=priority).values_list("text", flat=True))
    async with in_transaction():
        created = [await PriorityExample.create(priority=priority, text=t) for t in texts if t not in known]
        if created:
            await bump_generation()
    return created


async def remove_priority_example(*, actor: Actor, example_id: int) -> None:
    require_manager(actor, "edit priority examples")
    async with in_transaction():
        if not await PriorityExample.filter(id=example_id).delete():
            raise NotFound("No priority example with that id.", field="exampleId")
        await bump_generation()


@dataclass(frozen=True)
class RuleData:
    name: str
    position: int
    enabled: bool
    customer_tiers: list[CustomerTier]
    keywords: list[str]
    raise_levels: int
    minimum_priority: Priority | None


def _validated(data: RuleData) -> RuleData:
    name = validation.text(data.name, field="name", max_length=validation.NAME_MAX)
    keywords = [validation.text(k, field="keywords", max_length=80).lower() for k in data.keywords]
    if not data.customer_tiers and not keywords:
        raise BadUserInput("A rule needs a condition: customer tiers, keywords or both.", field="keywords")
    if not 0 <= data.raise_levels <= 3:
        raise BadUserInput("raiseLevels is 0 to 3.", field="raiseLevels")
    if data.raise_levels == 0 and data.minimum_priority is None:
        raise BadUserInput("A rule needs an effect: raiseLevels or minimumPriority.", field="raiseLevels")
    return RuleData(name, data.position, data.enabled, list(dict.fromkeys(data.customer_tiers)),
                    list(dict.fromkeys(keywords)), data.raise_levels, data.minimum_priority)


async def upsert_priority_rule(*, actor: Actor, rule_id: int | None, data: RuleData) -> PriorityRule:
    require_manager(actor, "edit priority rules")
    clean = _validated(data)
    fields: dict[str, Any] = {
        "name": clean.name, "position": clean.position, "enabled": clean.enabled,
        "customer_tiers": [t.value for t in clean.customer_tiers], "keywords": clean.keywords,
        "raise_levels": clean.raise_levels, "minimum_priority": clean.minimum_priority,
    }
    try:
        if rule_id is None:
            return await PriorityRule.create(**fields)
        rule = await PriorityRule.get_or_none(id=rule_id)
        if rule is None:
            raise NotFound("No priority rule with that id.", field="id")
        await rule.update_from_dict(fields).save()
        return rule
    except IntegrityError:
        raise Conflict("A priority rule with that name exists.", field="name") from None


async def delete_priority_rule(*, actor: Actor, rule_id: int) -> None:
    require_manager(actor, "edit priority rules")
    if not await PriorityRule.filter(id=rule_id).delete():
        raise NotFound("No priority rule with that id.", field="id")


async def ensure_default_priority_rules() -> int:
    """A new desk starts with the default rules; an existing one keeps its own."""
    if await PriorityRule.exists():
        return 0
    for position, spec in enumerate(DEFAULT_RULES):
        await PriorityRule.get_or_create(
            name=spec.name,
            defaults={
                "position": position,
                "customer_tiers": sorted(t.value for t in spec.customer_tiers),
                "keywords": list(spec.keywords),
                "raise_levels": spec.raise_levels,
                "minimum_priority": spec.minimum,
            },
        )
    return len(DEFAULT_RULES)
