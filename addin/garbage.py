"""Fewer garbage collections: baocao's processes build big things in memory.

Python runs a collection of its youngest objects every 700 new container objects, and every tenth of those
goes on to older ones, walking everything still alive. Building a workbook makes hundreds of thousands of
objects (openpyxl's cells and styles, the findings, the merged rows), nearly all alive until it is saved,
so those collections walk them again and again and free almost nothing: measured 0.6 s of a 3 s `summary`
for 1,000 returns (893 collections), 0.2 s of `check`. With the thresholds below: 9 collections, 0.04 s,
and the same peak memory. Cycles are still collected, in larger batches.

The thresholds stay set once a stage has set them: a baocao process is a command run once or the Excel buttons'
server, which does nothing but stages, and setting the defaults back would collect at once what the stage
left (0.1-0.2 s after a summary).
"""

import gc

BULK_THRESHOLDS = (50_000, 20, 20)


def collect_less() -> None:
    """Collect garbage in larger batches from now on, in this process."""
    gc.set_threshold(*BULK_THRESHOLDS)


def free_now() -> None:
    """Collect at once what a stage just let go of (a filled workbook: its cells and sheets refer to each other, so
    only a collection frees them), before the next part of the stage needs the memory."""
    gc.collect()
