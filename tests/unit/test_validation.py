import pytest

from domain.errors import BadUserInput
from domain.rules import validation


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  hi  ", "hi"), ("x" * 10, "x" * 10), ("", None), ("   ", None), ("x" * 11, None),
        ("ünï ✓", "ünï ✓"), ("a\x00b", None), ("a\ud800b", None),
    ],
)
def test_text(value: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(BadUserInput) as error:
            validation.text(value, field="subject", max_length=10)
        assert error.value.field == "subject"
    else:
        assert validation.text(value, field="subject", max_length=10) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A.B@Example.COM ", "a.b@example.com"),
        ("a@b", None),
        ("no-at.example.com", None),
        ("a b@c.de", None),
        ("a@b.c" + "o" * 260, None),
        ("a\x00@b.cd", None),
        ("me@evil.com,root", None),
        ("me@evil.com;root@x.yz", None),
        ("<me@evil.com>", None),
        ('"me"@evil.com', None),
        ("o'brien+tag@example.ie", "o'brien+tag@example.ie"),
        ("\udc80a@b.cd", None),
    ],
)
def test_email(value: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(BadUserInput):
            validation.email(value)
    else:
        assert validation.email(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" 7 ", 7), ("0", None), ("-1", None), ("abc", None), ("1.5", None), (str(2**63), None)],
)
def test_entity_id(value: str, expected: int | None) -> None:
    if expected is None:
        with pytest.raises(BadUserInput):
            validation.entity_id(value, field="id")
    else:
        assert validation.entity_id(value, field="id") == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("HD-12", 12), ("hd-12", 12), (" HD-3 ", 3), ("HX-12", None), ("HD-", None), ("12", None)],
)
def test_ticket_key(key: str, expected: int | None) -> None:
    if expected is None:
        with pytest.raises(BadUserInput):
            validation.ticket_key_number(key, prefix="HD")
    else:
        assert validation.ticket_key_number(key, prefix="HD") == expected
