import pytest

from domain.rules.webhook_signature import Verdict, sign, verify
from server.webhooks import sign as outgoing_sign

SECRET = "chan-secret"
BODY = b'{"message":{"id":"m1","text":"hi"}}'
NOW = 1_700_000_000
STAMP = str(NOW)
GOOD = sign(SECRET, STAMP, BODY)


def test_the_scheme_is_the_one_outgoing_webhooks_use() -> None:
    assert sign(SECRET, STAMP, BODY) == outgoing_sign(SECRET, STAMP, BODY)


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "expected"),
    [
        (STAMP, GOOD, BODY, NOW, Verdict.OK),
        (STAMP, GOOD.upper().replace("SHA256=", "sha256="), BODY, NOW, Verdict.OK),  # hex in any case
        (STAMP, GOOD, BODY, NOW + 300, Verdict.OK),  # the edge of the window
        (STAMP, GOOD, BODY, NOW - 300, Verdict.OK),  # a sender's clock a little ahead
        (STAMP, GOOD, BODY, NOW + 301, Verdict.STALE),
        (STAMP, GOOD, BODY, NOW - 301, Verdict.STALE),
        (None, GOOD, BODY, NOW, Verdict.MISSING),
        (STAMP, None, BODY, NOW, Verdict.MISSING),
        ("", GOOD, BODY, NOW, Verdict.MISSING),
        ("17e8", GOOD, BODY, NOW, Verdict.MALFORMED),
        ("-1", GOOD, BODY, NOW, Verdict.MALFORMED),
        ("9" * 40, GOOD, BODY, NOW, Verdict.MALFORMED),
        (STAMP, GOOD.removeprefix("sha256="), BODY, NOW, Verdict.MALFORMED),
        (STAMP, GOOD, BODY + b" ", NOW, Verdict.MISMATCH),  # the raw body, byte for byte
        (STAMP, sign("other", STAMP, BODY), BODY, NOW, Verdict.MISMATCH),
        # the timestamp is signed too: a fresh stamp on an old signature fails
        (str(NOW + 10), GOOD, BODY, NOW, Verdict.MISMATCH),
        (STAMP, "sha256=", BODY, NOW, Verdict.MISMATCH),
    ],
)
def test_verify(
    timestamp: str | None, signature: str | None, body: bytes, now: int, expected: Verdict
) -> None:
    assert verify(secret=SECRET, timestamp=timestamp, signature=signature, body=body, now_seconds=now) is expected
