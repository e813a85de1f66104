"""Builds a small desk through the admin API, with unique names so tests never collide."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.gql import GraphQL


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Person:
    id: str
    email: str
    token: str


@dataclass
class Desk:
    gql: GraphQL
    admin: str
    group_id: str = ""
    other_group_id: str = ""
    agent: Person | None = None
    other_agent: Person | None = None
    supervisor: Person | None = None
    reporter: Person | None = None
    customer: Person | None = None  # id is the Customer id
    other_customer: Person | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def staff(self, role: str, group_ids: list[str]) -> Person:
        email = f"{unique(role.lower())}@staff.test"
        user = self.gql.ok(
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            {
                "i": {
                    "email": email,
                    "name": f"{role.title()} {email[:12]}",
                    "role": role,
                    "groupIds": group_ids,
                }
            },
            self.admin,
        )["createUser"]
        token = self.gql.ok("mutation($u: ID!) { issueApiToken(userId: $u) }", {"u": user["id"]}, self.admin)[
            "issueApiToken"
        ]
        return Person(user["id"], email, token)

    def new_customer(self, tier: str = "STANDARD") -> Person:
        email = f"{unique('customer')}@customer.test"
        customer = self.gql.ok(
            "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }",
            {"i": {"name": f"Customer {email[:14]}", "email": email, "tier": tier, "organisation": "Acme"}},
            self.admin,
        )["createCustomer"]
        token = self.gql.ok(
            "mutation($c: ID!) { issueCustomerToken(customerId: $c) }",
            {"c": customer["id"]},
            self.admin,
        )["issueCustomerToken"]
        return Person(customer["id"], email, token)

    def group(self) -> str:
        return str(
            self.gql.ok(
                "mutation($i: CreateGroupInput!) { createGroup(input: $i) { id } }",
                {"i": {"name": unique("Group")}},
                self.admin,
            )["createGroup"]["id"]
        )

    def ticket(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        assert self.customer is not None
        payload = {
            "subject": "Cannot sign in",
            "description": "The reset mail never arrives.",
            "customerId": self.customer.id,
            "groupId": self.group_id,
            **fields,
        }
        if token is not None and self.customer is not None and token == self.customer.token:
            payload.pop("groupId", None)
        result: dict[str, Any] = self.gql.ok(
            f"mutation($i: CreateTicketInput!) {{ createTicket(input: $i) {{ {TICKET_FIELDS} }} }}",
            {"i": payload},
            token or self.admin,
        )["createTicket"]
        return result


TICKET_FIELDS = """id key subject status waitReason priority version source createdAt
firstRespondedAt resolvedAt closedAt customer { id email } group { id } assignee { id }
events { kind before after note }"""


def build_desk(gql: GraphQL, admin: str) -> Desk:
    desk = Desk(gql=gql, admin=admin)
    desk.group_id = desk.group()
    desk.other_group_id = desk.group()
    desk.agent = desk.staff("AGENT", [desk.group_id])
    desk.other_agent = desk.staff("AGENT", [desk.other_group_id])
    desk.supervisor = desk.staff("SUPERVISOR", [desk.group_id])
    desk.reporter = desk.staff("REPORTER", [])
    desk.customer = desk.new_customer("VIP")
    desk.other_customer = desk.new_customer()
    return desk
