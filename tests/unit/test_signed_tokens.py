"""Signed tokens: what verifies and what does not, case by case."""

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from domain.rules.signed_tokens import InvalidToken, sign, verify

SECRET = "unit-test-secret"
ISSUED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(days=30)


def good() -> str:
    return sign(purpose="survey", subject=42, issued_at=ISSUED, secret=SECRET)


def with_payload(payload: dict[str, object]) -> str:
    """A token whose payload was rewritten, keeping the original signature."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{body}.{good().split('.')[1]}"


def flip_last(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


@pytest.mark.parametrize(
    ("name", "make", "now", "secret", "purpose", "expected"),
    [
        ("round trip", good, ISSUED, SECRET, "survey", 42),
        ("round trip on the last valid second", good, ISSUED + MAX_AGE, SECRET, "survey", 42),
        ("expired", good, ISSUED + MAX_AGE + timedelta(seconds=1), SECRET, "survey", None),
        ("other purpose", good, ISSUED, SECRET, "unsubscribe", None),
        ("other secret", good, ISSUED, "another-secret", "survey", None),
        ("tampered payload", lambda: with_payload({"p": "survey", "s": 43, "t": 1772366400}),
         ISSUED, SECRET, "survey", None),
        ("tampered signature", lambda: flip_last(good()), ISSUED, SECRET, "survey", None),
        ("signature dropped", lambda: good().split(".")[0] + ".", ISSUED, SECRET, "survey", None),
        ("no dot", lambda: good().replace(".", ""), ISSUED, SECRET, "survey", None),
        ("garbage", lambda: "not a token at all", ISSUED, SECRET, "survey", None),
        ("empty", lambda: "", ISSUED, SECRET, "survey", None),
        ("non-ascii", lambda: "é." + good().split(".")[1], ISSUED, SECRET, "survey", None),
        ("too long", lambda: good() + "x" * 600, ISSUED, SECRET, "survey", None),
        ("empty secret verifies nothing", good, ISSUED, "", "survey", None),
    ],
)
def test_verify(
    name: str, make: Callable[[], str], now: datetime, secret: str, purpose: str, expected: int | None
) -> None:
    token = make()
    if expected is None:
        with pytest.raises(InvalidToken):
            verify(token, purpose=purpose, secret=secret, now=now, max_age=MAX_AGE)
    else:
        assert verify(token, purpose=purpose, secret=secret, now=now, max_age=MAX_AGE) == expected


def test_a_forged_signature_over_a_valid_looking_payload_fails() -> None:
    # Signed with another key over the same payload: what an outsider can make at best.
    forged = sign(purpose="survey", subject=42, issued_at=ISSUED, secret="guessed")
    with pytest.raises(InvalidToken):
        verify(forged, purpose="survey", secret=SECRET, now=ISSUED, max_age=MAX_AGE)


def test_tokens_are_url_safe() -> None:
    token = good()
    assert all(c.isalnum() or c in "-_." for c in token)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError):
        sign(purpose="survey", subject=1, issued_at=ISSUED, secret="")
