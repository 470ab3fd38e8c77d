"""Vietnamese words for the parts of `--help` and usage errors that typer/click print, and the CLI's mail lists.

typer and click word these in English and offer no catalogue, so the few that staff meet
are replaced here, once, at import of the CLI.
"""

from datetime import datetime

import typer.rich_utils as rich_utils
from typer import _click

from addin.intake.mail_files import OTHER_CAMPAIGN, why_no_return
from addin.ledger import MessageRecord
from addin.rules.validation import NOT_THIS_CAMPAIGN
from addin.standing import FileResult

USAGE_HINT = "Gõ «baocao --help» (hoặc «baocao TÊN_LỆNH --help») để xem cách dùng."

rich_utils.ARGUMENTS_PANEL_TITLE = "Tham số"
rich_utils.OPTIONS_PANEL_TITLE = "Tùy chọn"
rich_utils.COMMANDS_PANEL_TITLE = "Các lệnh"
rich_utils.ERRORS_PANEL_TITLE = "Lỗi"
rich_utils.ABORTED_TEXT = "Đã dừng."
rich_utils.RICH_HELP = "Gõ [blue]'{command_path} {help_option}'[/] để xem cách dùng."
rich_utils.DEFAULT_STRING = "[mặc định: {}]"
rich_utils.REQUIRED_LONG_STRING = "[bắt buộc]"

_original_write_usage = _click.formatting.HelpFormatter.write_usage


def _write_usage_in_vietnamese(self, prog, args="", prefix=None):
    _original_write_usage(self, prog, args, "Cách dùng: " if prefix is None else prefix)


_click.formatting.HelpFormatter.write_usage = _write_usage_in_vietnamese
_original_help_option = _click.core.Command.get_help_option


def _help_option_in_vietnamese(self, ctx):
    option = _original_help_option(self, ctx)
    if option is not None:
        option.help = "Xem hướng dẫn này rồi thoát."
    return option


_click.core.Command.get_help_option = _help_option_in_vietnamese


def usage_error_text(error: Exception) -> str:
    """A click usage error said in Vietnamese, keeping the offending word."""
    exceptions = _click.exceptions
    if isinstance(error, exceptions.NoSuchOption):
        return f"Không có tùy chọn «{error.option_name}». {USAGE_HINT}"
    if isinstance(error, exceptions.MissingParameter):
        name = error.param.name if error.param else ""
        return f"Thiếu tham số «{name}». {USAGE_HINT}"
    if isinstance(error, exceptions.BadParameter):
        name = error.param.name if error.param else ""
        return f"Giá trị của «{name}» không hợp lệ ({error.message}). {USAGE_HINT}"
    message = getattr(error, "message", str(error))
    if message.startswith("No such command"):
        return f"Không có lệnh {message.removeprefix('No such command').strip(' .')}. {USAGE_HINT}"
    return f"Lệnh gõ chưa đúng ({message}). {USAGE_HINT}"


# ---------------------------------------------------------------- what collect and status list besides units


def split_mails(mails: list[MessageRecord]) -> tuple[list[MessageRecord], list[MessageRecord]]:
    """(mails that brought no usable return, mails of another campaign) from the ledger's mails without returns."""
    return [m for m in mails if m.outcome != OTHER_CAMPAIGN], [m for m in mails if m.outcome == OTHER_CAMPAIGN]


def unusable_mail_lines(mails: list[MessageRecord]) -> list[str]:
    if not mails:
        return []
    lines = [f"{len(mails)} thư không có báo cáo dùng được (hãy xem và liên hệ đơn vị gửi nếu cần):"]
    for mail in mails:
        lines.append(
            f"  - {_when(mail.date)}, {mail.sender or 'không rõ người gửi'}: «{mail.subject}»: "
            f"{why_no_return(mail.outcome, mail.not_returns)} [{mail.source}]"
        )
    return lines


def other_campaign_lines(mails: list[MessageRecord], files: list[FileResult]) -> list[str]:
    """«Không thuộc đợt này»: mails tagged for, and files made for, another campaign; none counts for any unit."""
    if not mails and not files:
        return []
    lines = [f"{NOT_THIS_CAMPAIGN} ({len(mails) + len(files)}; không tính cho đơn vị nào, không gửi nhắc):"]
    for mail in mails:
        sender = mail.sender or "không rõ người gửi"
        lines.append(f"  - thư {_when(mail.date)}, {sender}: «{mail.subject}» [{mail.source}]")
    for result in files:
        record, why = result.record, result.check.identification.removeprefix(f"{NOT_THIS_CAMPAIGN}: ")
        sender = f", {record.sender}" if record.sender else ""
        lines.append(f"  - tệp «{record.original_name}» {_when(record.received_at)}{sender}: {why} [{record.source}]")
    return lines


def _when(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y %H:%M}" if moment else "không rõ ngày"
