"""`baocao`: the command line, one subcommand per step (the same steps as the Excel buttons)."""

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer import _click

from addin import __version__, stages
from addin.campaign import RESULTS_DIR, CampaignFolder, open_campaign
from addin.channels.channel import OUTBOX, SMTP
from addin.channels.compose import KIND_LABELS as MAIL_KIND_LABELS
from addin.channels.sending import (
    FAILED,
    SENT,
    SKIPPED,
    WOULD_SEND,
    SendReport,
    shown_time,
)
from addin.demo.run import run_demo
from addin.errors import BaocaoError, write_error_log
from addin.frontends.cli_text import usage_error_text
from addin.intake.mail_files import why_no_return
from addin.issue.unit_copies import TemplatesResult
from addin.mail_servers import parse_server
from addin.standing import ACCEPT, REJECT, State
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
errors = Console(stderr=True)
_options = {"debug": False}

DirArgument = Annotated[
    Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo (mặc định: thư mục hiện tại).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON (cho máy đọc).")]


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
    as_json: JsonOption = False,
) -> None:
    """Tạo thư mục đợt báo cáo: cấu hình (đã kiểm tra), biểu mẫu gốc và các thư mục con."""
    folder = stages.init_campaign(directory, config)
    if as_json:
        _print_json({"campaign_dir": str(folder.root), "config": str(folder.config_path)})
        return
    typer.echo(f"Đã tạo thư mục đợt báo cáo: {folder.root}")
    typer.echo(f"Bước tiếp theo: baocao templates {directory}")


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
            "--imap", help="Đọc thêm thư trong hộp thư (máy chủ ở mục mail.imap của config.yaml); chỉ đọc, không xoá."
        ),
    ] = False,
    server: Annotated[
        str | None,
        typer.Option("--server", metavar="MÁY_CHỦ:CỔNG", help="Cùng --imap: dùng máy chủ này thay cho cấu hình."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="NGÀY/THÁNG/NĂM", help="Cùng --imap: chỉ đọc thư đến từ ngày này."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Nhận báo cáo đơn vị gửi về (tệp, thư đã lưu, hộp thư): lưu nguyên vẹn vào kho lưu trữ, ghi vào sổ theo dõi."""
    folder = open_campaign(directory)
    mailbox = _mailbox(folder, imap, server, since)
    result = stages.collect(folder, source, mailbox, ProgressBar(enabled=not as_json))
    if as_json:
        _print_json(
            {
                "new": [record.as_json() for record in result.new],
                "already_recorded": [record.as_json() for record in result.already_recorded],
                "ignored": [str(path) for path in result.ignored],
                "mails": [mail.as_json() for mail in result.mails],
                "mail_duplicates": result.mail_duplicates,
                "mails_without_returns": [mail.as_json() for mail in result.unusable_mails],
            }
        )
        return
    typer.echo(f"Đã nhận {len(result.new)} tệp mới; {len(result.already_recorded)} tệp đã có từ trước (bỏ qua).")
    if result.mails or result.mail_duplicates:
        typer.echo(f"Thư: {len(result.mails)} thư mới; {result.mail_duplicates} thư đã nhận từ trước (bỏ qua).")
    if result.ignored:
        typer.echo(f"Bỏ qua {len(result.ignored)} tệp không phải báo cáo: {', '.join(p.name for p in result.ignored)}")
    _echo_unusable_mails(result.unusable_mails)
    typer.echo(f"Bước tiếp theo: baocao check {directory}")


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


def _echo_unusable_mails(mails) -> None:
    if not mails:
        return
    typer.echo(f"{len(mails)} thư không có báo cáo dùng được (hãy xem và liên hệ đơn vị gửi nếu cần):")
    for mail in mails:
        when = f"{mail.date:%d/%m/%Y %H:%M}" if mail.date else "không rõ ngày"
        typer.echo(
            f"  - {when}, {mail.sender or 'không rõ người gửi'}: «{mail.subject}»: "
            f"{why_no_return(mail.outcome, mail.not_returns)} [{mail.source}]"
        )


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
        _print_json({**asdict(report), "counts": counts})
    else:
        _echo_sending(report, verb)
    if report.stopped:
        raise BaocaoError(report.stopped)
    if report.count(FAILED):
        raise BaocaoError(
            f"{report.count(FAILED)} đơn vị chưa {verb} được (xem các dòng LỖI). Sửa xong thì chạy lại đúng lệnh này: "
            "chỉ các đơn vị chưa gửi được mới được gửi."
        )


def _echo_sending(report: SendReport, verb: str) -> None:
    if not report.results and not report.stopped:
        typer.echo(f"Không có đơn vị nào cần {verb}.")
        return
    done = "đã ghi thư" if report.channel == OUTBOX else "đã gửi tới"
    for result in report.results:
        what = f"{result.unit_code} {result.unit_short} ({MAIL_KIND_LABELS[result.kind]})"
        if result.outcome == SENT:
            where = Path(result.path).name if result.path else result.recipient
            typer.echo(f"{what}: {done} {where}")
        elif result.outcome == SKIPPED:
            when = shown_time(result.sent_at)
            typer.echo(f"{what}: bỏ qua, đã {verb} đúng thư này lúc {when} (--force để gửi lại)")
        elif result.outcome == FAILED:
            typer.echo(f"{what}: LỖI, {result.error}")
        else:
            typer.echo(f"{what}: sẽ gửi tới {result.recipient}, đính kèm {', '.join(result.attachments)}")
    if report.dry_run:
        would, skipped = report.count(WOULD_SEND), report.count(SKIPPED)
        typer.echo(f"Xem trước: {would} thư sẽ gửi, {skipped} đơn vị bỏ qua. Chưa gửi, chưa ghi gì.")
        return
    sent = "ghi" if report.channel == OUTBOX else "gửi"
    typer.echo(
        f"Tổng: {len(report.results)} đơn vị; đã {sent} {report.count(SENT)}, bỏ qua {report.count(SKIPPED)} "
        f"(đã {verb} trước đó), lỗi {report.count(FAILED)}."
    )
    if report.channel == OUTBOX and report.count(SENT):
        typer.echo(f"Các thư ở {report.outbox}: mở từng tệp .eml bằng Outlook hoặc Thunderbird rồi bấm Gửi.")


@app.command()
def check(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Kiểm tra mọi tệp đã nhận chưa được kiểm tra (hoặc khi cấu hình đã đổi); ghi kết quả vào 3_ket_qua."""
    folder = open_campaign(directory)
    run = stages.check(folder, reporter=ProgressBar(enabled=not as_json))
    if as_json:
        _print_json([result.as_json() for result in run.standing.files])
        return
    errors = sum(1 for result in run.checked if result.check.status != State.VALID)
    typer.echo(f"Đã kiểm tra {len(run.checked)} tệp; {errors} tệp có lỗi hoặc không dùng được.")
    _echo_status(run.standing)
    typer.echo(f"Kết quả chi tiết: {run.workbook}")
    if run.feedback:
        typer.echo(f"Bản đánh dấu lỗi để gửi lại đơn vị ({len(run.feedback)} tệp): {run.feedback[0].parent}")


@app.command()
def status(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Tình hình nộp của từng đơn vị: chưa nộp, chờ kiểm tra, đạt, có lỗi, cán bộ chấp nhận…; đúng hạn hay muộn."""
    folder = open_campaign(directory)
    current = stages.status(folder)
    if as_json:
        _print_json(
            {
                "units": [unit_standing.as_json() for unit_standing in current.units],
                "unassigned": [result.as_json() for result in current.unassigned],
                "waiting": [record.as_json() for record in current.waiting],
                "mails_without_returns": [mail.as_json() for mail in current.unusable_mails],
            }
        )
        return
    _echo_status(current)
    _echo_unusable_mails(current.unusable_mails)


@app.command()
def accept(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo.")],
    unit: Annotated[str, typer.Argument(metavar="MÃ_ĐƠN_VỊ", help="Mã đơn vị (xem «baocao status»).")],
    note: Annotated[str, typer.Option("--note", metavar="GHI_CHÚ", help="Lý do chấp nhận (được ghi lại).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Chấp nhận báo cáo mới nhất của đơn vị dù còn lỗi (ghi ai, lúc nào, vì sao); cập nhật ket_qua_kiem_tra.xlsx."""
    _echo_decision("chấp nhận", stages.decide(open_campaign(directory), unit, ACCEPT, note), as_json)


@app.command()
def reject(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo.")],
    unit: Annotated[str, typer.Argument(metavar="MÃ_ĐƠN_VỊ", help="Mã đơn vị (xem «baocao status»).")],
    note: Annotated[str, typer.Option("--note", metavar="GHI_CHÚ", help="Lý do không nhận (bắt buộc, được ghi lại).")],
    as_json: JsonOption = False,
) -> None:
    """Không nhận báo cáo mới nhất của một đơn vị: số liệu không vào bảng tổng hợp; cập nhật ket_qua_kiem_tra.xlsx."""
    _echo_decision("không nhận", stages.decide(open_campaign(directory), unit, REJECT, note), as_json)


@app.command()
def summary(directory: DirArgument = Path("."), as_json: JsonOption = False) -> None:
    """Tổng hợp báo cáo đạt (hoặc đã chấp nhận) của các đơn vị: bảng tổng hợp theo mẫu và dữ liệu thô."""
    folder = open_campaign(directory)
    result = stages.summary(folder)
    if as_json:
        _print_json(result.as_json())
        return
    _echo_summary(result)


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
        _print_json(
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
        _print_json(
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
    _echo_summary(result)


def _echo_decision(verb: str, result: stages.DecisionResult, as_json: bool) -> None:
    decision = result.decision
    if as_json:
        payload = {**asdict(decision), "decided_at": decision.decided_at.isoformat()}
        _print_json({**payload, "findings_workbook": str(result.findings_workbook)})
        return
    when = f"{decision.decided_at:%d/%m/%Y %H:%M}"
    typer.echo(f"Đã ghi: {verb} báo cáo mới nhất của {decision.unit_code} ({decision.decided_by}, {when}).")
    typer.echo(f"Đã cập nhật kết quả kiểm tra: {result.findings_workbook}")
    typer.echo("Chạy «baocao summary» để lập lại bảng tổng hợp với quyết định này.")


def _echo_summary(result) -> None:
    counts = result.counts
    typer.echo(
        f"Đơn vị: {counts['expected']}; có số liệu trong tổng hợp {counts['included']} (nộp muộn {counts['late']})."
    )
    typer.echo(f"Tình hình: {result.standing.counts_text()}.")
    if result.missing:
        typer.echo(f"Chưa nộp: {', '.join(result.missing)}")
    if result.summary_workbook:
        typer.echo(f"Bảng tổng hợp theo mẫu: {result.summary_workbook}")
    else:
        typer.echo("Cấu hình chưa khai phụ lục nào (summary.annexes) nên chưa lập bảng tổng hợp theo mẫu.")
    typer.echo(f"Dữ liệu thô (Excel, CSV): {result.tidy_workbook}, {result.csv_dir}")
    typer.echo(f"Kết quả kiểm tra: {result.findings_workbook}")


def _echo_status(current) -> None:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for column in ("TT", "Mã", "Đơn vị", "Tình trạng", "Tệp mới nhất", "Lỗi", "Cảnh báo"):
        table.add_column(column)
    for index, unit_status in enumerate(current.units, start=1):
        latest = unit_status.latest
        table.add_row(
            str(index),
            unit_status.unit.code,
            unit_status.unit.short,
            unit_status.label,
            latest.record.original_name if latest else "",
            str(latest.check.errors) if latest else "",
            str(latest.check.warnings) if latest else "",
        )
    Console(width=max(120, Console().width)).print(table)
    late = sum(1 for unit_status in current.units if unit_status.late)
    typer.echo(f"Tổng: {len(current.units)} đơn vị; {current.counts_text()}; nộp muộn {late}.")
    if current.waiting:
        typer.echo(f"{len(current.waiting)} tệp đã nhận chưa kiểm tra: chạy «baocao check».")
    if current.unassigned:
        typer.echo(f"{len(current.unassigned)} tệp chưa xác định được đơn vị: xem {RESULTS_DIR}/ket_qua_kiem_tra.xlsx")


def _report_templates(folder: CampaignFolder, result: TemplatesResult, as_json: bool) -> None:
    if as_json:
        _print_json(
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


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _log_unexpected(error: BaseException) -> Path:
    return write_error_log(Path.cwd(), error, " ".join(sys.argv))


def run(arguments: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; staff never see a traceback unless --debug."""
    try:
        app(args=arguments, prog_name="baocao", standalone_mode=False)
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
        log = _log_unexpected(error)
        errors.print(
            "[bold red]Lỗi bất ngờ[/] (không phải do thao tác của anh/chị). "
            f"Chi tiết kỹ thuật đã ghi vào {log}; hãy gửi tệp đó cho người hỗ trợ kỹ thuật.",
            highlight=False,
        )
        return EXIT_INTERNAL
    return 0


def entry_point() -> None:
    sys.exit(run())
