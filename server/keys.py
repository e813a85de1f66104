"""Every Redis key prefix of the product, in one place."""

RATE_LIMIT_PREFIX = "helpdesk:ratelimit:"


def rate_limit_key(identity: str, window_index: int) -> str:
    return f"{RATE_LIMIT_PREFIX}{identity}:{window_index}"
