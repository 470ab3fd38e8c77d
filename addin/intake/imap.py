"""Reading a mailbox folder over IMAP, read-only: EXAMINE and BODY.PEEK[], never STORE/EXPUNGE/DELETE.

Reading is incremental: the ledger remembers the folder's UIDVALIDITY and the last UID read, and a run asks
only for newer messages (all of them again when the server renumbered the folder; the ledger then knows the
mails already recorded by Message-ID and content). The sizes are asked first (RFC822.SIZE): a mail larger than
`mail.limits.message_bytes` is never downloaded, only the beginning of its header, so it can be listed.
Nothing is set on the server (no flags, nothing moved).
"""

import base64
import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from datetime import date, datetime

from addin.config import ImapServer
from addin.config.model import MailLimits
from addin.errors import BaocaoError
from addin.intake.mail_files import FetchedMail
from addin.mail_servers import Server, mail_password
from addin.progress import Reporter

TIMEOUT_SECONDS = 30
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "plain": 143}
SIZES_PER_REQUEST = 500  # UIDs asked for their sizes in one command
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ImapMailbox:
    def __init__(self, options: ImapServer, server: Server | None = None, since: date | None = None):
        """`server` (from the command line) overrides the host and port of `options`."""
        host, port = (server.host, server.port) if server else (options.host, options.port)
        if not host:
            raise BaocaoError(
                "Chưa có máy chủ thư đến: hãy ghi mail.imap.host trong config.yaml hoặc dùng --server MÁY_CHỦ:CỔNG."
            )
        if not options.user:
            raise BaocaoError("Chưa có tên đăng nhập hộp thư: hãy ghi mail.imap.user trong config.yaml.")
        self.options, self.since = options, since
        self.server = Server(host, port or DEFAULT_PORTS[options.security])
        self.label = f"imap://{self.server.host}:{self.server.port}/{options.folder}"

    def messages(
        self, reporter: Reporter, limits: MailLimits, position: tuple[int, int] | None = None
    ) -> Iterator[FetchedMail]:
        """The messages of the folder after `position` (UIDVALIDITY, last UID read), without changing anything.

        The arrival time (INTERNALDATE, naive local time) is when the Department received the mail: `collect`
        takes it as the received time; the message's own Date: is only the sender's claim.
        """
        connection = self._connect()
        try:
            self._login(connection)
            uidvalidity = self._uidvalidity(connection)
            # --since reads a part of the folder once: it neither starts from nor moves the remembered position
            after = position[1] if position and position[0] == uidvalidity and not self.since else 0
            uids = self._search(connection, after)
            sizes = self._sizes(connection, uids)
            reporter.start(len(uids), "Đang đọc thư")
            for uid in uids:
                size = sizes.get(uid, 0)
                whole = size <= limits.message_bytes
                fetched = self._fetch(connection, uid, None if whole else limits.header_bytes)
                if fetched is not None:
                    read_to = None if self.since else (uidvalidity, uid)
                    yield FetchedMail(fetched[0], fetched[1], size, whole, read_to)
                reporter.advance(f"thư {uid}")
            reporter.finish()
        except (imaplib.IMAP4.abort, OSError) as error:
            raise BaocaoError(
                f"Mất kết nối với {self._where()} khi đang đọc thư ({type(error).__name__}). Các thư đã đọc được "
                "đã ghi vào sổ; hãy chạy lại lệnh để đọc tiếp."
            ) from error
        finally:
            _close(connection)

    def _where(self, first: bool = False) -> str:
        return f"{'Máy' if first else 'máy'} chủ thư {self.server.host}:{self.server.port}"

    def _connect(self) -> imaplib.IMAP4:
        host, port, security = self.server.host, self.server.port, self.options.security
        try:
            if security == "ssl":
                return imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS)
            connection = imaplib.IMAP4(host, port, timeout=TIMEOUT_SECONDS)
            if security == "starttls":
                connection.starttls(ssl.create_default_context())
            return connection
        except ConnectionRefusedError as error:
            raise BaocaoError(
                f"{self._where(True)} từ chối kết nối. Hãy kiểm tra tên máy chủ, cổng "
                "(thường 993 cho ssl, 143 cho starttls) trong mail.imap của config.yaml."
            ) from error
        except socket.gaierror as error:
            raise BaocaoError(f"Không tìm thấy {self._where()}: hãy kiểm tra tên máy chủ và mạng.") from error
        except TimeoutError as error:
            raise BaocaoError(
                f"{self._where(True)} không trả lời sau {TIMEOUT_SECONDS} giây. "
                "Hãy kiểm tra mạng, tường lửa và cổng rồi chạy lại."
            ) from error
        except (ssl.SSLError, imaplib.IMAP4.error) as error:
            raise BaocaoError(
                f"Không thiết lập được kết nối an toàn với {self._where()} ({type(error).__name__}). "
                "Hãy kiểm tra mail.imap.security (ssl, starttls hoặc plain) và cổng."
            ) from error
        except OSError as error:
            raise BaocaoError(f"Không kết nối được {self._where()} ({error.strerror or error}).") from error

    def _login(self, connection: imaplib.IMAP4) -> None:
        password = mail_password("imap", self.options.user, self.server.host, self.options.password_env)
        try:
            _authenticate(connection, self.options.user, password)
        except (imaplib.IMAP4.error, UnicodeError):
            raise BaocaoError(
                f"{self._where(True)} không chấp nhận tên đăng nhập «{self.options.user}» hoặc mật khẩu. "
                f"Hãy kiểm tra mail.imap.user và mật khẩu trong biến môi trường {self.options.password_env} "
                "(với Gmail/Outlook cần mật khẩu ứng dụng)."
            ) from None  # the server's reply is not shown: nothing of the login may reach a log
        folder = _quoted(_utf7(self.options.folder))
        try:
            status, _ = connection.select(folder, readonly=True)
        except imaplib.IMAP4.error:
            status = "NO"
        if status != "OK":
            raise BaocaoError(
                f"Hộp thư {self.options.user} trên {self._where()} không có thư mục «{self.options.folder}». "
                "Hãy sửa mail.imap.folder trong config.yaml (ví dụ INBOX)."
            )

    def _uidvalidity(self, connection: imaplib.IMAP4) -> int:
        """The folder's UIDVALIDITY (RFC 3501 §2.3.1.1), from the EXAMINE reply; 0 when the server gives none."""
        _, data = connection.response("UIDVALIDITY")
        with contextlib.suppress(TypeError, ValueError, IndexError):
            return int(data[-1])
        return 0

    def _search(self, connection: imaplib.IMAP4, after: int) -> list[int]:
        """The UIDs above `after`, ascending (`n:*` also names the last message when none is newer: dropped)."""
        criteria = ["UID", f"{after + 1}:*"]
        if self.since:
            criteria += ["SINCE", f"{self.since.day:02d}-{_MONTHS[self.since.month - 1]}-{self.since.year}"]
        status, data = connection.uid("SEARCH", *criteria)
        if status != "OK":
            raise BaocaoError(f"{self._where(True)} không cho tìm thư trong «{self.options.folder}».")
        return sorted(uid for uid in (int(text) for text in (data[0] or b"").split() if text.isdigit()) if uid > after)

    def _sizes(self, connection: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
        """Each message's size as stored on the server, asked before anything is downloaded."""
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), SIZES_PER_REQUEST):
            wanted = ",".join(str(uid) for uid in uids[start : start + SIZES_PER_REQUEST])
            status, data = connection.uid("FETCH", wanted, "(RFC822.SIZE)")
            for line in data if status == "OK" else []:
                text = line[0] if isinstance(line, tuple) else line
                uid, size = _UID.search(text or b""), _SIZE.search(text or b"")
                if uid and size:
                    sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    def _fetch(
        self, connection: imaplib.IMAP4, uid: int, head_bytes: int | None
    ) -> tuple[bytes, datetime | None] | None:
        """(the message, or only its first `head_bytes` of header; its arrival time)."""
        part = "BODY.PEEK[]" if head_bytes is None else f"BODY.PEEK[HEADER]<0.{head_bytes}>"
        status, data = connection.uid("FETCH", str(uid), f"(INTERNALDATE {part})")
        if status != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                arrived = imaplib.Internaldate2tuple(item[0])
                when = datetime(*arrived[:6]) if arrived else None
                return item[1], when
        return None


def _authenticate(connection: imaplib.IMAP4, user: str, password: str) -> None:
    """LOGIN for ASCII credentials, else AUTHENTICATE PLAIN (RFC 4616): imaplib sends LOGIN as ASCII only."""
    if (user + password).isascii():
        connection.login(user, password)
        return
    credentials = b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")
    connection.authenticate("PLAIN", lambda _challenge: credentials)


def _close(connection: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        connection.logout()  # no CLOSE: it expunges when a folder is selected read-write


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7(name: str) -> str:
    """IMAP's modified UTF-7 for folder names (RFC 3501 §5.1.3), e.g. «Báo cáo» → `B&AOE-o c&AOE-o`."""
    out, pending = [], []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)
