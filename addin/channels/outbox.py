"""The .eml outbox channel: one draft file per unit that staff open in their mail program and send."""

from pathlib import Path

from addin.channels.channel import OUTBOX
from addin.channels.compose import FEEDBACK, REMIND, SEND, Outgoing
from addin.xlsx.atomic import write_bytes_atomically

OUTBOX_DIRS = {SEND: "thu_gui", REMIND: "thu_nhac", FEEDBACK: "thu_nhac"}  # under 1_bieu_mau_gui/


class OutboxChannel:
    """Writes `<code>.eml` files staff open in their mail program and send from there."""

    name = OUTBOX

    def __init__(self, folder: Path):
        self.folder = folder

    def open(self) -> None:
        pass

    def deliver(self, outgoing: Outgoing, message: bytes) -> str | None:
        target = self.folder / f"{outgoing.unit.code}.eml"
        write_bytes_atomically(target, message)
        return str(target)

    def close(self) -> None:
        pass
