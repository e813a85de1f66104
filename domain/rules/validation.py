"""Input validation with messages a frontend can show next to the field."""

import re

from domain.errors import BadUserInput

# Deliberately simple: one @, a dot in the domain, no spaces, and none of the characters
# that separate or quote addresses in a header ("a@b.c,root" would mail two people).
# Real verification is a mail.
_EMAIL = re.compile(r"^[^@\s,;:<>()\"\[\]\\]+@[^@\s,;:<>()\"\[\]\\]+\.[^@\s,;:<>()\"\[\]\\]+$")

SUBJECT_MAX = 200
DESCRIPTION_MAX = 20_000
BODY_MAX = 20_000
NAME_MAX = 120
NOTE_MAX = 2_000
IDEMPOTENCY_KEY_MAX = 100
EXAMPLE_MAX = 2_000


def storable(value: str, *, field: str) -> str:
    """Text a database can keep: PostgreSQL refuses NUL characters, and a lone surrogate
    (valid in JSON's \\u escapes, not in UTF-8) fails to encode at write time."""
    if "\x00" in value:
        raise BadUserInput(f"{field} contains a NUL character.", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadUserInput(f"{field} is not valid Unicode text.", field=field) from None
    return value


def text(value: str, *, field: str, max_length: int, min_length: int = 1) -> str:
    """Trims the value and checks its length."""
    cleaned = storable(value, field=field).strip()
    if len(cleaned) < min_length:
        raise BadUserInput(f"{field} must not be empty.", field=field)
    if len(cleaned) > max_length:
        raise BadUserInput(f"{field} must be at most {max_length} characters.", field=field)
    return cleaned


def optional_text(value: str | None, *, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        return None
    return text(cleaned, field=field, max_length=max_length)


def email(value: str, *, field: str = "email") -> str:
    cleaned = storable(value, field=field).strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise BadUserInput(f"{field} is not a valid email address.", field=field)
    return cleaned


def entity_id(value: str | int, *, field: str) -> int:
    """IDs are positive integers on the wire as strings."""
    try:
        parsed = int(str(value).strip())
    except ValueError:
        raise BadUserInput(f"{field} is not a valid id.", field=field) from None
    if parsed <= 0 or parsed >= 2**63:
        raise BadUserInput(f"{field} is not a valid id.", field=field)
    return parsed


def ticket_key_number(key: str, *, prefix: str) -> int:
    """`HD-1042` -> 1042."""
    cleaned = key.strip().upper()
    head = f"{prefix}-"
    if not cleaned.startswith(head):
        raise BadUserInput(f"key must look like {prefix}-123.", field="key")
    return entity_id(cleaned[len(head) :], field="key")


def page_size(first: int, *, maximum: int = 200) -> int:
    if first < 0 or first > maximum:
        raise BadUserInput(f"first must be between 0 and {maximum}.", field="first")
    return first
