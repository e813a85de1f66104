import asyncio
from dataclasses import dataclass

from graphql import ExecutionResult

from schema.shared_results import SharedResults, view_key


@dataclass(frozen=True)
class FakeActor:
    user_id: int
    is_staff: bool


async def test_one_execution_per_key_shared_by_every_waiter() -> None:
    shared = SharedResults()
    runs = 0

    async def execute() -> ExecutionResult:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.01)
        return ExecutionResult(data={"n": runs})

    results = await asyncio.gather(*(shared.run("k", execute) for _ in range(50)))  # type: ignore[arg-type]
    assert runs == 1 and all(r.data == {"n": 1} for r in results)
    other = await shared.run("other", execute)  # type: ignore[misc]
    assert runs == 2 and other.data == {"n": 2}
    assert (shared.executed, shared.shared) == (2, 49)


async def test_a_waiter_that_leaves_does_not_cancel_the_others() -> None:
    shared = SharedResults()
    gate = asyncio.Event()

    async def execute() -> ExecutionResult:
        await gate.wait()
        return ExecutionResult(data={"ok": True})

    first = asyncio.ensure_future(shared.run("k", execute))  # type: ignore[arg-type]
    second = asyncio.ensure_future(shared.run("k", execute))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    assert (await second).data == {"ok": True}


async def test_only_recent_results_are_kept() -> None:
    shared = SharedResults(size=2)
    for key in ("a", "b", "c"):
        shared.run(key, lambda: ExecutionResult(data={}))
    shared.run("a", lambda: ExecutionResult(data={}))
    assert shared.executed == 4  # "a" was evicted by "c"


def test_views_staff_share_customers_do_not() -> None:
    assert view_key(FakeActor(1, True)) == view_key(FakeActor(2, True))
    assert view_key(FakeActor(3, False)) != view_key(FakeActor(4, False))
    assert view_key(None) is None
