"""The rate-limit extension: the counting itself is the app's (server.rate_limit)."""

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import ErrorCode


class RateLimit(SchemaExtension):
    """Answers RATE_LIMITED instead of executing once a caller is over its limit."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        ctx = self.execution_context.context
        limiter = getattr(ctx.services, "rate_limiter", None)
        if limiter is not None:
            identity = f"user:{ctx.user.id}" if ctx.user is not None else f"ip:{ctx.client_host}"
            wait = await limiter.check(identity)
            if wait is not None:
                self.execution_context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"Too many requests; retry in {wait:.0f} s.",
                            extensions={
                                "code": ErrorCode.RATE_LIMITED.value,
                                "retryAfterSeconds": round(wait, 1),
                            },
                        )
                    ],
                )
        yield
