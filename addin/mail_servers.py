"""Logging in to mail servers, for outgoing (`channels/`) and incoming (`intake/imap.py`) mail alike.

The one parser of `HOST:PORT` (`[IPv6]:PORT` too), and the one password lookup: the environment variable
named in config, else the OS keyring. Never from config or a file, and never shown: no message or exception
carries a password. One keyring naming for both protocols: service `baocao`, name `smtp:<user>@<host>` or
`imap:<user>@<host>` (`keyring set baocao smtp:tccb@smtp.gmail.com`). SMTP passwords stored before that
naming (service `baocao-smtp`, name the user) are still read.
"""

import ipaddress
import os
import re
from dataclasses import dataclass

from addin.errors import BaocaoError

_HOST_PORT = re.compile(r"\s*(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>\d{1,5})\s*")


@dataclass(frozen=True)
class Server:
    host: str
    port: int


def parse_server(text: str) -> Server:
    """`smtp.gmail.com:587` or `[::1]:993` → Server; a missing or impossible port is an error naming `text`."""
    match = _HOST_PORT.fullmatch(text)
    if not match or not 0 < int(match.group("port")) < 65_536 or not _is_ipv6(match.group("ipv6")):
        raise BaocaoError(
            f"«{text}» không phải địa chỉ máy chủ thư dạng MÁY_CHỦ:CỔNG (ví dụ smtp.gmail.com:587, "
            "imap.gmail.com:993 hoặc [::1]:993). Hãy gõ lại tùy chọn --server."
        )
    return Server(match.group("ipv6") or match.group("host"), int(match.group("port")))


def _is_ipv6(text: str | None) -> bool:
    """True when `text` is absent (a host name) or a real IPv6 address."""
    if text is None:
        return True
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


KEYRING_SERVICE = "baocao"
OLD_SMTP_KEYRING_SERVICE = "baocao-smtp"


def keyring_name(protocol: str, user: str, host: str) -> str:
    return f"{protocol}:{user}@{host}"


def mail_password(protocol: str, user: str, host: str, password_env: str) -> str:
    """The password of `user` on `host` for `protocol` ("smtp" or "imap")."""
    value = os.environ.get(password_env)
    if value:
        return value
    entries = [(KEYRING_SERVICE, keyring_name(protocol, user, host))]
    if protocol == "smtp":
        entries.append((OLD_SMTP_KEYRING_SERVICE, user))
    for service, name in entries:
        stored = _keyring_password(service, name)
        if stored:
            return stored
    raise BaocaoError(
        f"Chưa có mật khẩu thư của {user} (máy chủ {host}). Hãy đặt biến môi trường {password_env}: "
        f'trên Windows gõ  setx {password_env} "mật_khẩu"  rồi mở cửa sổ lệnh mới; '
        f"trên Linux  export {password_env}='mật_khẩu'. Hoặc lưu vào kho mật khẩu của máy: "
        f"keyring set {KEYRING_SERVICE} {keyring_name(protocol, user, host)}. Không ghi mật khẩu vào config.yaml."
    )


def _keyring_password(service: str, name: str) -> str | None:
    try:
        import keyring  # optional: only when installed
    except ImportError:
        return None
    try:
        return keyring.get_password(service, name)
    except Exception:  # no usable backend (e.g. headless Linux): the environment variable is the way then
        return None
