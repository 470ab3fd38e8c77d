"""Reading `config.yaml`: YAML with the line of every key, pydantic's errors in Vietnamese, one ConfigError.

Every problem, structural or across keys, is reported with its key path and its line in the file.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from addin.config.model import CampaignConfig
from addin.config.problems import KeyPath, format_path, semantic_problems
from addin.errors import BaocaoError
from addin.shipped import SHIPPED_CONFIG

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: ~10× faster
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
    except UnicodeDecodeError as error:
        raise BaocaoError(f"Tệp cấu hình {file} không phải văn bản UTF-8. Hãy lưu lại với mã UTF-8.") from error
    lines, data = _parse_yaml(file, text)
    try:
        config = CampaignConfig.model_validate(data)
    except ValidationError as error:
        problems = [_describe(tuple(item["loc"]), _pydantic_message(item), lines) for item in error.errors()]
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
        mark = getattr(error, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ dòng"
        problem = getattr(error, "problem", None) or "sai cú pháp YAML"
        raise ConfigError(file, [f"{where}: viết sai cú pháp ({problem}). Kiểm tra thụt lề và dấu hai chấm."]) from None
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


_PYDANTIC_MESSAGES = {
    "missing": "thiếu mục bắt buộc này.",
    "extra_forbidden": "mục này không được hỗ trợ (có thể viết sai tên?). Hãy xoá hoặc sửa tên.",
    "string_type": "phải là chữ.",
    "int_type": "phải là số nguyên.",
    "int_parsing": "phải là số nguyên.",
    "int_from_float": "phải là số nguyên.",
    "float_type": "phải là số.",
    "float_parsing": "phải là số.",
    "bool_type": "phải là true hoặc false.",
    "bool_parsing": "phải là true hoặc false.",
    "date_type": "phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019.",
    "date_parsing": "phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019.",
    "date_from_datetime_parsing": "phải là ngày, viết dạng 2019-12-18 hoặc 18/12/2019.",
    "list_type": "phải là một danh sách (mỗi mục bắt đầu bằng dấu -).",
    "dict_type": "phải là một nhóm mục con (dạng tên: giá trị).",
    "model_type": "phải là một nhóm mục con (dạng tên: giá trị).",
}


def _pydantic_message(item: dict) -> str:
    kind = item["type"]
    context = item.get("ctx", {})
    if kind in _PYDANTIC_MESSAGES:
        return _PYDANTIC_MESSAGES[kind]
    if kind == "literal_error":
        return f"giá trị «{item.get('input')}» không hợp lệ; chỉ được là một trong: {context.get('expected')}."
    if kind == "string_pattern_mismatch":
        return (
            f"«{item.get('input')}» không đúng dạng: tên chỉ gồm chữ thường không dấu, số, dấu gạch dưới "
            "(mã đơn vị: chữ in hoa không dấu, số, - hoặc _), bắt đầu bằng chữ hoặc số."
        )
    if kind in ("too_short", "string_too_short"):
        return "không được để trống."
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        bound = next(iter(context.values()), "")
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        return f"phải {sign} {bound}."
    return f"giá trị «{item.get('input')}» không hợp lệ."
