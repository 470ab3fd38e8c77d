"""`baocao`: the command line, one subcommand per step (the same steps as the Excel buttons)."""

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer import _click

from addin import __version__, stages
from addin.campaign import CampaignFolder, open_campaign
from addin.channels.channel import OUTBOX, SMTP
from addin.channels.sending import (
    FAILED,
    SENT,
    SKIPPED,
    WOULD_SEND,
    SendReport,
)
from addin.command_line import command
from addin.demo.run import run_demo
from addin.errors import BaocaoError, write_error_log
from addin.frontends.cli_design import DesignOption, design_app, init_campaign_with
from addin.frontends.cli_doctor import doctor
from addin.frontends.cli_render import print_json, show_decision, show_sending, show_status, show_summary
from addin.frontends.cli_text import (
    CURRENT_FOLDER_GONE,
    campaign_named,
    current_folder_gone,
    inbox_problem_lines,
    other_campaign_lines,
    show_rebuild,
    show_verify,
    unusable_mail_lines,
    usage_error_text,
)
from addin.issue.unit_copies import TemplatesResult
from addin.mail_servers import parse_server
from addin.progress import waiting_shown_by
from addin.standing import ACCEPT, REJECT, State
from addin.unwritable import unwritable_message
from addin.vietnamese import parse_vn_date

EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3

app = typer.Typer(
    name="baocao",
    help="baocao: tạo biểu mẫu, nhận, kiểm tra và tổng hợp báo cáo của các đơn vị.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(design_app)
errors = Console(stderr=True)
_options = {"debug": False}

DirArgument = Annotated[
    Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo (mặc định: thư mục hiện tại).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON (cho máy đọc).")]
FileOption = Annotated[
    str | None,
    typer.Option(
        "--file", metavar="MÃ_TỆP", help="Mã tệp (ít nhất 6 ký tự đầu, xem «baocao status»); mặc định: tệp mới nhất."
    ),
]


class ProgressBar:
    """The CLI's reporter: a progress bar on stderr, silent when output is JSON."""

    def __init__(self, enabled: bool):
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[item]}"),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
            disable=not enabled,
        )
        self.task = None

    def start(self, total: int, label: str) -> None:
        self.progress.start()
        self.task = self.progress.add_task(label, total=total, item="")

    def advance(self, item: str) -> None:
        self.progress.update(self.task, advance=1, item=item)

    def finish(self) -> None:
        self.progress.stop()


def _say_waiting(message: str) -> None:
    errors.print(f"[yellow]Chờ:[/] {message}", highlight=False, markup=True)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"baocao {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Khi có lỗi bất ngờ, in chi tiết kỹ thuật (cho người hỗ trợ).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", help="In phiên bản rồi thoát.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    """baocao: tạo biểu mẫu, nhận, kiểm tra và tổng hợp báo cáo của các đơn vị."""
    _options["debug"] = debug


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo sẽ tạo.")],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="TỆP", help="Tệp cấu hình dùng cho đợt (mặc định: config.yaml đi kèm baocao)."
        ),
    ] = None,
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tạo thư mục đợt báo cáo: cấu hình (đã kiểm tra), biểu mẫu gốc và các thư mục con."""
    folder = init_campaign_with(directory, config, design)
    if as_json:
        print_json({"campaign_dir": str(folder.root), "config": str(folder.config_path)})
        return
    typer.echo(f"Đã tạo thư mục đợt báo cáo: {folder.root}")
    typer.echo(f"Bước tiếp theo: {command('templates', directory)}")


