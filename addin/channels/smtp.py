"""The SMTP channel: connecting, logging in and sending, each refusal turned into a Vietnamese reason."""

import base64
import smtplib
import socket
import ssl
from dataclasses import dataclass

from addin.channels.channel import SMTP, BatchStopped, UnitFailure
from addin.channels.compose import Outgoing
from addin.config import CampaignConfig, SmtpServer
from addin.errors import BaocaoError
from addin.mail_servers import Server, mail_password

SMTP_TIMEOUT = 30
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "plain": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    password_env: str


def smtp_settings(config: CampaignConfig, server: Server | None = None) -> SmtpSettings:
    """The SMTP server of the config; `server` (from the command line) overrides its host and port."""
    smtp: SmtpServer = config.mail.smtp
    host, port = (server.host, server.port) if server else (smtp.host, smtp.port or DEFAULT_PORTS[smtp.security])
    if not host:
        raise BaocaoError(
            "Chưa khai máy chủ gửi thư: hãy ghi mail.smtp.host (và port, security, user) trong config.yaml, "
            "hoặc dùng --server MÁY_CHỦ:CỔNG; hoặc gửi bằng tệp .eml (--outbox)."
        )
    return SmtpSettings(host, port, smtp.security, smtp.user, smtp.password_env)


class SmtpChannel:
    """Sends through an SMTP server, connecting on the first message and logging in when `user` is set."""

    name = SMTP

    def __init__(self, settings: SmtpSettings, sender: str, timeout: float = SMTP_TIMEOUT):
        self.settings, self.sender, self.timeout = settings, sender, timeout
        self.connection: smtplib.SMTP | None = None

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        if self.connection is None:
            self.connection = self._connect()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        password = mail_password("smtp", settings.user, settings.host, settings.password_env) if settings.user else None
        try:
            if settings.security == "ssl":
                context = ssl.create_default_context()
                connection = smtplib.SMTP_SSL(settings.host, settings.port, timeout=self.timeout, context=context)
            else:
                connection = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
            try:
                connection.ehlo()
                if settings.security == "starttls":
                    connection.starttls(context=ssl.create_default_context())
                    connection.ehlo()
                if password is not None:
                    _login(connection, settings.user, password)
            except BaseException:
                connection.close()
                raise
        except smtplib.SMTPAuthenticationError as error:
            raise BatchStopped(
                f"Máy chủ thư {self._where()} không nhận đăng nhập của {settings.user} ({_reply(error)}). "
                f"Hãy kiểm tra tên đăng nhập (mail.smtp.user) và mật khẩu trong biến {settings.password_env} "
                "(Gmail, Outlook.com cần «mật khẩu ứng dụng»), rồi chạy lại."
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise BatchStopped(
                f"Máy chủ thư {self._where()} không hỗ trợ {_unsupported(error)}. Hãy kiểm tra mail.smtp.security "
                "(ssl cho cổng 465, starttls cho cổng 587) trong config.yaml."
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise BatchStopped(self._down(error)) from None
        return connection

    def _down(self, error: BaseException) -> str:
        return (
            f"Không kết nối được máy chủ thư {self._where()} ({_reason(error)}). Hãy kiểm tra mạng, tên máy chủ, "
            "cổng và mail.smtp.security (hoặc --server), rồi chạy lại: đơn vị nào đã gửi được thì đã ghi vào sổ, "
            "lần sau chỉ gửi tiếp các đơn vị còn lại."
        )

    def deliver(self, outgoing: Outgoing, message: bytes) -> str | None:
        self.open()
        recipient = outgoing.unit.email
        try:
            self.connection.sendmail(self.sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients.get(recipient, (0, b""))
            if 400 <= code < 500:
                raise UnitFailure(
                    f"máy chủ thư tạm chưa nhận thư cho {recipient} ({code} {_text(text)}). Hãy chạy lại sau ít phút."
                ) from None
            raise UnitFailure(
                f"máy chủ thư từ chối địa chỉ {recipient} ({code} {_text(text)}). "
                "Hãy kiểm tra địa chỉ thư của đơn vị trong config.yaml rồi chạy lại."
            ) from None
        except smtplib.SMTPSenderRefused as error:
            raise BatchStopped(
                f"Máy chủ thư {self._where()} không cho gửi từ địa chỉ {self.sender} ({_reply(error)}). "
                "Hãy kiểm tra mail.sender trong config.yaml (phải là địa chỉ của tài khoản đăng nhập)."
            ) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:
                self.close()
                raise BatchStopped(
                    f"Máy chủ thư {self._where()} tạm ngừng nhận thư ({_reply(error)}), thường vì gửi quá nhanh. "
                    "Hãy tăng mail.pause_seconds (hoặc --pause) rồi chạy lại sau ít phút: chỉ gửi các đơn vị còn lại."
                ) from None
            raise UnitFailure(f"máy chủ thư không nhận thư ({_reply(error)}). Hãy chạy lại sau.") from None
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            self.close()
            raise BatchStopped(self._down(error)) from None
        return None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    if (user + password).isascii():
        connection.login(user, password)
        return
    # smtplib sends credentials as ASCII only; AUTH PLAIN (RFC 4616) carries UTF-8, so do it by hand.
    if "PLAIN" not in connection.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, reply = connection.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}".strip()


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error)
    if isinstance(error, ConnectionRefusedError):
        return "máy chủ không trả lời ở cổng này"
    if isinstance(error, socket.gaierror):
        return "không tìm thấy tên máy chủ"
    if isinstance(error, TimeoutError | socket.timeout):
        return "quá thời gian chờ"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"chứng chỉ của máy chủ không đáng tin: {error.verify_message}; kiểm tra lại tên máy chủ"
    if isinstance(error, ssl.SSLError):
        return f"lỗi kết nối bảo mật: {error.reason or error}"
    return f"{type(error).__name__}: {error}"


def _unsupported(error: smtplib.SMTPNotSupportedError) -> str:
    text = str(error)
    return "STARTTLS" if "STARTTLS" in text.upper() else "đăng nhập (AUTH) trên kết nối này"
