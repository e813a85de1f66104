"""Signed, purpose-bound tokens for links sent out of the desk (the satisfaction survey).

A token is `base64url(payload).base64url(HMAC-SHA256(secret, purpose-tagged payload))`, the
payload naming its purpose, its subject (a ticket id) and when it was issued. Pure: the
secret and `now` are arguments, and nothing is stored, so a token is checked without a
database read; single use is the caller's business (one rating per ticket)."""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

# Longer is not ours: refused before any decoding work.
MAX_TOKEN_LENGTH = 512


class InvalidToken(ValueError):
    """Forged, tampered with, for another purpose, expired or not a token at all."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None


def _signature(secret: str, body: str) -> bytes:
    # The key is tagged, so a token can never be replayed as another HMAC the desk makes
    # with the same secret (webhook signatures).
    return hmac.new(
        secret.encode("utf-8"), b"helpdesk-token:" + body.encode("ascii"), hashlib.sha256
    ).digest()


def sign(*, purpose: str, subject: int, issued_at: datetime, secret: str) -> str:
    if not secret:
        raise ValueError("a secret is required to sign tokens")
    payload = {"p": purpose, "s": subject, "t": int(issued_at.timestamp())}
    body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{_b64encode(_signature(secret, body))}"


def verify(token: str, *, purpose: str, secret: str, now: datetime, max_age: timedelta) -> int:
    """The token's subject, or InvalidToken. The signature is checked before the payload is
    read, in constant time."""
    if not secret or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("not a token")
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature or not body.isascii():
        raise InvalidToken("not a token")
    if not hmac.compare_digest(_b64decode(signature), _signature(secret, body)):
        raise InvalidToken("bad signature")
    try:
        payload = json.loads(_b64decode(body))
        token_purpose, subject, issued = payload["p"], payload["s"], payload["t"]
    except (ValueError, TypeError, KeyError):
        raise InvalidToken("bad payload") from None
    if token_purpose != purpose:
        raise InvalidToken("issued for another purpose")
    if not isinstance(subject, int) or isinstance(subject, bool) or not isinstance(issued, int):
        raise InvalidToken("bad payload")
    if now - datetime.fromtimestamp(issued, UTC) > max_age:
        raise InvalidToken("expired")
    return subject
