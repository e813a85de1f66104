"""Who may see an attachment of a ticket they can see."""

import pytest

from domain.enums import Role
from domain.rules.access import Actor
from domain.rules.attachment_access import may_see_attachment

AGENT = Actor(user_id=1, role=Role.AGENT)
CUSTOMER = Actor(user_id=2, role=Role.CUSTOMER, customer_ids=frozenset({5}))


@pytest.mark.parametrize(
    ("actor", "uploaded_by", "on_message", "internal", "expected"),
    [
        (AGENT, 9, True, True, True),  # staff see internal notes' files
        (AGENT, 9, False, False, True),  # and uploads not yet sent
        (CUSTOMER, 9, True, False, True),  # a public reply's file
        (CUSTOMER, 9, True, True, False),  # an internal note's file
        (CUSTOMER, 9, False, False, False),  # an agent's upload not yet sent
        (CUSTOMER, 2, False, False, True),  # their own upload
        (CUSTOMER, None, True, True, False),
    ],
)
def test_may_see(actor: Actor, uploaded_by: int | None, on_message: bool, internal: bool, expected: bool) -> None:
    assert may_see_attachment(
        actor, uploaded_by_id=uploaded_by, on_message=on_message, message_internal=internal
    ) is expected
