"""Writing `config.yaml` from an imported design: only what changed in meaning, comments and key order kept.

The old file is read with ruamel.yaml in round-trip mode; each key whose value (with the model's defaults)
differs is replaced, a key back at its default is removed, a new key is added at the end of its mapping.
Parts that did not change keep their bytes, comments included. The previous file is kept beside it as
`config.yaml.<năm-tháng-ngày_giờphútgiây>.bak`.
"""

import io
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from addin.config.loading import ConfigError, load_config
from addin.config.model import CampaignConfig
from addin.config.problems import format_path
from addin.errors import BaocaoError
from addin.xlsx.atomic import write_bytes_atomically

BACKUP_STAMP = "%Y-%m-%d_%H%M%S"


@dataclass
class ConfigWrite:
    path: Path
    backup: Path | None = None
    changed: list[str] = field(default_factory=list)  # the key paths whose meaning changed ("campaign.deadline")

    @property
    def written(self) -> bool:
        return bool(self.changed)


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: comments, key order, quotes and flow style survive
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def full_dump(config: CampaignConfig) -> dict:
    """The config's meaning as plain JSON data, every default included (and the key dumps leave out)."""
    data = config.model_dump(mode="json")
    data["form"]["accept_versions"] = config.form.accept_versions
    return data


def minimal_dump(config: CampaignConfig) -> dict:
    """What a config.yaml must say for this config: values other than the defaults, dates as dates."""
    data = _tidy(config.model_dump(mode="python", exclude_defaults=True))
    if config.form.accept_versions is not None:
        data["form"]["accept_versions"] = list(config.form.accept_versions)
    return data


def _tidy(value):
    if isinstance(value, dict):
        return {key: _tidy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tidy(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date()
    return value


def write_config(
    path: Path, config: CampaignConfig, now: datetime | None = None, comment: str | None = None
) -> ConfigWrite:
    """Write `config` to `path`, changing only what differs in meaning; keep the old file as a .bak.

    A new file is written whole, one record a line like the shipped config, `comment` at its top."""
    path = Path(path)
    result = ConfigWrite(path)
    if not path.exists():
        result.changed = ["(toàn bộ)"]
        document = _house_style(_to_yaml(minimal_dump(config)))
        if comment:
            document.yaml_set_start_comment(comment)
        write_bytes_atomically(path, _dumped(document))
        return result
    yaml = _yaml()
    document = yaml.load(path.read_text(encoding="utf-8-sig"))
    if not isinstance(document, CommentedMap):
        document = CommentedMap()
    try:
        old = full_dump(load_config(path))
    except (ConfigError, BaocaoError):
        old = _plain(document)  # a config that no longer loads: compared as written
    _merge(document, full_dump(config), old, minimal_dump(config), (), result.changed)
    if not result.changed:
        return result
    result.backup = keep_beside(path, now or datetime.now())
    write_bytes_atomically(path, _dumped(document))
    return result


def _dumped(document) -> bytes:
    buffer = io.StringIO()
    _yaml().dump(document, buffer)
    return buffer.getvalue().encode("utf-8")


def keep_beside(path: Path, now: datetime) -> Path:
    """`config.yaml.2026-12-02_161500.bak` beside the file (a second one in the same second gets `_2`)."""
    stamp = now.strftime(BACKUP_STAMP)
    backup, count = path.with_name(f"{path.name}.{stamp}.bak"), 1
    while backup.exists():
        count += 1
        backup = path.with_name(f"{path.name}.{stamp}_{count}.bak")
    shutil.copy2(path, backup)
    return backup


def _merge(node, new_full, old_full, new_min, where: tuple, changed: list[str]) -> None:
    """Bring the YAML `node` (holding `old_full`'s meaning) to `new_full`, writing values as in `new_min`."""
    if isinstance(node, CommentedMap) and isinstance(new_full, dict):
        old_full = old_full if isinstance(old_full, dict) else {}
        new_min = new_min if isinstance(new_min, dict) else {}
        for key, value in new_full.items():
            if value == old_full.get(key, _ABSENT):
                continue
            _merge_key(node, key, value, old_full.get(key), new_min.get(key, _ABSENT), (*where, key), changed)
        return
    if isinstance(node, CommentedSeq) and isinstance(new_full, list):
        _merge_list(node, new_full, old_full if isinstance(old_full, list) else [], new_min or [], where, changed)


_ABSENT = object()


def _merge_key(node: CommentedMap, key, value, old, minimal, where: tuple, changed: list[str]) -> None:
    current = node.get(key)
    if key in node and (
        (isinstance(current, CommentedMap) and isinstance(value, dict))
        or (isinstance(current, CommentedSeq) and isinstance(value, list))
    ):
        _merge(current, value, old, None if minimal is _ABSENT else minimal, where, changed)
        return
    if minimal is _ABSENT:
        if key in node:
            del node[key]  # back to its default
            changed.append(format_path(where))
        return
    changed.append(format_path(where))
    node[key] = _to_yaml(minimal, like=current)


def _merge_list(node: CommentedSeq, new_full: list, old_full: list, new_min: list, where: tuple, changed) -> None:
    for index, value in enumerate(new_full):
        old = old_full[index] if index < len(old_full) else _ABSENT
        if value == old:
            continue
        minimal = new_min[index] if index < len(new_min) else value
        if index >= len(node):
            node.append(_to_yaml(minimal, like=node[-1] if len(node) else None))
            changed.append(format_path((*where, index)))
        elif isinstance(node[index], CommentedMap) and isinstance(value, dict):
            _merge(node[index], value, old, minimal, (*where, index), changed)
        else:
            node[index] = _to_yaml(minimal, like=node[index])
            changed.append(format_path((*where, index)))
    if len(node) > len(new_full):
        changed.extend(format_path((*where, index)) for index in range(len(new_full), len(node)))
        del node[len(new_full) :]


ONE_LINE = (  # records written one a line ({…}), as in the shipped config
    ("campaign", "period"),
    ("unit_groups", "*", "units", "*"),
    ("form", "choices", "*", "*"),
    ("form", "sections", "*", "fields", "*"),
    ("form", "sections", "*", "header_groups", "*"),
    ("summary", "annexes", "*", "columns", "*"),
    ("mail", "smtp"),
    ("mail", "imap"),
    ("mail", "limits"),
)


def _house_style(document: CommentedMap) -> CommentedMap:
    for pattern in ONE_LINE:
        for node in _matching(document, pattern):
            if isinstance(node, CommentedMap):
                node.fa.set_flow_style()
    return document


def _matching(node, pattern: tuple):
    if not pattern:
        yield node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    else:
        children = [node[head]] if isinstance(node, dict) and head in node else []
    for child in children:
        yield from _matching(child, rest)


def _plain(node):
    """A YAML node as the JSON data a config dump would give (dates as ISO text, text NFC)."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, str):
        return unicodedata.normalize("NFC", str(node)).strip()
    return node


def _to_yaml(value, like=None):
    """Plain data as ruamel nodes, in the style of the value it replaces (a one-line {…} stays one line)."""
    if isinstance(value, dict):
        mapping = CommentedMap((key, _to_yaml(item)) for key, item in value.items())
        if isinstance(like, CommentedMap) and like.fa.flow_style():
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(
            _to_yaml(item, like=like[0] if isinstance(like, list) and like else None) for item in value
        )
        if isinstance(like, CommentedSeq) and like.fa.flow_style():
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date | str | int | float | bool) or value is None:
        return value
    return str(value)
