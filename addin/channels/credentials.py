"""Mail passwords for SMTP and IMAP: the environment variable named in config, else the OS keyring.

Never from config or a file, and never shown: no message or exception carries a password.
One keyring naming for both protocols: service `baocao`, name `smtp:<user>@<host>` or `imap:<user>@<host>`
(`keyring set baocao smtp:tccb@smtp.gmail.com`). SMTP passwords stored before that naming
(service `baocao-smtp`, name the user) are still read.
"""

import os

from addin.errors import BaocaoError

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
