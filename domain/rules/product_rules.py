"""Which product a new ticket is about, when its creator named none: rules that are data.

A rule matches when every condition it sets holds: the address the customer wrote to, the
domain of the customer's email, one of its keywords as a whole word in the ticket's text.
The first match in order (position, then id) wins; a rule that sets no condition would
claim every ticket, so it never matches."""

from collections.abc import Sequence
from dataclasses import dataclass

from domain.rules.priority_rules import keyword_pattern


@dataclass(frozen=True)
class ProductRuleSpec:
    id: int
    product_id: int
    position: int = 0
    enabled: bool = True
    recipient: str | None = None
    sender_domain: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def has_condition(self) -> bool:
        return bool(self.recipient or self.sender_domain or any(k.strip() for k in self.keywords))


def email_domain(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip().lower() or None


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


def matches(rule: ProductRuleSpec, *, recipient: str | None, sender_email: str | None, text: str) -> bool:
    if not rule.enabled or not rule.has_condition:
        return False
    if rule.recipient and not _same(rule.recipient, recipient):
        return False
    if rule.sender_domain and not _same(rule.sender_domain.lstrip("@"), email_domain(sender_email)):
        return False
    keywords = [k for k in rule.keywords if k.strip()]
    return not keywords or any(keyword_pattern(k).search(text) for k in keywords)


def match_product(
    rules: Sequence[ProductRuleSpec], *, recipient: str | None, sender_email: str | None, text: str
) -> int | None:
    """The product of the first matching rule, or None."""
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if matches(rule, recipient=recipient, sender_email=sender_email, text=text):
            return rule.product_id
    return None
