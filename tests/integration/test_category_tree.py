"""Two levels of categories hold when admins edit at the same moment: an edit is applied to
the row as it is when written (not as it was read), and crossing re-parentings queue on
their row locks (never a deadlock on PostgreSQL) and the second is refused."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from domain.enums import TicketSource, TicketStatus
from domain.errors import BadUserInput
from domain.models import Category, Customer, Group, Ticket
from domain.services import directory
from tests.integration.crash_points import NOW, admin


async def test_a_rename_overlapping_a_reparenting_writes_no_loop(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = await admin()
    team = await Group.create(name="Billing team")
    billing = await directory.create_category(actor=actor, name="Billing", description=None, examples=[],
                                              default_group_id=None)
    refunds = await directory.create_category(actor=actor, name="Refunds", description=None, examples=[],
                                              default_group_id=None, parent_id=billing.id)
    real_get = directory._get

    async def another_admin_meanwhile(model: Any, entity_id: int, field: str) -> Any:
        # Admin B, while admin A's edit of Refunds is under way: Refunds made top-level, then
        # Billing put under it (allowed: Billing has no subcategories any more).
        row = await real_get(model, entity_id, field)
        await directory.update_category(actor=actor, category_id=refunds.id, name=None, description=None,
                                        parent_id=None, now=NOW)
        await directory.update_category(actor=actor, category_id=billing.id, name=None, description=None,
                                        parent_id=refunds.id, now=NOW)
        return row

    monkeypatch.setattr(directory, "_get", another_admin_meanwhile)
    # Admin A renames Refunds and gives it a default group; its parent is not A's business.
    await directory.update_category(actor=actor, category_id=refunds.id, name="Refunds and returns",
                                    description=None, default_group_id=team.id, now=NOW)

    stored = {c.id: c for c in await Category.filter(id__in=[billing.id, refunds.id])}
    assert stored[refunds.id].name == "Refunds and returns" and stored[refunds.id].default_group_id == team.id
    assert stored[refunds.id].parent_id is None and stored[billing.id].parent_id == refunds.id


async def test_crossing_reparentings_queue_and_the_second_is_refused(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = await admin()
    a = await directory.create_category(actor=actor, name="A", description=None, examples=[], default_group_id=None)
    b = await directory.create_category(actor=actor, name="B", description=None, examples=[], default_group_id=None)
    real_bump = directory.bump_generation

    async def slow_bump() -> None:
        await asyncio.sleep(0.3)  # holds its row locks while the other edit arrives
        await real_bump()

    monkeypatch.setattr(directory, "bump_generation", slow_bump)
    results = await asyncio.gather(
        directory.update_category(actor=actor, category_id=a.id, name=None, description=None, parent_id=b.id,
                                    now=NOW),
        directory.update_category(actor=actor, category_id=b.id, name=None, description=None, parent_id=a.id,
                                    now=NOW),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], BadUserInput), results
    assert refused[0].field == "parentId"
    parents = dict(await Category.filter(id__in=[a.id, b.id]).values_list("id", "parent_id"))
    assert parents in ({a.id: b.id, b.id: None}, {a.id: None, b.id: a.id}), parents  # two levels, no loop


async def test_a_new_parent_sends_the_categorys_open_tickets_to_an_sla_recheck(database: None) -> None:
    """Reads compute SLA figures live, but the stored due time and next alert drive the
    timers and the workbench: the sweep recomputes them with the parent's policies."""
    actor = await admin()
    billing = await directory.create_category(actor=actor, name="Billing", description=None, examples=[],
                                              default_group_id=None)
    loose = await directory.create_category(actor=actor, name="Loose", description=None, examples=[],
                                            default_group_id=None)
    other = await directory.create_category(actor=actor, name="Other", description=None, examples=[],
                                            default_group_id=None)
    customer = await Customer.create(email="c@example.com", name="C")
    later = NOW + timedelta(days=3)

    async def ticket(category: Category, status: TicketStatus) -> int:
        row = await Ticket.create(subject="s", description="d", source=TicketSource.API, customer=customer,
                                  category=category, status=status, sla_next_alert_at=later,
                                  created_at=NOW, updated_at=NOW)
        return row.id

    open_one, closed_one, elsewhere = (await ticket(loose, TicketStatus.OPEN), await ticket(loose, TicketStatus.CLOSED),
                                       await ticket(other, TicketStatus.OPEN))
    await directory.update_category(actor=actor, category_id=loose.id, name=None, description=None,
                                    parent_id=billing.id, now=NOW)
    alerts = dict(await Ticket.all().values_list("id", "sla_next_alert_at"))
    assert (alerts[open_one], alerts[closed_one], alerts[elsewhere]) == (NOW, later, later)
