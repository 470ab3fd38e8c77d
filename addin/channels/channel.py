"""What every delivery channel promises (open, deliver, close), the channel names, and how a delivery fails."""

from typing import Protocol

from addin.channels.compose import Outgoing

OUTBOX, SMTP = "outbox", "smtp"


class UnitFailure(Exception):
    """This unit's message was refused; the batch goes on. `args[0]` is the Vietnamese reason."""


class BatchStopped(Exception):
    """Nothing more can be sent now (server down, login refused); `args[0]` says what to do."""


class Channel(Protocol):
    name: str

    def open(self) -> None: ...

    def deliver(self, outgoing: Outgoing, message: bytes) -> str | None: ...

    def close(self) -> None: ...
