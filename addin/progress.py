"""How stages report progress without knowing whether a terminal or Excel is watching."""

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
