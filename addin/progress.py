"""How stages report progress without knowing whether a terminal or Excel is watching."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Reporter(Protocol):
    def start(self, total: int, label: str) -> None: ...

    def advance(self, item: str) -> None: ...

    def finish(self) -> None: ...


class NullReporter:
    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, item: str) -> None:
        pass

    def finish(self) -> None:
        pass


# ---------------------------------------------------------------- waiting for something another process holds

_wait_listeners: list[Callable[[str], None]] = []


@contextmanager
def waiting_shown_by(listener: Callable[[str], None]) -> Iterator[None]:
    """While inside, `tell_waiting` messages (e.g. «Sổ theo dõi … đang chờ… (5 giây)») go to `listener`.

    A front end installs one around a step: a wait can happen wherever the ledger is opened or written, far
    below the stage functions that carry a `Reporter`."""
    _wait_listeners.append(listener)
    try:
        yield
    finally:
        _wait_listeners.remove(listener)


def tell_waiting(message: str) -> None:
    """Say that a step is waiting (and for how long); shown by the innermost listener, if any."""
    if _wait_listeners:
        _wait_listeners[-1](message)
