"""A real SMTP server for tests: aiosmtpd on loopback, with login, keeping every message."""

import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "tccb.sgddt@laocai.example"
PASSWORD = "kT7-mQ2x-Lp9v-Zr4w"  # a test secret that must never show up anywhere


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps every message; answers 550 for the addresses in `refuse`."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.logins: list[str] = []
        self.password = PASSWORD
        self.limit: int | None = None  # after this many messages the server says 421 (rate limit) and hangs up

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.limit is not None and len(self.messages) >= self.limit:
            return "421 4.7.0 Too many messages, closing connection"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            self.password.encode(),
        )
        if good:
            self.logins.append(mechanism)
        return AuthResult(success=good, handled=False)

    def parsed(self) -> dict[str, EmailMessage]:
        """Each received message by its single recipient."""
        return {rcpt[0]: BytesParser(policy=policy.default).parsebytes(data) for rcpt, data in self.messages}


@pytest.fixture
def server():
    box = Mailbox()
    controller = Controller(  # AUTH without TLS on loopback only, so the password path is real
        box,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=box.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()
