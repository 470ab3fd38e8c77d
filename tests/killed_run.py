"""A `collect` or `check` run that kills itself, and any pool workers, after a given number of files.

Run by `tests/test_interrupted.py` as a child process in its own session:

    python -m tests.killed_run collect|check|check-parent CAMPAIGN FILES [PARALLEL_FROM]

`check-parent` kills only the `check` process, leaving its pool workers to notice on their own.

Just before the kill it writes `CAMPAIGN/.killed_run` with the number of worker processes alive
then and their pids, so the test knows which path (one process or the pool) was cut.
"""

import multiprocessing
import os
import signal
import sys

from addin.campaign import open_campaign
from addin.checking import check_campaign
from addin.intake.collect import collect

MARKER = ".killed_run"


class KillAfter:
    """A reporter whose `advance()` SIGKILLs the whole process group once `files` files are done."""

    def __init__(self, marker, files: int, parent_only: bool = False):
        self.marker, self.files, self.done, self.parent_only = marker, files, 0, parent_only

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, item: str) -> None:
        self.done += 1
        if self.done == self.files:
            workers = [child.pid for child in multiprocessing.active_children()]
            self.marker.write_text(" ".join(map(str, [len(workers), *workers])))
            if self.parent_only:  # as when staff close the console window: the workers are not told
                os.kill(os.getpid(), signal.SIGKILL)
            os.killpg(0, signal.SIGKILL)

    def finish(self) -> None:
        pass


def main(step: str, campaign: str, files: str, parallel_from: str | None = None) -> None:
    folder = open_campaign(campaign)
    reporter = KillAfter(folder.root / MARKER, int(files), parent_only=step == "check-parent")
    if step == "collect":
        collect(folder, reporter=reporter)
    else:
        os.cpu_count = lambda: 2  # the pool needs two cores; the path under test must not depend on the machine
        check_campaign(folder, reporter=reporter, parallel_from=int(parallel_from))
    sys.exit("the run finished without being killed")


if __name__ == "__main__":
    main(*sys.argv[1:])
