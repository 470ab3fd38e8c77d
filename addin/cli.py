"""`baocao`: the command line, one subcommand per step (the same steps as the Excel buttons)."""

import json
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer import _click

from addin import __version__
from addin.campaign import CampaignFolder, init_campaign, open_campaign
from addin.cli_text import usage_error_text
from addin.errors import BaocaoError
from addin.templates import TemplatesResult, build_templates

EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3
ERROR_LOG = "baocao-loi.log"

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


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Khi có lỗi bất ngờ, in chi tiết kỹ thuật (cho người hỗ trợ).")
    ] = False,
    version: Annotated[bool, typer.Option("--version", help="In phiên bản rồi thoát.")] = False,
) -> None:
    """baocao: tạo biểu mẫu, nhận, kiểm tra và tổng hợp báo cáo của các đơn vị."""
    _options["debug"] = debug
    if version:
        typer.echo(f"baocao {__version__}")
        raise typer.Exit()


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
    folder = init_campaign(directory, config)
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
    """Tạo biểu mẫu gốc (nếu chưa có hoặc cấu hình đã đổi) và một biểu mẫu cho mỗi đơn vị."""
    folder = open_campaign(directory)
    result = _make_templates(folder, only, as_json)
    _report_templates(folder, result, as_json)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(metavar="THƯ_MỤC", help="Thư mục cho đợt mẫu.")] = Path(
        "dot_bao_cao_mau"
    ),
    as_json: JsonOption = False,
) -> None:
    """Chạy thử trên đợt báo cáo mẫu (năm 2019): tạo thư mục đợt và biểu mẫu cho mọi đơn vị."""
    folder = CampaignFolder(directory.resolve())
    if not folder.config_path.exists():
        folder = init_campaign(directory)
    result = _make_templates(folder, None, as_json)
    _report_templates(folder, result, as_json)


def _make_templates(folder: CampaignFolder, only: list[str] | None, quiet: bool) -> TemplatesResult:
    config = folder.load_config()
    units = config.units
    if only:
        wanted = {code.strip().upper() for code in only}
        unknown = sorted(wanted - {unit.code for unit in units})
        if unknown:
            raise BaocaoError(
                f"Không có đơn vị mã {', '.join(unknown)} trong {folder.config_path}. "
                "Hãy kiểm tra lại mã (xem mục unit_groups)."
            )
        units = [unit for unit in units if unit.code in wanted]
    return build_templates(folder, config, units, ProgressBar(enabled=not quiet))


def _report_templates(folder: CampaignFolder, result: TemplatesResult, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "campaign_dir": str(folder.root),
                "master": str(result.master),
                "master_rebuilt": result.master_rebuilt,
                "master_backup": str(result.master_backup) if result.master_backup else None,
                "unit_files": [str(path) for path in result.unit_files],
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


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _log_unexpected(error: BaseException) -> Path:
    log = Path.cwd() / ERROR_LOG
    text = f"--- {datetime.now():%Y-%m-%d %H:%M:%S} baocao {__version__}: {' '.join(sys.argv)}\n"
    text += "".join(traceback.format_exception(error))
    try:
        with log.open("a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError:
        log = Path(tempfile.gettempdir()) / ERROR_LOG
        with log.open("a", encoding="utf-8") as stream:
            stream.write(text)
    return log


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
