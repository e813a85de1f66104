"""Every error leaves with an `extensions.code` of API.md; unexpected ones are masked.

Applied in `Schema.process_errors`, which strawberry calls for every result: queries,
mutations and each result of a subscription."""

import logging

from graphql import GraphQLError

from domain.errors import DomainError, ErrorCode, RateLimited
from domain.rules.rate_limit import shown_wait

logger = logging.getLogger("helpdesk.errors")

INTERNAL_MESSAGE = "Internal server error."


def apply_code(error: GraphQLError) -> None:
    """Sets the code (and masks the message of an unexpected error), in place."""
    if error.extensions and "code" in error.extensions:
        return  # already answered with a code (e.g. RATE_LIMITED)
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, object] = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
        if isinstance(original, RateLimited):
            extensions["retryAfterSeconds"] = shown_wait(original.retry_after_seconds)
        error.extensions = extensions
    elif original is None or isinstance(original, GraphQLError):
        # Parse, validation and variable coercion errors: the request itself is wrong.
        error.extensions = {**(error.extensions or {}), "code": ErrorCode.BAD_USER_INPUT.value}
    else:
        logger.error("unexpected error", exc_info=original)
        error.message = INTERNAL_MESSAGE
        error.original_error = None
        error.extensions = {"code": ErrorCode.INTERNAL.value}
