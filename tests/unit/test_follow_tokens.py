import pytest

from domain.rules import follow_tokens

SECRET = "desk-secret"


def test_a_token_verifies_to_its_ticket() -> None:
    token = follow_tokens.issue(SECRET, 42)
    assert follow_tokens.verify(SECRET, token) == 42
    assert follow_tokens.issue(SECRET, 42) == token  # deterministic: the link can be shown again


def _tampered() -> list[tuple[str, str]]:
    good = follow_tokens.issue(SECRET, 42)
    head, _, signature = good.partition(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_ticket_signature = follow_tokens.issue(SECRET, 43).partition(".")[2]
    return [
        ("another secret", follow_tokens.issue("other-secret", 42)),
        ("flipped signature", f"{head}.{flipped}"),
        ("another ticket's signature", f"{head}.{other_ticket_signature}"),
        ("id changed", f"43.{signature}"),
        ("leading zero", f"042.{signature}"),
        ("no signature", head),
        ("empty", ""),
        ("not a number", f"x.{signature}"),
        ("negative", f"-42.{signature}"),
        ("unicode digits", f"٤٢.{signature}"),
        ("huge id", f"{2**64}.{signature}"),
        ("too long", f"{head}.{'a' * 500}"),
    ]


@pytest.mark.parametrize(("case", "token"), _tampered())
def test_anything_else_is_refused(case: str, token: str) -> None:
    assert follow_tokens.verify(SECRET, token) is None, case


def test_a_follow_token_is_not_a_plain_hmac_of_the_id() -> None:
    """Bound to its purpose: a signature other code makes of the bare id does not pass."""
    import base64
    import hashlib
    import hmac

    bare = base64.urlsafe_b64encode(hmac.new(SECRET.encode(), b"42", hashlib.sha256).digest())
    assert follow_tokens.verify(SECRET, f"42.{bare.rstrip(b'=').decode()}") is None


def test_no_secret_no_token() -> None:
    with pytest.raises(ValueError):
        follow_tokens.issue("", 1)
    assert follow_tokens.verify("", "1.abc") is None
