"""The demo planner is pure but depends on the date it is loaded on: a story that breaks a
service rule fails only on the days that draw it. So the plans are checked over many days."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.services.demo import plan_desk
from domain.services.demo_data import CUSTOMERS

CUSTOMER_EMAILS = {c.email for c in CUSTOMERS}
DAYS = [datetime(2026, 1, 1, 9, 30, tzinfo=UTC) + timedelta(days=11 * i, hours=5 * i) for i in range(34)] + [
    datetime(2026, 11, 27, 0, 10, tzinfo=UTC)
]  # the day CI first drew one


@pytest.mark.parametrize("now", DAYS, ids=lambda d: d.strftime("%Y-%m-%d-%H"))
def test_customers_open_tickets_without_choosing_triage(now: datetime) -> None:
    plans = plan_desk(now)
    by_customers = [p for p in plans if p.creator in CUSTOMER_EMAILS]
    assert by_customers, "some demo tickets are opened by their customers"
    for plan in by_customers:
        # tickets.create refuses these from a customer (Forbidden)
        assert (plan.priority, plan.group, plan.category) == (None, None, None), plan.number
