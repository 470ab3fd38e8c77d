"""Independent pieces of work on every core: one rule for when a pool of processes pays, one way to run one.

Checking a return and marking up a copy are each a few milliseconds of Python on their own file, so two
cores nearly halve a large batch (measured: benchmarks/bench_check.py --workers).
"""

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from addin.garbage import collect_less

PARALLEL_FROM = 40
MAX_WORKERS = 4


def pool_size(files: int, parallel_from: int = PARALLEL_FROM, cores: int | None = None) -> int:
    """How many processes work on `files` files: one (no pool) for fewer than `parallel_from`, where starting
    workers costs more than they save; else one per core, at most MAX_WORKERS. More workers than cores only
    share the cores and add their start-up and memory (measured: benchmarks/bench_check.py --workers)."""
    cores = cores or os.cpu_count() or 1
    return 1 if files < parallel_from else max(1, min(cores, MAX_WORKERS))


def _end_with_parent() -> None:
    """A worker whose parent was killed ends too, instead of lingering with its ~100 MB (Linux and Windows alike:
    the parent's process sentinel is signalled when it dies)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="baocao-parent-watch", daemon=True).start()


def map_in_order(
    function: Callable,
    items: Iterable,
    parallel_from: int = PARALLEL_FROM,
    workers: int | None = None,
    here: Callable | None = None,
    initializer: Callable | None = None,
    initargs: tuple = (),
) -> Iterator:
    """`function(item)` for each item, in order: in a pool of `workers` processes (default `pool_size`) when there
    are enough items, else here. `function` must be a module-level function and the items picklable; `here` does
    the same work in this process (default `function`), and `initializer(*initargs)` readies each worker.
    A pool that breaks (a worker killed) leaves the rest to be done here, one by one."""
    items, here = list(items), here or function
    workers = pool_size(len(items), parallel_from) if workers is None else workers
    if workers < 2:
        yield from map(here, items)
        return
    finished = 0
    try:
        with ProcessPoolExecutor(workers, initializer=_start, initargs=(initializer, initargs)) as pool:
            for result in pool.map(function, items, chunksize=8):
                finished += 1
                yield result
    except BrokenProcessPool:
        yield from map(here, items[finished:])


def _start(initializer: Callable | None, initargs: tuple) -> None:
    """What every worker does first: end with its parent, collect garbage in large batches (a spawned worker,
    as on Windows, inherits neither), then what the work needs."""
    _end_with_parent()
    collect_less()
    if initializer is not None:
        initializer(*initargs)
