"""The garbage collector tuned for fan-out bursts, owned by the app's lifespan.

A broadcast to 1,000 subscribers allocates many short-lived containers at once; with
CPython's default young-generation threshold (700) the collector runs hundreds of times
per broadcast and promotes in-flight temporaries, so older generations fill and full
collections land in the middle of deliveries. bench/subscribers.py measured p99 at 351 ms
with the default against 99 ms with a threshold of 50,000. Freezing the startup heap
(models, schema, libraries) keeps those long-lived objects out of every collection."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tuned_collector(young_threshold: int) -> Iterator[None]:
    """`young_threshold` 0 leaves the collector as Python sets it."""
    if young_threshold <= 0:
        yield
        return
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
