"""Every error leaves with an `extensions.code` of API.md; unexpected ones are masked."""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError, ErrorCode

logger = logging.getLogger("helpdesk.errors")

INTERNAL_MESSAGE = "Internal server error."


def with_code(error: GraphQLError) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error  # already answered with a code (e.g. RATE_LIMITED)
    original = error.original_error
    if isinstance(original, DomainError):
        extensions = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(
            error.message, error.nodes, error.source, error.positions, error.path, original, extensions
        )
    if original is None or isinstance(original, GraphQLError):
        # Parse, validation and variable coercion errors: the request itself is wrong.
        extensions = {**(error.extensions or {}), "code": ErrorCode.BAD_USER_INPUT.value}
        return GraphQLError(
            error.message, error.nodes, error.source, error.positions, error.path, original, extensions
        )
    logger.error("unexpected error", exc_info=original)
    return GraphQLError(
        INTERNAL_MESSAGE,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": ErrorCode.INTERNAL.value},
    )


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [with_code(e) for e in errors]
