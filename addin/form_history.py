"""Every form version a campaign has issued, kept so that a return is read with its own version's contract.

Each issued contract (the form's sections, fields and choices, the tasks and the rules: the config parts a
template is made from) is a plain JSON file in the archive, `luu_tru/bieu_mau/<form>-<version>-<fp>.json`,
written once when templates are built (or, for campaigns started before, when returns are checked) and
never changed. Plain files in the archive survive a lost ledger with nothing to rebuild.
"""

import json
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig
from addin.config.model import Form, Rule, Task
from addin.contract import fingerprint
from addin.errors import BaocaoError
from addin.expressions import CONSTANTS, parse_expression
from addin.xlsx.atomic import write_bytes_atomically
from addin.xlsx.names import ascii_slug

HISTORY_DIR = "bieu_mau"


@dataclass(frozen=True)
class IssuedForm:
    form_id: str
    version: str
    fingerprint: str
    form: Form
    tasks: list[Task]
    rules: list[Rule]
    issued_at: str


def history_dir(folder: CampaignFolder) -> Path:
    return folder.archive / HISTORY_DIR


def record_issued(folder: CampaignFolder, config: CampaignConfig) -> Path:
    """Keep the current form's contract in the campaign's history (once: an existing record is left as it is)."""
    form = config.form
    name = f"{form.form_id}-{ascii_slug(form.version) or 'v'}-{config.form_fingerprint[:12]}.json"
    target = history_dir(folder) / name
    if target.exists():
        return target
    record = {
        "form_id": form.form_id,
        "version": form.version,
        "fingerprint": config.form_fingerprint,
        "issued_at": datetime.now().replace(microsecond=0).isoformat(),
        "contract": config.contract_parts(),
    }
    text = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True)
    write_bytes_atomically(target, text.encode("utf-8"))
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return target


class FormHistory:
    """The issued contracts of a campaign, read once, found by (form id, version, fingerprint)."""

    def __init__(self, folder: CampaignFolder):
        self.issued: dict[tuple[str, str, str], IssuedForm] = {}
        for path in sorted(history_dir(folder).glob("*.json")):
            issued = _read(path)
            self.issued[(issued.form_id, issued.version, issued.fingerprint)] = issued

    def lookup(self, form_id: str | None, version: str | None, form_fingerprint: str | None) -> IssuedForm | None:
        return self.issued.get((form_id or "", version or "", form_fingerprint or ""))

    @property
    def versions(self) -> set[str]:
        return {version for _, version, _ in self.issued}


def _read(path: Path) -> IssuedForm:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        contract = record["contract"]
        issued = IssuedForm(
            form_id=record["form_id"],
            version=record["version"],
            fingerprint=record["fingerprint"],
            form=Form.model_validate(contract["form"]),
            tasks=[Task.model_validate(task) for task in contract.get("tasks", [])],
            rules=[Rule.model_validate(rule) for rule in contract.get("rules", [])],
            issued_at=record.get("issued_at", ""),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise _damaged(path, f"không đọc được ({type(error).__name__})") from None
    if fingerprint(contract) != issued.fingerprint:
        raise _damaged(path, "nội dung không khớp dấu vân tay đã ghi (tệp đã bị sửa)")
    return issued


def _damaged(path: Path, why: str) -> BaocaoError:
    return BaocaoError(
        f"Tệp lưu biểu mẫu đã phát hành {path} {why}. Tệp này không được sửa: hãy chép lại bản gốc từ bản "
        "sao lưu của thư mục đợt báo cáo rồi chạy lại."
    )


def contract_config(config: CampaignConfig, issued: IssuedForm) -> CampaignConfig:
    """The current config as it applies to a return on an earlier form: that form, and today's rules on its fields."""
    fields = {section.name: {field.name for field in section.fields} for section in issued.form.sections}
    rules = [rule for rule in config.rules if rule.scope in fields and set(_rule_names(rule)) <= fields[rule.scope]]
    data = config.model_dump()
    data.update(form=issued.form.model_dump(), rules=[rule.model_dump() for rule in rules])
    return CampaignConfig.model_validate(data)


def _rule_names(rule: Rule) -> list[str]:
    names = parse_expression(rule.left).names + parse_expression(rule.right).names
    return [name for name in names if name not in CONSTANTS]


def added_labels(current: Form, earlier: Form) -> tuple[str, ...]:
    """The labels of the current form's fields an earlier form did not have, in form order."""
    earlier_fields = {section.name: {field.name for field in section.fields} for section in earlier.sections}
    return tuple(
        field.label
        for section in current.sections
        for field in section.fields
        if field.name not in earlier_fields.get(section.name, set())
    )


def accepted_versions(config: CampaignConfig, history: FormHistory) -> set[str]:
    """The versions returns may be on: `form.accept_versions` (checked against what was issued) and the current one."""
    listed = config.form.accept_versions
    if listed is None:
        return history.versions | {config.form.version}
    unknown = sorted(set(listed) - history.versions - {config.form.version})
    if unknown:
        issued = ", ".join(f"«{version}»" for version in sorted(history.versions)) or "(chưa có)"
        raise BaocaoError(
            f"Mục form.accept_versions trong config.yaml có phiên bản {', '.join(f'«{v}»' for v in unknown)} "
            f"chưa từng được phát hành trong đợt này (các phiên bản đã phát hành: {issued}). Hãy sửa lại."
        )
    return set(listed) | {config.form.version}
