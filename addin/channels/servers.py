"""Mail server addresses: the one parser of `HOST:PORT` (`[IPv6]:PORT` too) for SMTP and IMAP."""

import ipaddress
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
