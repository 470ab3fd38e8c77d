"""`baocao doctor`: the «Kiểm tra cài đặt» button's installation check, printed (see frontends/installation.py)."""

from pathlib import Path
from typing import Annotated

import typer

from addin.campaign import CampaignFolder, open_campaign
from addin.frontends.bundle_setup import bundle_home, remembered_campaign
from addin.frontends.cli_render import print_json
from addin.frontends.installation import installation_report
from addin.outputs.control_panel import INFO_SHEET


def doctor(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="THƯ_MỤC",
            help="Thư mục đợt báo cáo (mặc định: thư mục hiện tại nếu là đợt báo cáo, "
            "không thì đợt BaoCao.cmd dùng lần trước).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON (cho máy đọc).")] = False,
) -> None:
    """Kiểm tra cài đặt (như nút «Kiểm tra cài đặt»): Python, xlwings, đường dẫn, quyền ghi, bảo mật macro; mã thoát 1
    nếu có điều cần sửa."""
    from addin.outputs.control_workbook import CONTROL_WORKBOOK  # xlwings and pyOpenVBA: only when asked

    folder = _campaign(directory)
    workbook = folder.root / CONTROL_WORKBOOK if folder else None
    info = read_build_info(workbook) if workbook and workbook.is_file() else None
    report = installation_report(folder, info, str(workbook) if info is not None else None)
    if as_json:
        print_json({"facts": dict(report.facts), "problems": report.problems})
    else:
        for line in report.lines():
            typer.echo(line)
    if report.problems:
        raise typer.Exit(1)


def _campaign(directory: Path | None) -> CampaignFolder | None:
    if directory is not None:
        return open_campaign(directory)
    if CampaignFolder(Path.cwd()).config_path.is_file():
        return open_campaign(Path.cwd())
    home = bundle_home()
    remembered = remembered_campaign(home) if home else None
    return open_campaign(remembered) if remembered else None


def read_build_info(workbook: Path) -> dict[str, str]:
    """BaoCao.xlsm's own record of how it was built (its very hidden sheet), read without ever saving the file."""
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        rows = book[INFO_SHEET].iter_rows(values_only=True)
        return {str(row[0]): str(row[1] or "") for row in rows if row and row[0]}
    finally:
        book.close()
