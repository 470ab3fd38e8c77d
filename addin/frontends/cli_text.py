"""Vietnamese words for the parts of `--help` and usage errors that typer/click print, the CLI's mail lists,
and the rendering of `verify` and `rebuild` (kept out of cli.py, which is near the size limit).

typer and click word these in English and offer no catalogue, so the few that staff meet
are replaced here, once, at import of the CLI.
"""

import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer
import typer.rich_utils as rich_utils
from rich.console import Console
from rich.table import Table
from typer import _click

from addin.campaign import CONFIG_NAME
from addin.command_line import command
from addin.findings import Finding
from addin.intake.mail_files import why_no_return
from addin.ledger import MessageRecord
from addin.rules.validation import NOT_THIS_CAMPAIGN
from addin.standing import FileResult

CURRENT_FOLDER_GONE = (
    "thư mục hiện tại không còn nữa (đã bị xoá hoặc di chuyển). "
    "Hãy chuyển sang một thư mục có thật (lệnh cd) hoặc ghi đường dẫn đầy đủ tới thư mục đợt báo cáo."
)
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


# ---------------------------------------------------------------- verify, rebuild


def show_verify(report, campaign_dir, as_json: bool) -> bool:
    """The problems `baocao verify` found, one line each naming the file and unit; whether all is intact."""
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return report.intact
    typer.echo(
        f"Đã kiểm tra {report.archive_files} tệp trong kho lưu trữ, {report.returns} tệp trong sổ theo dõi, "
        f"{report.decisions} quyết định của cán bộ."
    )
    if report.intact:
        typer.echo("Nguyên vẹn: kho lưu trữ, sổ theo dõi, nhật ký nhận và tệp quyết định khớp nhau.")
        return True
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for column in ("TT", "Mã", "Tệp", "Đơn vị", "Vấn đề"):
        table.add_column(column, overflow="fold")
    for index, problem in enumerate(report.problems, start=1):
        table.add_row(str(index), problem.code, problem.file or "", problem.unit or "", problem.message)
    Console(width=max(160, Console().width)).print(table)
    typer.echo(
        f"Có {len(report.problems)} vấn đề (xem từng dòng trên). Cách xử lý: README, mục "
        "«Khi sổ theo dõi hoặc kho lưu trữ có vấn đề»."
    )
    return False


def show_rebuild(run, campaign_dir, as_json: bool) -> None:
    report = run.report
    if as_json:
        data = asdict(report) | {"moved_aside": [str(path) for path in report.moved_aside]}
        data["units"] = [unit.as_json() for unit in run.standing.units]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for path in report.moved_aside:
        typer.echo(f"Sổ cũ được giữ lại: {path}")
    typer.echo(
        f"Đã dựng lại sổ theo dõi: {report.from_journal} tệp theo nhật ký nhận, {report.mails} thư, "
        f"{report.sends} lần gửi thư, {report.decisions} quyết định của cán bộ."
    )
    if report.without_journal:
        typer.echo(
            f"{len(report.without_journal)} tệp trong kho không có trong nhật ký nhận (nhận trước phiên bản này): "
            "ghi theo tên trong kho và ngày sửa tệp, không rõ tên gốc, người gửi: " + ", ".join(report.without_journal)
        )
    if report.unknown_decisions:
        typer.echo(
            f"Bỏ qua {len(report.unknown_decisions)} quyết định cho tệp không còn trong kho: "
            + ", ".join(report.unknown_decisions)
        )
    typer.echo(f"Đã kiểm tra lại {len(run.checked)} tệp. Tình hình: {run.standing.counts_text()}.")
    typer.echo(f"Bước tiếp theo: {command('verify', campaign_dir)}, rồi baocao check và baocao summary.")


# ---------------------------------------------------------------- what collect and status list besides units


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


def inbox_problem_lines(problems: list[Finding]) -> list[str]:
    """What collect could not take from the inbox (links out, unreadable names, files or folders)."""
    if not problems:
        return []
    return [f"{len(problems)} mục không lấy được:", *(f"  - {problem.message}" for problem in problems)]


def _when(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y %H:%M}" if moment else "không rõ ngày"


# ---------------------------------------------------------------- where the command stands


def current_folder_gone() -> bool:
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def campaign_named(arguments: list[str]) -> Path | None:
    """The campaign folder among the command's arguments (or the current folder, if it is one), or None."""
    for argument in [*(a for a in arguments if not a.startswith("-")), "."]:
        try:
            if (Path(argument) / CONFIG_NAME).is_file():
                return Path(argument).resolve()
        except (OSError, ValueError):
            continue
    return None
