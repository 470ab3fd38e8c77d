"""The one exception type whose message is shown to staff as it is (Vietnamese)."""


class BaocaoError(Exception):
    """A failure staff can act on: `message` says what is wrong, where, and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
