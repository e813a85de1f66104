"""Signed incoming webhooks, in the scheme of the desk's outgoing ones (server/webhooks.py):
`X-Helpdesk-Timestamp: <unix seconds>` and `X-Helpdesk-Signature: sha256=<hex>`, the hex an
HMAC-SHA256 under the shared secret of "<timestamp>.<raw body>". The timestamp must be
within a tolerance of now, so a captured request cannot be replayed later."""

import hashlib
import hmac
from enum import Enum

TOLERANCE_SECONDS = 300
PREFIX = "sha256="


class Verdict(str, Enum):
    OK = "OK"
    MISSING = "MISSING"
    MALFORMED = "MALFORMED"
    STALE = "STALE"
    MISMATCH = "MISMATCH"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now_seconds: float,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> Verdict:
    if not timestamp or not signature:
        return Verdict.MISSING
    stamp = timestamp.strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return Verdict.MALFORMED
    if abs(now_seconds - int(stamp)) > tolerance_seconds:
        return Verdict.STALE
    given = signature.strip()
    if not given.startswith(PREFIX):
        return Verdict.MALFORMED
    # The timestamp is signed as it was sent: the sender's bytes, not a normalised number.
    expected = sign(secret, stamp, body)
    if not hmac.compare_digest(given.lower().encode(), expected.encode()):
        return Verdict.MISMATCH
    return Verdict.OK
