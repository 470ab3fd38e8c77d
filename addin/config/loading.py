"""Reading `config.yaml`: YAML with the line of every key, pydantic's errors in Vietnamese, one ConfigError.

Every problem, structural or across keys, is reported with its key path and its line in the file.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError

from addin.config.messages import pydantic_message, yaml_message
from addin.config.model import CampaignConfig
from addin.config.problems import KeyPath, format_path, semantic_problems
from addin.errors import BaocaoError
from addin.shipped import SHIPPED_CONFIG

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: ~10× faster


class _Loader(_BASE_LOADER):
    """YAML without its implicit dates: `2025-02-30` stays text for the model to report with its line (PyYAML would
    stop with an English ValueError), and every date is read by one rule, the model's."""

    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
    }


_YAML_LOADER = _Loader
MAX_NODES = 200_000  # YAML nodes once aliases (*name) are expanded; the shipped config has ~1,200


class ConfigError(BaocaoError):
    """A config that cannot be used; `problems` are the Vietnamese lines shown to staff."""

    def __init__(self, file: Path, problems: list[str]):
        self.file = file
        self.problems = problems
        shown = problems[:15]
        more = f"\n  … và {len(problems) - 15} lỗi khác." if len(problems) > 15 else ""
        lines = "\n".join(f"  - {problem}" for problem in shown)
        super().__init__(f"Tệp cấu hình {file} có {len(problems)} lỗi, hãy sửa rồi chạy lại:\n{lines}{more}")


def load_config(path: Path | str | None = None) -> CampaignConfig:
    """Read and validate a campaign config; raise ConfigError with every problem found."""
    file = Path(path) if path else SHIPPED_CONFIG
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise BaocaoError(f"Không tìm thấy tệp cấu hình {file}. Hãy kiểm tra đường dẫn.") from error
    except IsADirectoryError as error:
        raise BaocaoError(f"{file} là một thư mục, không phải tệp cấu hình. Hãy chỉ tới tệp config.yaml.") from error
    except PermissionError as error:
        raise BaocaoError(
            f"Không đọc được tệp cấu hình {file}: không có quyền đọc (hoặc tệp đang bị chương trình khác khoá). "
            "Hãy đóng chương trình đó hoặc xin quyền đọc rồi chạy lại."
        ) from error
    except UnicodeDecodeError as error:
        raise BaocaoError(f"Tệp cấu hình {file} không phải văn bản UTF-8. Hãy lưu lại với mã UTF-8.") from error
    lines, data = _parse_yaml(file, text)
    try:
        config = CampaignConfig.model_validate(data)
    except ValidationError as error:
        problems = [_describe(tuple(item["loc"]), pydantic_message(item), lines) for item in error.errors()]
        raise ConfigError(file, problems) from None
    problems = [_describe(where, message, lines) for where, message in semantic_problems(config)]
    if problems:
        raise ConfigError(file, problems)
    return config


def _parse_yaml(file: Path, text: str) -> tuple[dict[KeyPath, int], Any]:
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        raise ConfigError(file, [yaml_message(error, text)]) from None
    finally:
        loader.dispose()
    if node is not None and _too_many_nodes(node):
        raise ConfigError(
            file,
            [
                f"tệp có hơn {MAX_NODES} mục khi mở rộng các tham chiếu YAML (&tên và *tên) — "
                "có thể là tệp bị sửa có chủ ý. Hãy bỏ các tham chiếu *tên, viết thẳng giá trị."
            ],
        )
    if not isinstance(data, dict):
        raise ConfigError(file, ["tệp không chứa các mục cấu hình (campaign, issuer, unit_groups, form, ...)."])
    lines: dict[KeyPath, int] = {}
    duplicates = list(_index_lines(node, (), lines))
    if duplicates:
        raise ConfigError(
            file, [_describe(where, "mục này bị viết hai lần; chỉ giữ một.", lines) for where in duplicates]
        )
    return lines, data


def _too_many_nodes(root: yaml.Node) -> bool:
    """Whether the document, with every alias expanded, has more than MAX_NODES nodes (a "billion laughs")."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            return True
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _index_lines(node: yaml.Node, where: KeyPath, lines: dict[KeyPath, int]) -> Iterator[KeyPath]:
    """Record the line of every key path; yield the paths of keys written twice."""
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                lines[(*where, key)] = key_node.start_mark.line + 1
                yield (*where, key)
                continue
            seen.add(key)
            yield from _index_lines(value_node, (*where, key), lines)
            lines[(*where, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _index_lines(item, (*where, index), lines)


def _describe(where: KeyPath, message: str, lines: dict[KeyPath, int]) -> str:
    line = next((lines[where[:end]] for end in range(len(where), -1, -1) if where[:end] in lines), None)
    place = f"dòng {line}" if line else "không rõ dòng"
    return f"{place} ({format_path(where)}): {message}"
