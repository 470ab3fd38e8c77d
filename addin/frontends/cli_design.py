"""`baocao design export|import` and `baocao init --design`: the campaign designed in an Excel workbook."""

from pathlib import Path
from typing import Annotated

import typer

from addin import stages
from addin.campaign import CampaignFolder
from addin.command_line import command
from addin.design.campaign_design import (
    apply_design,
    changed_text,
    export_campaign_design,
    temporary_config_from_design,
)
from addin.design.reading import DesignError
from addin.errors import BaocaoError
from addin.frontends.cli_render import print_json

design_app = typer.Typer(
    name="design",
    help="Thiết kế đợt báo cáo bằng Excel: xuất cấu hình ra bảng thiết kế, áp dụng bảng thiết kế vào config.yaml.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
DesignOption = Annotated[
    Path | None,
    typer.Option(
        "--design",
        metavar="TỆP",
        help="Tạo đợt từ bảng thiết kế Excel (thiet_ke_dot_bao_cao.xlsx) thay cho tệp cấu hình.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON (cho máy đọc).")]


@design_app.command("export")
def export_command(
    directory: Annotated[
        Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục đợt báo cáo (mặc định: thư mục hiện tại).")
    ] = Path("."),
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="TỆP", help="Tệp bảng thiết kế sẽ ghi (mặc định: thiet_ke_dot_bao_cao.xlsx)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Xuất cấu hình đợt báo cáo ra bảng thiết kế Excel (đơn vị, biểu mẫu, quy tắc, tổng hợp).

    Thư mục chưa có config.yaml: bảng thiết kế trống, các mục bắt buộc được đánh dấu.
    Bảng thiết kế đã có được giữ lại bên cạnh: thiet_ke_dot_bao_cao.xlsx.<năm-tháng-ngày_giờphútgiây>.bak.
    """
    exported = export_campaign_design(directory, out)
    if as_json:
        backup = str(exported.backup) if exported.backup else None
        print_json({"design": str(exported.path), "source": exported.source, "backup": backup})
        return
    said = {
        "config": "từ config.yaml",
        "raw": "từ config.yaml (tệp đang có lỗi: sửa trong bảng rồi áp dụng)",
        "skeleton": "trống (thư mục chưa có config.yaml; các ô bắt buộc tô màu)",
    }[exported.source]
    typer.echo(f"Đã ghi bảng thiết kế {said}: {exported.path}")
    if exported.backup:
        typer.echo(f"Bảng thiết kế cũ (kể cả những gì đã sửa mà chưa áp dụng) lưu ở {exported.backup}")
    typer.echo(f"Sửa bằng Excel rồi chạy: {command('design', 'import', directory, exported.path)}")


@design_app.command("import")
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="[THƯ_MỤC] TỆP",
            help="Thư mục đợt báo cáo (mặc định: thư mục hiện tại) và tệp bảng thiết kế.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Đọc bảng thiết kế, kiểm tra (báo mọi lỗi một lần, kèm trang, dòng, cột) và ghi config.yaml.

    Chỉ các mục thay đổi được ghi lại; chú thích và thứ tự trong config.yaml giữ nguyên.
    Bản cũ được giữ bên cạnh: config.yaml.<năm-tháng-ngày_giờphútgiây>.bak.
    """
    if len(paths) > 2:
        raise BaocaoError("Chỉ ghi tối đa hai tham số: THƯ_MỤC rồi TỆP bảng thiết kế.")
    directory, design = (Path("."), paths[0]) if len(paths) == 1 else paths
    if not CampaignFolder(directory.resolve()).config_path.is_file():
        raise BaocaoError(
            f"Thư mục {directory} chưa phải thư mục đợt báo cáo (không có config.yaml). "
            f"Để tạo đợt mới từ bảng thiết kế: {command('init', directory, '--design', design)}"
        )
    try:
        result = apply_design(directory, design)
    except DesignError as error:
        if not as_json:
            raise
        print_json({"config": None, "problems": [str(problem) for problem in error.problems]})
        raise typer.Exit(1) from None
    if as_json:
        backup = str(result.backup) if result.backup else None
        print_json({"config": str(result.path), "changed": result.changed, "backup": backup, "problems": []})
        return
    typer.echo(changed_text(result))
    if result.changed:
        typer.echo(f"Bước tiếp theo: {command('templates', directory)}")


def init_campaign_with(directory: Path, config: Path | None, design: Path | None) -> CampaignFolder:
    """`baocao init`: from a config file, or (--design) from a design workbook."""
    if design is None:
        return stages.init_campaign(directory, config)
    if config is not None:
        raise BaocaoError("Chỉ dùng một trong hai: --config (tệp cấu hình) hoặc --design (bảng thiết kế).")
    scratch, config_path = temporary_config_from_design(design)
    with scratch:
        return stages.init_campaign(directory, config_path)
