import pytest

from domain.rules.product_rules import ProductRuleSpec, email_domain, match_product, matches

BY_RECIPIENT = ProductRuleSpec(id=1, product_id=10, recipient="Billing@Desk.test")
BY_DOMAIN = ProductRuleSpec(id=2, product_id=20, sender_domain="acme.test")
BY_KEYWORD = ProductRuleSpec(id=3, product_id=30, keywords=("widget", "smart lock"))
ALL_THREE = ProductRuleSpec(
    id=4, product_id=40, recipient="iot@desk.test", sender_domain="@ACME.test", keywords=("lock",)
)
NO_CONDITION = ProductRuleSpec(id=5, product_id=50)
BLANK_KEYWORDS = ProductRuleSpec(id=6, product_id=60, keywords=(" ", ""))
DISABLED = ProductRuleSpec(id=7, product_id=70, keywords=("widget",), enabled=False)


@pytest.mark.parametrize(
    ("rule", "recipient", "sender", "text", "expected"),
    [
        (BY_RECIPIENT, "billing@desk.test", None, "", True),  # addresses compare in any case
        (BY_RECIPIENT, "support@desk.test", None, "", False),
        (BY_RECIPIENT, None, "a@b.test", "billing", False),
        (BY_DOMAIN, None, "Ann@ACME.test", "", True),
        (BY_DOMAIN, None, "ann@sub.acme.test", "", False),  # the domain itself, not subdomains
        (BY_DOMAIN, None, None, "", False),
        (BY_KEYWORD, None, None, "My WIDGET broke", True),
        (BY_KEYWORD, None, None, "widgets are great", False),  # whole words only
        (BY_KEYWORD, None, None, "the smart\nlock jams", True),
        (BY_KEYWORD, None, None, "smartlock", False),
        (ALL_THREE, "IoT@desk.test", "x@acme.test", "the lock", True),
        (ALL_THREE, "iot@desk.test", "x@acme.test", "the door", False),  # every condition must hold
        (ALL_THREE, "iot@desk.test", "x@other.test", "the lock", False),
        (ALL_THREE, "other@desk.test", "x@acme.test", "the lock", False),
        (NO_CONDITION, "billing@desk.test", "x@acme.test", "widget", False),
        (BLANK_KEYWORDS, None, None, "anything at all", False),
        (DISABLED, None, None, "widget", False),
    ],
)
def test_matches(
    rule: ProductRuleSpec, recipient: str | None, sender: str | None, text: str, expected: bool
) -> None:
    assert matches(rule, recipient=recipient, sender_email=sender, text=text) is expected


@pytest.mark.parametrize(
    ("rules", "text", "expected"),
    [
        ([], "widget", None),
        ([BY_KEYWORD], "nothing here", None),
        ([BY_KEYWORD], "widget", 30),
        # position first, then id
        ([ProductRuleSpec(id=9, product_id=1, position=2, keywords=("widget",)),
          ProductRuleSpec(id=8, product_id=2, position=1, keywords=("widget",))], "widget", 2),
        ([ProductRuleSpec(id=9, product_id=1, keywords=("widget",)),
          ProductRuleSpec(id=8, product_id=2, keywords=("widget",))], "widget", 2),
        ([DISABLED, BY_KEYWORD], "widget", 30),  # a disabled rule is skipped
        ([NO_CONDITION, BY_KEYWORD], "widget", 30),
    ],
)
def test_match_product_takes_the_first_match(
    rules: list[ProductRuleSpec], text: str, expected: int | None
) -> None:
    assert match_product(rules, recipient=None, sender_email=None, text=text) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [("a@B.test", "b.test"), ("no-at", None), (None, None), ("a@", None), ("a@b@c.test", "c.test")],
)
def test_email_domain(address: str | None, expected: str | None) -> None:
    assert email_domain(address) == expected
