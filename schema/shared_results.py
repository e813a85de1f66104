"""One execution per event and selection, shared by every subscriber who would get the
same answer.

A broadcast to 1,000 subscribers used to execute the same selection set 1,000 times on the
same event (graphql-core's field completion is most of the fan-out's CPU: bench/subscribers.py).
Subscribers who sent the same document with the same variables and see the same view of a
ticket get the same result, so the first one executes it and the rest await that result.

What a view depends on: staff see every field alike once the event has passed their access
check (which `follow` makes per subscriber before yielding); a customer's view hides
internal messages and most of the log, so each customer gets their own result.
"""

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from graphql import ExecutionResult

# Recent events only: a result is worth sharing for the moments its broadcast takes.
DEFAULT_SIZE = 256


def view_key(actor: Any) -> Hashable | None:
    if actor is None:
        return None
    return "staff" if actor.is_staff else ("user", actor.user_id)


def variables_key(variables: dict[str, Any] | None) -> str:
    return json.dumps(variables or {}, sort_keys=True, default=str)


class SharedResults:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, asyncio.Future[ExecutionResult]] = OrderedDict()
        self.executed = 0  # for tests and benchmarks: how many executions really ran
        self.shared = 0

    def run(
        self, key: Hashable, execute: Callable[[], Awaitable[ExecutionResult] | ExecutionResult]
    ) -> Awaitable[ExecutionResult] | ExecutionResult:
        entry = self._entries.get(key)
        if entry is not None:
            self.shared += 1
            if entry.done() and not entry.cancelled() and entry.exception() is None:
                return entry.result()  # the usual case once the first has executed it
            # Shielded: one subscriber leaving must not cancel the others' result.
            return asyncio.shield(entry)
        self.executed += 1
        result = execute()
        if not isinstance(result, Awaitable):
            future: asyncio.Future[ExecutionResult] = asyncio.get_running_loop().create_future()
            future.set_result(result)
            self._remember(key, future)
            return result
        task = asyncio.ensure_future(result)
        self._remember(key, task)
        return asyncio.shield(task)

    def _remember(self, key: Hashable, future: asyncio.Future[ExecutionResult]) -> None:
        self._entries[key] = future
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
