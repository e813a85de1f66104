"""The GraphQL schema and its extensions."""

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError, OperationType
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from schema.errors import apply_code
from schema.rate_limit import RateLimit
from schema.root import Mutation, Query, Subscription
from schema.scalars import UtcDateTime
from schema.shared_results import SharedResults, variables_key, view_key

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

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._shared_key()
        if key is None:
            return super().execute_operation(serially)
        shared: SharedResults = self.context_value.services.shared_results
        execute = super().execute_operation
        return shared.run(key, lambda: execute(serially))  # type: ignore[arg-type,return-value]

    def _shared_key(self) -> Any:
        """Set for a subscription event that names its logged event; None: execute alone."""
        if self.operation.operation is not OperationType.SUBSCRIPTION:
            return None
        root = self.root_value
        # Typed events carry `event_id`; ticketEvents yields the logged TicketEvent itself.
        event_id = getattr(root, "event_id", None) or (
            getattr(root, "id", None) if type(root).__name__ == "TicketEvent" else None
        )
        services = getattr(self.context_value, "services", None)
        view = view_key(getattr(self.context_value, "actor", None))
        if event_id is None or view is None or getattr(services, "shared_results", None) is None:
            return None
        # The parser cache hands every subscriber of one document the same operation node.
        return (id(self.operation), type(root).__name__, str(event_id), view,
                variables_key(self.variable_values.coerced))


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
        config=StrawberryConfig(scalar_map={datetime: UtcDateTime}),
        extensions=[
            lambda: AddValidationRules(list(rules)),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            RateLimit,
        ],
    )
