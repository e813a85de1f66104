"""The bounded map behind the knowledge base's per-process caches."""

import threading

import pytest

from domain.recently_used import RecentlyUsed


@pytest.mark.parametrize(
    ("capacity", "steps", "kept"),
    [
        (2, [("put", "a"), ("put", "b"), ("put", "c")], ["b", "c"]),  # the oldest goes first
        (2, [("put", "a"), ("put", "b"), ("get", "a"), ("put", "c")], ["a", "c"]),  # a read is use
        (2, [("put", "a"), ("put", "b"), ("put", "a"), ("put", "c")], ["a", "c"]),  # so is a rewrite
        (1, [("put", "a"), ("get", "a"), ("put", "b")], ["b"]),
        (3, [("get", "x"), ("put", "a")], ["a"]),  # a miss adds nothing
    ],
)
def test_the_least_recently_used_entry_goes_first(
    capacity: int, steps: list[tuple[str, str]], kept: list[str]
) -> None:
    cache: RecentlyUsed[str, str] = RecentlyUsed(capacity)
    for action, key in steps:
        if action == "put":
            cache.put(key, key.upper())
        else:
            cache.get(key)
    assert len(cache) == len(kept)
    assert cache.get_many(kept) == [key.upper() for key in kept]


def test_many_at_once_answer_in_order_with_none_for_misses() -> None:
    cache: RecentlyUsed[int, str] = RecentlyUsed(10)
    cache.put_many([(1, "one"), (3, "three")])
    assert cache.get_many([3, 2, 1]) == ["three", None, "one"]
    cache.clear()
    assert cache.get_many([1, 3]) == [None, None]


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RecentlyUsed(0)


def test_threads_sharing_it_never_overfill_it() -> None:
    cache: RecentlyUsed[tuple[int, int], int] = RecentlyUsed(50)

    def churn(thread: int) -> None:
        for i in range(2_000):
            cache.put((thread, i), i)
            cache.get_many([(thread, i - 1), (thread - 1, i)])

    workers = [threading.Thread(target=churn, args=(t,)) for t in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(cache) == 50
