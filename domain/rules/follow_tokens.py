"""Follow links: a token that shows one ticket's public view to whoever holds it.

The token is "<ticket id>.<signature>", the signature an HMAC-SHA256 of the purpose and the
ticket id under a key derived from the desk's secret, so a token made for another purpose
(or with another secret) never verifies here. No expiry: the link is the customer's way back
to their ticket for as long as it exists."""

import base64
import hashlib
import hmac

PURPOSE = "follow"


def _key(secret: str) -> bytes:
    # A key of its own for this purpose: other signed tokens of the desk share the secret.
    return hmac.new(secret.encode(), b"helpdesk-token-key:" + PURPOSE.encode(), hashlib.sha256).digest()


def _signature(secret: str, ticket_id: int) -> str:
    digest = hmac.new(_key(secret), f"{PURPOSE}:{ticket_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(secret: str, ticket_id: int) -> str:
    if not secret:
        raise ValueError("a secret key is required to sign follow tokens")
    return f"{ticket_id}.{_signature(secret, ticket_id)}"


def verify(secret: str, token: str) -> int | None:
    """The ticket id the token was issued for, or None when it is not one of ours."""
    if not secret or len(token) > 200:
        return None
    head, dot, signature = token.partition(".")
    if not dot or not head.isascii() or not head.isdigit() or head.startswith("0"):
        return None
    ticket_id = int(head)
    if ticket_id >= 2**63:
        return None
    if not hmac.compare_digest(signature.encode(), _signature(secret, ticket_id).encode()):
        return None
    return ticket_id
