"""The GraphQL schema and its extensions."""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from schema.errors import apply_code
from schema.rate_limit import RateLimit
from schema.root import Mutation, Query, Subscription

MAX_DEPTH = 12
MAX_TOKENS = 5_000
MAX_ALIASES = 30


class PerEventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core 3.3 copies the executor per subscription event, sharing one memo of
    sub-fields that then grows by an entry per event for the subscription's life (measured
    about 1.2 KiB per delivery). Each event starts with a memo of its own."""

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor


class HelpdeskSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Expected errors (bad input, access, conflicts) are answers, not incidents: they get
        their code; unexpected ones are logged and masked."""
        for error in errors:
            apply_code(error)


def build_schema() -> strawberry.Schema:
    # The limiter rules are built once: new rule classes per request would defeat the
    # validation cache (a measured 13% of a tickets page's CPU; see bench/).
    rules = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    return HelpdeskSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=PerEventExecutionContext,
        extensions=[
            lambda: AddValidationRules(list(rules)),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            RateLimit,
        ],
    )
