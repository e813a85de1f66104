"""Product rules: which product a new ticket is about when its creator named none, and
their administration (admins and supervisors)."""

import re
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import Customer, Product, ProductRule
from domain.rules import validation
from domain.rules.access import Actor, require_manager
from domain.rules.product_rules import ProductRuleSpec, match_product

KEYWORD_MAX = 80
MAX_KEYWORDS = 50
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _spec(row: ProductRule) -> ProductRuleSpec:
    return ProductRuleSpec(
        id=row.id,
        product_id=row.product_id,
        position=row.position,
        enabled=row.enabled,
        recipient=row.recipient,
        sender_domain=row.sender_domain,
        keywords=tuple(row.keywords or ()),
    )


async def product_for(
    *,
    recipient: str | None,
    customer_id: int | None,
    customer_email: str | None,
    subject: str,
    description: str,
) -> int | None:
    """The product of the first matching enabled rule; None when no rule matches."""
    rows = await ProductRule.filter(enabled=True).order_by("position", "id")
    if not rows:
        return None
    if customer_email is None and customer_id is not None and any(r.sender_domain for r in rows):
        customer = await Customer.get_or_none(id=customer_id)
        customer_email = customer.email if customer is not None else None
    return match_product(
        [_spec(r) for r in rows],
        recipient=recipient,
        sender_email=customer_email,
        text=f"{subject}\n{description}",
    )


# --- administration --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleData:
    name: str
    product_id: int
    position: int = 0
    enabled: bool = True
    recipient: str | None = None
    sender_domain: str | None = None
    keywords: tuple[str, ...] = ()


def _validated(data: RuleData) -> dict[str, Any]:
    name = validation.text(data.name, field="name", max_length=validation.NAME_MAX)
    recipient = validation.optional_text(data.recipient, field="recipient", max_length=254)
    if recipient is not None:
        recipient = validation.email(recipient, field="recipient")
    domain = validation.optional_text(data.sender_domain, field="senderDomain", max_length=254)
    if domain is not None:
        domain = domain.lower().lstrip("@")
        if not _DOMAIN.match(domain):
            raise BadUserInput("senderDomain must look like example.com.", field="senderDomain")
    if len(data.keywords) > MAX_KEYWORDS:
        raise BadUserInput(f"At most {MAX_KEYWORDS} keywords.", field="keywords")
    keywords = [validation.text(k, field="keywords", max_length=KEYWORD_MAX).lower() for k in data.keywords]
    if recipient is None and domain is None and not keywords:
        raise BadUserInput(
            "A rule needs a condition: recipient, senderDomain or keywords.", field="keywords"
        )
    return {
        "name": name,
        "product_id": data.product_id,
        "position": data.position,
        "enabled": data.enabled,
        "recipient": recipient,
        "sender_domain": domain,
        "keywords": list(dict.fromkeys(keywords)),
    }


async def list_rules(*, actor: Actor) -> list[ProductRule]:
    require_manager(actor, "read product rules")
    return await ProductRule.all().order_by("position", "id")


async def upsert_rule(*, actor: Actor, rule_id: int | None, data: RuleData) -> ProductRule:
    require_manager(actor, "edit product rules")
    fields = _validated(data)
    if not await Product.exists(id=data.product_id):
        raise BadUserInput("No product with that id.", field="productId")
    try:
        if rule_id is None:
            return await ProductRule.create(**fields)
        rule = await ProductRule.get_or_none(id=rule_id)
        if rule is None:
            raise NotFound("No product rule with that id.", field="id")
        await rule.update_from_dict(fields).save()
        return rule
    except IntegrityError:
        raise Conflict("A product rule with that name exists.", field="name") from None


async def delete_rule(*, actor: Actor, rule_id: int) -> None:
    require_manager(actor, "edit product rules")
    if not await ProductRule.filter(id=rule_id).delete():
        raise NotFound("No product rule with that id.", field="id")
