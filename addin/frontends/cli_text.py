"""Vietnamese words for the parts of `--help` and usage errors that typer/click print.

typer and click word these in English and offer no catalogue, so the few that staff meet
are replaced here, once, at import of the CLI.
"""

import typer.rich_utils as rich_utils
from typer import _click

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
