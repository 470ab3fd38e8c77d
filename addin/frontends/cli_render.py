"""How the CLI shows what a step did: the lines and tables staff read (kept out of cli.py, which wires the commands)."""

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from addin import stages
from addin.campaign import RESULTS_DIR
from addin.channels.channel import OUTBOX
from addin.channels.compose import KIND_LABELS as MAIL_KIND_LABELS
from addin.channels.sending import FAILED, SENT, SKIPPED, WOULD_SEND, SendReport, shown_time
from addin.standing import CONFIRM, CampaignStanding, State


def show_sending(report: SendReport, verb: str) -> None:
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
        f"Tổng: {len(report.results)} đơn vị ({report.kinds_text()}); đã {sent} {report.count(SENT)}, "
        f"bỏ qua {report.count(SKIPPED)} (đã {verb} trước đó), lỗi {report.count(FAILED)}."
    )
    if report.channel == OUTBOX and report.count(SENT):
        typer.echo(f"Các thư ở {report.outbox}: mở từng tệp .eml bằng Outlook hoặc Thunderbird rồi bấm Gửi.")


def show_decision(verb: str, result: stages.DecisionResult, as_json: bool) -> None:
    decision = result.decision
    if as_json:
        payload = {**asdict(decision), "decided_at": decision.decided_at.isoformat()}
        print_json({**payload, "findings_workbook": str(result.findings_workbook)})
        return
    when = f"{decision.decided_at:%d/%m/%Y %H:%M}"
    confirmed = " (xác nhận là báo cáo của đơn vị này)" if decision.decision == CONFIRM else ""
    typer.echo(
        f"Đã ghi: {verb} tệp «{result.file_name}» (mã {decision.sha256[:8]}) cho {decision.unit_code}{confirmed} "
        f"({decision.decided_by}, {when})."
    )
    typer.echo(f"Đã cập nhật kết quả kiểm tra: {result.findings_workbook}")
    typer.echo("Chạy «baocao summary» để lập lại bảng tổng hợp với quyết định này.")


def show_summary(result) -> None:
    counts = result.counts
    if result.checked_first:
        typer.echo(f"Đã kiểm tra trước {len(result.checked_first)} tệp nhận mà chưa kiểm tra.")
    typer.echo(
        f"Đơn vị: {counts['expected']}; có số liệu trong tổng hợp {counts['included']} (nộp muộn {counts['late']})."
    )
    typer.echo(f"Tình hình: {result.standing.counts_text()}.")
    if result.missing:
        typer.echo(f"Chưa nộp: {', '.join(result.missing)}")
    for line in result.merged.left_out:
        typer.echo(f"Bỏ ra khỏi tổng hợp: {line}")
    if result.layout_rebuild:
        for line in result.layout_rebuild.lines():
            typer.echo(f"Lưu ý: {line}")
    if result.summary_workbook:
        typer.echo(f"Bảng tổng hợp theo mẫu: {result.summary_workbook}")
    else:
        typer.echo("Cấu hình chưa khai phụ lục nào (summary.annexes) nên chưa lập bảng tổng hợp theo mẫu.")
    if result.report:
        typer.echo(f"Báo cáo (Word, bản dự thảo để hoàn thiện): {result.report}")
    for pdf in result.pdfs:
        typer.echo(f"Bản PDF để ký số: {pdf}")
    if result.pdf_note:
        typer.echo(f"Lưu ý: {result.pdf_note}")
    typer.echo(f"Dữ liệu thô (Excel, CSV): {result.tidy_workbook}, {result.csv_dir}")
    typer.echo(f"Kết quả kiểm tra: {result.findings_workbook}")


def show_status(current: CampaignStanding) -> None:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for column in ("TT", "Mã", "Đơn vị", "Tình trạng", "Tệp mới nhất", "Mã tệp", "Lỗi", "Cảnh báo"):
        table.add_column(column)
    for index, unit_status in enumerate(current.units, start=1):
        latest = unit_status.latest
        table.add_row(
            str(index),
            unit_status.unit.code,
            unit_status.unit.short,
            unit_status.label,
            latest.record.original_name if latest else "",
            latest.record.sha256[:8] if latest else "",
            str(latest.check.errors) if latest else "",
            str(latest.check.warnings) if latest else "",
        )
    Console(width=max(120, Console().width)).print(table)
    late = sum(1 for unit_status in current.units if unit_status.late)
    typer.echo(f"Tổng: {len(current.units)} đơn vị; {current.counts_text()}; nộp muộn {late}.")
    if current.waiting:
        typer.echo(f"{len(current.waiting)} tệp đã nhận chưa kiểm tra: chạy «baocao check».")
    doubtful = current.in_state(State.NEEDS_CONFIRMATION)
    if doubtful:
        typer.echo(
            f"{len(doubtful)} đơn vị có tệp chờ xác nhận ({', '.join(u.unit.code for u in doubtful)}): xem lý do ở "
            f"{RESULTS_DIR}/ket_qua_kiem_tra.xlsx, rồi «baocao accept THƯ_MỤC MÃ_ĐƠN_VỊ --file MÃ_TỆP» hoặc «reject»."
        )
    if current.unassigned:
        typer.echo(f"{len(current.unassigned)} tệp chưa xác định được đơn vị: xem {RESULTS_DIR}/ket_qua_kiem_tra.xlsx")


def print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
