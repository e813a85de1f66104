"""Admin operations for groups, agents, customers, products and categories."""

from tests.api.desk import Desk, unique


def test_groups_and_membership(desk: Desk) -> None:
    group = desk.gql.ok(
        'mutation($n: String!) { createGroup(input: {name: $n, description: "Tier 2", email: "T2@Example.com"}) { id name email } }',
        {"n": unique("Tier 2")},
        desk.admin,
    )["createGroup"]
    assert group["email"] == "t2@example.com"
    agent = desk.staff("AGENT", [])
    desk.gql.ok(
        "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }",
        {"g": group["id"], "u": agent.id},
        desk.admin,
    )
    desk.gql.ok(
        "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }",
        {"g": group["id"], "u": agent.id},
        desk.admin,
    )  # twice is fine
    members = desk.gql.ok("query { groups { id members { id } } }", None, desk.admin)["groups"]
    assert [m["id"] for g in members if g["id"] == group["id"] for m in g["members"]] == [agent.id]
    me = desk.gql.ok("{ me { groups { id } } }", None, agent.token)["me"]
    assert me["groups"] == [{"id": group["id"]}]
    desk.gql.ok(
        "mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }",
        {"g": group["id"], "u": agent.id},
        desk.admin,
    )
    assert desk.gql.ok("{ me { groups { id } } }", None, agent.token)["me"]["groups"] == []
    renamed = desk.gql.ok(
        "mutation($i: UpdateGroupInput!) { updateGroup(input: $i) { name } }",
        {"i": {"id": group["id"], "name": "Renamed " + group["name"]}},
        desk.admin,
    )
    assert renamed["updateGroup"]["name"].startswith("Renamed")


def test_users(desk: Desk) -> None:
    agent = desk.staff("AGENT", [desk.group_id])
    listed = desk.gql.ok(
        "query($g: ID) { agents(groupId: $g) { id groups { id } } }", {"g": desk.group_id}, desk.admin
    )
    assert agent.id in [a["id"] for a in listed["agents"]]
    updated = desk.gql.ok(
        "mutation($i: UpdateUserInput!) { updateUser(input: $i) { role isActive } }",
        {"i": {"id": agent.id, "role": "SUPERVISOR", "isActive": False}},
        desk.admin,
    )
    assert updated["updateUser"] == {"role": "SUPERVISOR", "isActive": False}
    assert desk.gql.error("{ me { id } }", token=agent.token).code == "UNAUTHENTICATED"
    dup = desk.gql.error(
        'mutation($e: String!) { createUser(input: {email: $e, name: "X", role: AGENT}) { id } }',
        {"e": agent.email},
        desk.admin,
    )
    assert dup.code == "CONFLICT"


def test_customers(desk: Desk) -> None:
    email = f"{unique('c')}@org.test"
    created = desk.gql.ok(
        "mutation($i: CustomerInput!) { createCustomer(input: $i) { id tier organisation externalId } }",
        {
            "i": {
                "name": "Dana",
                "email": email,
                "tier": "VIP",
                "organisation": "Globex",
                "externalId": unique("crm"),
            }
        },
        desk.admin,
    )["createCustomer"]
    assert (created["tier"], created["organisation"]) == ("VIP", "Globex")
    updated = desk.gql.ok(
        "mutation($id: ID!) { updateCustomer(id: $id, input: {tier: PREMIUM}) { tier name } }",
        {"id": created["id"]},
        desk.admin,
    )["updateCustomer"]
    assert updated == {"tier": "PREMIUM", "name": "Dana"}
    found = desk.gql.ok("query($s: String) { customers(search: $s) { id } }", {"s": email[:10]}, desk.admin)
    assert [c["id"] for c in found["customers"]] == [created["id"]]
    assert (
        desk.gql.error(
            "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }",
            {"i": {"name": "Again", "email": email}},
            desk.admin,
        ).code
        == "CONFLICT"
    )


def test_products_and_categories(desk: Desk) -> None:
    product = desk.gql.ok(
        'mutation($n: String!) { createProduct(input: {name: $n, productLine: "Cloud"}) { id productLine } }',
        {"n": unique("Sync")},
        desk.admin,
    )["createProduct"]
    assert product["productLine"] == "Cloud"
    category = desk.gql.ok(
        'mutation($n: String!, $g: ID) { createCategory(input: {name: $n, examples: ["a", "b"], defaultGroupId: $g}) { id defaultGroup { id } examples { id text } } }',
        {"n": unique("Account"), "g": desk.group_id},
        desk.admin,
    )["createCategory"]
    assert category["defaultGroup"] == {"id": desk.group_id}
    more = desk.gql.ok(
        'mutation($c: ID!) { addCategoryExamples(categoryId: $c, examples: ["b", "c"]) { examples { text } } }',
        {"c": category["id"]},
        desk.admin,
    )["addCategoryExamples"]
    assert [e["text"] for e in more["examples"]] == ["a", "b", "c"]
    fewer = desk.gql.ok(
        "mutation($e: ID!) { removeCategoryExample(exampleId: $e) { examples { text } } }",
        {"e": category["examples"][0]["id"]},
        desk.admin,
    )["removeCategoryExample"]
    assert [e["text"] for e in fewer["examples"]] == ["b", "c"]
    # a ticket in a category with a default group lands in that group
    ticket = desk.ticket(groupId=None, categoryId=category["id"])
    assert ticket["group"] == {"id": desk.group_id}
    cleared = desk.gql.ok(
        "mutation($i: UpdateCategoryInput!) { updateCategory(input: $i) { defaultGroup { id } } }",
        {"i": {"id": category["id"], "defaultGroupId": None}},
        desk.admin,
    )
    assert cleared["updateCategory"]["defaultGroup"] is None
