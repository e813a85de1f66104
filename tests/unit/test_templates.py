"""Reply templates: which variables a body may use, and how it renders."""

import pytest

from domain.errors import BadUserInput
from domain.rules import templates

FULL = templates.values(
    customer_name="Ada", customer_email="ada@example.test", ticket_key="HD-7", ticket_subject="Login",
    ticket_status="OPEN", ticket_priority="HIGH", agent_name="Bob", group_name="Billing",
    product_name="Widget",
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hello {{customer.name}}, about {{ticket.key}}. {{agent.name}}", "Hello Ada, about HD-7. Bob"),
        ("{{ customer.email }}|{{ticket.subject}}|{{ticket.status}}", "ada@example.test|Login|OPEN"),
        ("{{ticket.priority}} {{group.name}} {{product.name}}", "HIGH Billing Widget"),
        ("{{\tagent.name\n}}", "Bob"),
        ("no variables at all", "no variables at all"),
        ("{{customer.name}}{{customer.name}}", "AdaAda"),
        ("", ""),
    ],
)
def test_render(body: str, expected: str) -> None:
    assert templates.variables_in(body) is not None
    assert templates.render(body, FULL) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hi {{customer.name}} from {{group.name}}", "Hi  from "),
        ("{{product.name}}", ""),
    ],
)
def test_missing_values_render_empty(body: str, expected: str) -> None:
    assert templates.render(body, templates.values()) == expected


def test_a_value_that_looks_like_a_placeholder_is_not_expanded() -> None:
    values = templates.values(customer_name="{{agent.name}}", agent_name="Bob")
    assert templates.render("{{customer.name}}", values) == "{{agent.name}}"


@pytest.mark.parametrize(
    "body",
    [
        "{{customer.password}}",
        "{{customer}}",
        "{{ customer.name.__class__ }}",
        "{{__import__('os').system('id')}}",
        "{{ticket.customer.name}}",
        "{{}}",
        "{{ CUSTOMER.NAME }}",
        "Hello {{customer.name}} and {{agent.email}}",
    ],
)
def test_unknown_variables_are_refused_naming_the_allowed_ones(body: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        templates.variables_in(body)
    assert raised.value.field == "body"
    for name in templates.VARIABLES:
        assert name in raised.value.message


@pytest.mark.parametrize("body", ["Hello {{customer.name", "Hello }} there", "{{ticket.key}} {{", "{{{ticket.key}}"])
def test_malformed_placeholders_are_refused(body: str) -> None:
    with pytest.raises(BadUserInput):
        templates.variables_in(body)


def test_variables_in_lists_them_in_order() -> None:
    assert templates.variables_in("{{agent.name}} {{ ticket.key }}") == ("agent.name", "ticket.key")
