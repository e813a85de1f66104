"""A change that moves a ticket to another group settles a pending reroute (table-tested)."""

from typing import Any

import pytest

from domain.services.ticket_changes import settling_reroute


@pytest.mark.parametrize(
    ("updates", "current_group", "expected"),
    [
        # a transfer or escalation to another group settles it
        ({"group_id": 2, "assignee_id": None}, 1, {"group_id": 2, "assignee_id": None, "dispatch_reroute": False}),
        # dispatch routing a ticket that had no group
        ({"group_id": 2}, None, {"group_id": 2, "dispatch_reroute": False}),
        # the same group is no move
        ({"group_id": 1, "assignee_id": 7}, 1, {"group_id": 1, "assignee_id": 7}),
        # a change without a group leaves it alone
        ({"priority": 1}, 1, {"priority": 1}),
        ({}, None, {}),
        # a change that marks a reroute itself keeps what it says
        ({"group_id": 2, "dispatch_reroute": True}, 1, {"group_id": 2, "dispatch_reroute": True}),
    ],
)
def test_settling_reroute(updates: dict[str, Any], current_group: int | None, expected: dict[str, Any]) -> None:
    before = dict(updates)
    assert settling_reroute(updates, current_group) == expected
    assert updates == before  # the caller's change is not altered