@app.command()
def templates(
    directory: DirArgument = Path("."),
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="MÃ_ĐƠN_VỊ", help="Chỉ tạo cho đơn vị có mã này (dùng nhiều lần được)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Tạo biểu mẫu gốc (nếu chưa có hoặc cấu hình đã đổi) và một biểu mẫu cho mỗi đơn vị còn cần nộp.

    Khi đã có báo cáo gửi về, đơn vị có báo cáo đang được dùng không được tạo lại (trừ khi ghi --only).
    """
    folder = open_campaign(directory)
    result = stages.make_templates(folder, only, ProgressBar(enabled=not as_json))
    _report_templates(folder, result, as_json)


@app.command()
def collect(
    directory: DirArgument = Path("."),
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="ĐƯỜNG_DẪN",
            help="Lấy tệp và thư đã lưu (.eml, .msg) từ thư mục/tệp này thay cho thư mục 2_bao_cao_nhan.",
        ),
    ] = None,
    imap: Annotated[
        bool,
        typer.Option(
            "--imap",
            help="Đọc thêm thư mới trong hộp thư (máy chủ ở mục mail.imap của config.yaml): chỉ tải thư đến sau lần "
            "đọc trước, không tải thư lớn hơn mail.limits.message_bytes; chỉ đọc, không xoá.",
        ),
    ] = False,
    server: Annotated[
        str | None,
        typer.Option("--server", metavar="MÁY_CHỦ:CỔNG", help="Cùng --imap: dùng máy chủ này thay cho cấu hình."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="NGÀY/THÁNG/NĂM", help="Cùng --imap: đọc (lại) mọi thư đến từ ngày này."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Nhận báo cáo đơn vị gửi về (tệp, thư đã lưu, hộp thư): lưu nguyên vẹn vào kho lưu trữ, ghi vào sổ theo dõi."""
    folder = open_campaign(directory)
    mailbox = _mailbox(folder, imap, server, since)
    result = stages.collect(folder, source, mailbox, ProgressBar(enabled=not as_json))
    if as_json:
        print_json(
            {
                "new": [record.as_json() for record in result.new],
                "already_recorded": [record.as_json() for record in result.already_recorded],
                "ignored": [str(path) for path in result.ignored],
                "mails": [mail.as_json() for mail in result.mails],
                "mail_duplicates": result.mail_duplicates,
                "mailbox_read": result.mailbox_read,
                "mails_without_returns": [mail.as_json() for mail in result.unusable_mails],
                "other_campaign_mails": [mail.as_json() for mail in result.other_campaign_mails],
                "problems": [problem.as_dict() for problem in result.problems],
            }
        )
        return
    typer.echo(f"Đã nhận {len(result.new)} tệp mới; {len(result.already_recorded)} tệp đã có từ trước (bỏ qua).")
    if mailbox:
        typer.echo(f"Hộp thư: đã đọc {result.mailbox_read} thư đến sau lần đọc trước.")
    if result.mails or result.mail_duplicates:
        typer.echo(f"Thư: {len(result.mails)} thư mới; {result.mail_duplicates} thư đã nhận từ trước (bỏ qua).")
    if result.ignored:
        typer.echo(f"Bỏ qua {len(result.ignored)} tệp không phải báo cáo: {', '.join(p.name for p in result.ignored)}")
    _echo_lines(unusable_mail_lines(result.unusable_mails) + other_campaign_lines(result.other_campaign_mails, []))
    _echo_lines(inbox_problem_lines(result.problems))
    typer.echo(f"Bước tiếp theo: {command('check', directory)}")


def _mailbox(folder: CampaignFolder, imap: bool, server: str | None, since: str | None):
    if not imap:
        if server or since:
            raise BaocaoError("--server và --since chỉ dùng cùng --imap. Hãy thêm --imap hoặc bỏ hai tuỳ chọn đó.")
        return None
    since_date = None
    if since:
        since_date = parse_vn_date(since)
        if since_date is None:
            raise BaocaoError(f"--since «{since}» không phải ngày hợp lệ. Hãy ghi ngày/tháng/năm, ví dụ 01/12/2019.")
    return stages.configured_mailbox(folder, parse_server(server) if server else None, since_date, required=True)


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


# ---------------------------------------------------------------- outgoing mail: send, remind

OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="MÃ_ĐƠN_VỊ", help="Chỉ gửi cho đơn vị có mã này (dùng nhiều lần được)."),
]
SmtpOption = Annotated[
    bool,
    typer.Option(
        "--smtp", help="Gửi thẳng qua máy chủ thư trong config.yaml (mail.smtp) thay cho ghi tệp .eml (--outbox)."
    ),
]
OutboxOption = Annotated[
    bool,
    typer.Option("--outbox", help="Ghi mỗi thư thành một tệp .eml để mở bằng Outlook/Thunderbird và gửi (mặc định)."),
]
ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server", metavar="MÁY_CHỦ:CỔNG", help="Dùng máy chủ thư này thay cho mail.smtp.host/port (kèm theo --smtp)."
    ),
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Chỉ xem ai sẽ nhận thư gì; không gửi, không ghi gì.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Gửi lại cả cho đơn vị đã nhận đúng thư này rồi.")]
PauseOption = Annotated[
    float | None,
    typer.Option("--pause", metavar="GIÂY", min=0, max=600, help="Nghỉ giữa hai thư (mặc định: mail.pause_seconds)."),
]


