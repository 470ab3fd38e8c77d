"""The per-unit copies of the master that go out to units, and keeping the master current.

Unit copies are stamped from the master's bytes: every `{{placeholder}}` text is replaced inside the
package's XML. Stamping from bytes keeps everything staff did to the master in Excel (fonts, colours,
widths, a logo) exactly, which a load-and-save through openpyxl would not (it drops shapes and other
parts it does not model), and costs about a millisecond per unit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from addin.campaign import CampaignFolder
from addin.config import CampaignConfig, UnitEntry
from addin.contract import Meta
from addin.errors import BaocaoError
from addin.form_history import record_issued
from addin.issue.master import MASTER_NAME, NAME_FIT_KEY, build_master, name_fit_key
from addin.issue.placeholders import PLACEHOLDER_PATTERN, placed_value, unit_values
from addin.progress import NullReporter, Reporter
from addin.xlsx.atomic import replace_file, write_bytes_atomically
from addin.xlsx.meta import read_layout_meta
from addin.xlsx.names import safe_file_stem
from addin.xlsx.zip_parts import read_parts, write_parts


class MasterPackage:
    """The master's parts held in memory, ready to be stamped for one unit after another."""

    def __init__(self, master: bytes, source: Path):
        self.parts = read_parts(master)
        found = {
            match.group(1).decode() for data in self.parts.values() for match in PLACEHOLDER_PATTERN.finditer(data)
        }
        if "unit_code" not in found or "unit_name" not in found:
            raise BaocaoError(
                f"Biểu mẫu gốc {source} đã mất chỗ điền tên/mã đơn vị ({{{{unit_name}}}}, {{{{unit_code}}}}). "
                "Hãy khôi phục các ô đó hoặc xoá tệp gốc để baocao tạo lại."
            )

    def stamp(self, unit: UnitEntry) -> bytes:
        values = unit_values(unit)

        def value(match) -> bytes:
            width = match.group(2).decode() if match.group(2) else None
            return escape(placed_value(values, match.group(1).decode(), width)).encode("utf-8")

        def stamped(data: bytes) -> bytes:
            if b"{{" not in data:
                return data
            return PLACEHOLDER_PATTERN.sub(value, data)

        return write_parts((name, stamped(data)) for name, data in self.parts.items())


def unit_file_name(unit: UnitEntry) -> str:
    return f"{unit.code}_{safe_file_stem(unit.short)}.xlsx"


@dataclass(frozen=True)
class TemplatesResult:
    master: Path
    master_rebuilt: bool
    master_backup: Path | None
    unit_files: list[Path]
    skipped: list[UnitEntry] = field(default_factory=list)  # units left out: their return is already used

    @property
    def skipped_text(self) -> str | None:
        """Which units got no new template and why, in words for staff; None when none was left out."""
        if not self.skipped:
            return None
        names = ", ".join(unit.short for unit in self.skipped[:10])
        more = f" và {len(self.skipped) - 10} đơn vị khác" if len(self.skipped) > 10 else ""
        return (
            f"Không tạo lại biểu mẫu cho {len(self.skipped)} đơn vị đã có báo cáo đang được dùng (hoặc đang chờ "
            f"kiểm tra): {names}{more}. Cần tạo cho đơn vị nào thì chạy «baocao templates --only MÃ_ĐƠN_VỊ»."
        )


def ensure_master(config: CampaignConfig, folder: CampaignFolder) -> tuple[Path, bool, Path | None]:
    """Use the campaign's master if it matches the config; otherwise build it (keeping the old one)."""
    master = folder.layouts / MASTER_NAME
    backup = None
    if master.exists():
        meta = read_layout_meta(master)
        current = meta.get(Meta.MASTER_FINGERPRINT) == config.master_fingerprint
        if current and meta.get(NAME_FIT_KEY) == name_fit_key(config):  # and made for names as long as these
            return master, False, None
        fingerprint = meta.get(Meta.MASTER_FINGERPRINT, "khong_doc_duoc")
        backup = master.with_name(f"{master.stem}.cu_{fingerprint}{master.suffix}")
        replace_file(master, backup, in_use=master)
    write_bytes_atomically(master, build_master(config))
    return master, True, backup


def build_templates(
    folder: CampaignFolder,
    config: CampaignConfig | None = None,
    units: Iterable[UnitEntry] | None = None,
    reporter: Reporter | None = None,
) -> TemplatesResult:
    """Make sure the master is current, then write one template per unit into the outgoing folder.

    The form they are made from is kept in the campaign's form history first: returns on it can be read
    with its contract even after the form changes.
    """
    config = config or folder.load_config()
    reporter = reporter or NullReporter()
    record_issued(folder, config)
    master, rebuilt, backup = ensure_master(config, folder)
    package = MasterPackage(master.read_bytes(), master)
    chosen = list(units if units is not None else config.units)
    written = []
    reporter.start(len(chosen), "Đang tạo biểu mẫu")
    for unit in chosen:
        target = folder.outgoing / unit_file_name(unit)
        write_bytes_atomically(target, package.stamp(unit))
        written.append(target)
        reporter.advance(unit.short)
    reporter.finish()
    return TemplatesResult(master=master, master_rebuilt=rebuilt, master_backup=backup, unit_files=written)