@app.command()
def send(
    directory: DirArgument = Path("."),
    outbox: OutboxOption = False,
    smtp: SmtpOption = False,
    server: ServerOption = None,
    only: OnlyOption = None,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
    pause: PauseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Gửi mỗi đơn vị một thư kèm biểu mẫu riêng của đơn vị (tệp .eml hoặc qua máy chủ thư)."""
    folder = open_campaign(directory)
    options = _mail_options(outbox, smtp, server, only, dry_run, force, pause, as_json)
    _report_sending(stages.send(folder, **options), as_json, "gửi")


@app.command()
def remind(
    directory: DirArgument = Path("."),
    outbox: OutboxOption = False,
    smtp: SmtpOption = False,
    server: ServerOption = None,
    only: OnlyOption = None,
    dry_run: DryRunOption = False,
    force: ForceOption = False,
    pause: PauseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Nhắc đơn vị chưa nộp (kèm lại biểu mẫu) và báo đơn vị có báo cáo còn lỗi (kèm bản đánh dấu lỗi)."""
    folder = open_campaign(directory)
    options = _mail_options(outbox, smtp, server, only, dry_run, force, pause, as_json)
    _report_sending(stages.remind(folder, **options), as_json, "nhắc")


def _mail_options(outbox, smtp, server, only, dry_run, force, pause, as_json) -> dict:
    if outbox and (smtp or server):
        raise BaocaoError("Chọn một cách gửi: --outbox (ghi tệp .eml) hoặc --smtp (qua máy chủ thư), không cả hai.")
    return {
        "channel": SMTP if smtp or server else OUTBOX,
        "only": only,
        "dry_run": dry_run,
        "force": force,
        "pause": pause,
        "server": parse_server(server) if server else None,
        "reporter": ProgressBar(enabled=not as_json),
    }


def _report_sending(report: SendReport, as_json: bool, verb: str) -> None:
    if as_json:
        counts = {outcome: report.count(outcome) for outcome in (SENT, SKIPPED, FAILED, WOULD_SEND)}
        print_json({**asdict(report), "counts": counts})
    else:
        show_sending(report, verb)
    if report.stopped:
        raise BaocaoError(report.stopped)
    if report.count(FAILED):
        raise BaocaoError(
            f"{report.count(FAILED)} đơn vị chưa {verb} được (xem các dòng LỖI). Sửa xong thì chạy lại đúng lệnh này: "
            "chỉ các đơn vị chưa gửi được mới được gửi."
        )


@app.command()
def check(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Kiểm tra mọi tệp đã nhận chưa được kiểm tra (hoặc khi cấu hình đã đổi); ghi kết quả vào 3_ket_qua."""
    folder = open_campaign(directory)
    run = stages.check(folder, reporter=ProgressBar(enabled=not as_json))
    if as_json:
        print_json([result.as_json() for result in run.standing.files])
        return
    failing = sum(1 for result in run.checked if result.check.status != State.VALID)
    typer.echo(f"Đã kiểm tra {len(run.checked)} tệp; {failing} tệp có lỗi hoặc không dùng được.")
    show_status(run.standing)
    typer.echo(f"Kết quả chi tiết: {run.workbook}")
    for problem in getattr(run.feedback, "problems", []):
        label = "[bold red]Lỗi:[/]" if problem.is_error else "[bold yellow]Lưu ý:[/]"
        errors.print(f"{label} {problem.message}", highlight=False, markup=True)
    if run.feedback.owed:
        typer.echo(run.feedback.text())


@app.command()
def status(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Tình hình nộp của từng đơn vị: chưa nộp, chờ kiểm tra, đạt, có lỗi, cán bộ chấp nhận…; đúng hạn hay muộn."""
    folder = open_campaign(directory)
    current = stages.status(folder)
    if as_json:
        print_json(
            {
                "units": [unit_standing.as_json() for unit_standing in current.units],
                "unassigned": [result.as_json() for result in current.unassigned],
                "waiting": [record.as_json() for record in current.waiting],
                "mails_without_returns": [mail.as_json() for mail in current.unusable_mails],
                "other_campaign": [result.as_json() for result in current.other_campaign],
                "other_campaign_mails": [mail.as_json() for mail in current.other_campaign_mails],
            }
        )
        return
    show_status(current)
    others = other_campaign_lines(current.other_campaign_mails, current.other_campaign)
    _echo_lines(unusable_mail_lines(current.unusable_mails) + others)


@app.command()
def accept(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo.")],
    unit: Annotated[str, typer.Argument(metavar="MÃ_ĐƠN_VỊ", help="Mã đơn vị (xem «baocao status»).")],
    note: Annotated[str, typer.Option("--note", metavar="GHI_CHÚ", help="Lý do chấp nhận (được ghi lại).")] = "",
    file: FileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Chấp nhận báo cáo mới nhất của đơn vị (hoặc tệp --file) dù còn lỗi, hoặc xác nhận tệp chờ xác nhận là của
    đơn vị này (ghi ai, lúc nào, vì sao); cập nhật ket_qua_kiem_tra.xlsx."""
    show_decision("chấp nhận", stages.decide(open_campaign(directory), unit, ACCEPT, note, file), as_json)


@app.command()
def reject(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo.")],
    unit: Annotated[str, typer.Argument(metavar="MÃ_ĐƠN_VỊ", help="Mã đơn vị (xem «baocao status»).")],
    note: Annotated[str, typer.Option("--note", metavar="GHI_CHÚ", help="Lý do không nhận (bắt buộc, được ghi lại).")],
    file: FileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Không nhận báo cáo mới nhất của một đơn vị (hoặc tệp --file): số liệu không vào bảng tổng hợp; cập nhật
    ket_qua_kiem_tra.xlsx."""
    show_decision("không nhận", stages.decide(open_campaign(directory), unit, REJECT, note, file), as_json)


@app.command()
def summary(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Tổng hợp báo cáo đạt (hoặc đã chấp nhận) của các đơn vị: bảng tổng hợp theo mẫu (các phụ lục), báo cáo
    Word bao_cao_<mã đợt>.docx và dữ liệu thô.

    Báo cáo Word lập từ mẫu workbook_templates/bao_cao.docx của đợt (cán bộ sửa được trong Word). Khi máy có
    LibreOffice: thêm bản PDF của báo cáo và của các phụ lục để ký số. Tất cả ghi vào 3_ket_qua. Tệp đã nhận mà chưa
    kiểm tra được kiểm tra trước (như «baocao check»)."""
    folder = open_campaign(directory)
    result = stages.summary(folder, reporter=ProgressBar(enabled=not as_json))
    if as_json:
        print_json(result.as_json())
        return
    show_summary(result)


@app.command()
def verify(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Kiểm tra cả đợt: mã băm mọi tệp lưu trữ, sổ theo dõi khớp kho và các bản ghi; mã thoát 1 nếu có vấn đề."""
    report = stages.verify(open_campaign(directory), ProgressBar(enabled=not as_json))
    if not show_verify(report, directory, as_json):
        raise typer.Exit(EXIT_PROBLEM)


@app.command()
def rebuild(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Dựng lại sổ theo dõi từ kho lưu trữ, nhật ký nhận và tệp quyết định của cán bộ, rồi kiểm tra lại mọi tệp."""
    show_rebuild(stages.rebuild(open_campaign(directory), ProgressBar(enabled=not as_json)), directory, as_json)


@app.command()
def workbook(
    directory: DirArgument = Path("."),
    python: Annotated[
        str | None,
        typer.Option(
            "--python", metavar="ĐƯỜNG_DẪN", help="Python mà các nút bấm sẽ chạy (mặc định: Python đang chạy lệnh này)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Tạo tệp điều khiển BaoCao.xlsm (các nút bấm cho mọi bước) trong thư mục đợt báo cáo; không cần Excel."""
    folder = open_campaign(directory)
    built = stages.workbook(folder, interpreter=python)
    if as_json:
        print_json(
            {
                "workbook": str(built.path),
                "modules": sorted(built.modules),
                "interpreter": built.interpreter,
                "python_path": built.python_path,
                "warnings": built.warnings,
            }
        )
        return
    typer.echo(f"Đã tạo tệp điều khiển: {built.path}")
    typer.echo(f"Các nút bấm sẽ chạy Python: {built.interpreter}")
    for warning in built.warnings:
        errors.print(f"[bold yellow]Lưu ý:[/] {warning}", highlight=False, markup=True)
    typer.echo(
        "Mở tệp bằng Excel trên Windows. Nếu Excel chặn macro (tệp nhận qua thư hoặc tải về): "
        "bấm chuột phải vào tệp > Properties > chọn Unblock > OK, rồi mở lại."
    )


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục cho đợt mẫu.")] = Path(
        "dot_bao_cao_mau"
    ),
    as_json: JsonOption = False,
) -> None:
    """Chạy thử toàn bộ quy trình trên đợt mẫu 2019: biểu mẫu, báo cáo giả lập, nhận, kiểm tra, tổng hợp."""
    run = run_demo(directory, ProgressBar(enabled=not as_json))
    result = stages.summary(run.folder)
    if as_json:
        print_json(
            {
                "campaign_dir": str(run.folder.root),
                "returns_made": run.returns_made,
                "control_workbook": str(run.control_workbook),
                **result.as_json(),
            }
        )
        return
    typer.echo(f"Thư mục đợt báo cáo mẫu: {run.folder.root}")
    typer.echo(f"Biểu mẫu đơn vị: {run.folder.outgoing}")
    typer.echo(f"Báo cáo giả lập đã «nhận»: {run.folder.inbox}")
    typer.echo(f"Tệp điều khiển (nút bấm trong Excel): {run.control_workbook}")
    show_summary(result)


app.command()(doctor)  # the «Kiểm tra cài đặt» button's check, printed (cli_doctor.py)


def _report_templates(folder: CampaignFolder, result: TemplatesResult, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "campaign_dir": str(folder.root),
                "master": str(result.master),
                "master_rebuilt": result.master_rebuilt,
                "master_backup": str(result.master_backup) if result.master_backup else None,
                "unit_files": [str(path) for path in result.unit_files],
                "skipped": [unit.code for unit in result.skipped],
            }
        )
        return
    if result.master_backup:
        typer.echo(
            "Cấu hình đã đổi nên biểu mẫu gốc được tạo lại; "
            f"bản cũ (kể cả định dạng đã sửa) lưu ở {result.master_backup}."
        )
    state = "mới tạo" if result.master_rebuilt else "đã có, giữ nguyên định dạng"
    typer.echo(f"Biểu mẫu gốc ({state}): {result.master}")
    typer.echo(f"Đã tạo {len(result.unit_files)} biểu mẫu đơn vị trong {folder.outgoing}")
    if result.skipped_text:
        typer.echo(result.skipped_text)


def _log_unexpected(error: BaseException, arguments: list[str]) -> Path:
    """Log into the campaign folder the command names (or the current one, if a campaign), else ~/.baocao."""
    return write_error_log(campaign_named(arguments), error, " ".join(sys.argv))


def run(arguments: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; staff never see a traceback unless --debug."""
    try:
        with waiting_shown_by(_say_waiting):  # e.g. a ledger another program holds: how long baocao has waited
            code = app(args=arguments, prog_name="baocao", standalone_mode=False)  # a typer.Exit's code, if any
    except BaocaoError as error:
        errors.print(f"[bold red]Lỗi:[/] {error.message}", highlight=False, markup=True)
        return EXIT_PROBLEM
    except _click.exceptions.UsageError as error:
        errors.print(f"[bold red]Lỗi:[/] {usage_error_text(error)}", highlight=False)
        return EXIT_USAGE
    except typer.Exit as done:
        return done.exit_code
    except (KeyboardInterrupt, typer.Abort):
        errors.print("Đã dừng theo yêu cầu.")
        return 130
    except Exception as error:
        if _options["debug"]:
            raise
        if isinstance(error, OSError) and (message := unwritable_message(error, None)):
            errors.print(f"[bold red]Lỗi:[/] {message}", highlight=False, markup=True)
            return EXIT_PROBLEM
        if current_folder_gone():
            errors.print(f"[bold red]Lỗi:[/] {CURRENT_FOLDER_GONE}", highlight=False)
            return EXIT_PROBLEM
        log = _log_unexpected(error, sys.argv[1:] if arguments is None else arguments)
        errors.print(
            "[bold red]Lỗi bất ngờ[/] (không phải do thao tác của anh/chị). "
            f"Chi tiết kỹ thuật đã ghi vào {log}; hãy gửi tệp đó cho người hỗ trợ kỹ thuật.",
            highlight=False,
        )
        return EXIT_INTERNAL
    return code if isinstance(code, int) else 0


def entry_point() -> None:
    sys.exit(run())
