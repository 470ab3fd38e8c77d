"""Which unit sent a return: every identity signal weighed in one place.

The signals, strongest first: the unit code in the template's hidden `_meta` sheet, the sender's
address, the tag in the mail subject, the unit name typed in the file, the file name. Plain
data in (`UnitEvidence`), plain data out (`Identification`): the unit code (or None), how it was
decided in words for staff, and a warning for every signal that points at another unit.
A new signal is a field of `UnitEvidence` and a `Clue` (or a step in `_identify_by_file`).
"""

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from addin.config import CampaignConfig
from addin.contract import Meta
from addin.findings import ERROR, WARNING, Finding
from addin.intake.reading import WorkbookContents
from addin.subject_tag import find_subject_tag
from addin.vietnamese import match_unit, nfc


@dataclass(frozen=True)
class UnitEvidence:
    """What a return and the mail that brought it say about their unit; every part may be missing."""

    file_name: str
    meta_code: str | None = None  # the unit code in `_meta`
    typed_name: str | None = None  # the unit name cell, NFC
    sender: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Identification:
    """The unit decided on (None when no signal names one), in words for staff, with its warnings."""

    unit_code: str | None
    how: str  # "Theo thông tin ẩn của biểu mẫu (_meta)."
    findings: list[Finding] = field(default_factory=list)


class Clue(NamedTuple):
    """One source's answer to "which unit sent this?", with how to word it."""

    code: str
    basis: str  # "theo địa chỉ người gửi «…»"
    says: str  # "thư được gửi từ «…»"
    finding_code: str  # raised when this clue disagrees with the unit chosen


class UnitIdentifier:
    """Identifies the unit of returns against one config; build once, use for every return."""

    def __init__(self, config: CampaignConfig):
        self.campaign_id = config.campaign.id
        self.units = {unit.code: unit for unit in config.units}
        self.unit_names = [(unit.code, [unit.name, unit.short]) for unit in config.units]
        self.unit_emails = {unit.email.strip().casefold(): unit.code for unit in config.units}
        self.name_fields = [
            form_field.name
            for section in config.form.sections
            for form_field in section.fields
            if form_field.prefill == "unit_name"
        ]

    def evidence(
        self, contents: WorkbookContents, file_name: str, sender: str | None = None, subject: str | None = None
    ) -> UnitEvidence:
        """The evidence of a return whose contents could be read."""
        return UnitEvidence(file_name, contents.meta.get(Meta.UNIT_CODE), self._typed_name(contents), sender, subject)

    def identify(self, evidence: UnitEvidence) -> Identification:
        """The unit of a return: `_meta`, then the sender's address, then the subject tag, then the file itself."""
        clues = self._mail_clues(evidence.sender, evidence.subject)
        if evidence.meta_code not in self.units and clues:
            return self._identify_by_mail(evidence, clues)
        identification = self._identify_by_file(evidence)
        code = identification.unit_code
        if code and evidence.meta_code in self.units:
            basis = "theo thông tin ẩn của biểu mẫu" if code == evidence.meta_code else "theo tên đơn vị ghi trong tệp"
            disagreements = self._disagreements(code, basis, clues)
            return replace(identification, findings=[*identification.findings, *disagreements])
        return identification

    def _mail_clues(self, sender: str | None, subject: str | None) -> list[Clue]:
        """What the mail says about the unit, strongest first."""
        clues = []
        sender_code = self.unit_emails.get((sender or "").strip().casefold())
        if sender_code:
            clues.append(
                Clue(
                    sender_code, f"theo địa chỉ người gửi «{sender}»", f"thư được gửi từ «{sender}»", "SENDER_MISMATCH"
                )
            )
        tag_code = find_subject_tag(subject or "", self.campaign_id)
        if tag_code in self.units:
            tag = f"«[{self.campaign_id}/{tag_code}]»"
            clues.append(
                Clue(tag_code, f"theo mã {tag} trong tiêu đề thư", f"tiêu đề thư mang mã {tag}", "SUBJECT_TAG_MISMATCH")
            )
        return clues

    def _identify_by_mail(self, evidence: UnitEvidence, clues: list[Clue]) -> Identification:
        """The file lost its `_meta`: the strongest mail clue decides, the others and the typed name may disagree."""
        best, unit = clues[0], self.units[clues[0].code]
        missing = Finding(
            WARNING,
            "META_MISSING",
            f"Tệp không còn thông tin ẩn của biểu mẫu; đã nhận là báo cáo của {unit.short} ({unit.code}) "
            f"{best.basis}. Lần sau hãy dùng đúng biểu mẫu đã được gửi.",
        )
        typed = evidence.typed_name
        name_code = match_unit(typed, self.unit_names) if typed else None
        others = clues[1:]
        if name_code:
            others.append(Clue(name_code, "", f"tên đơn vị ghi trong tệp là «{typed}»", "UNIT_MISMATCH"))
        how = f"{best.basis[0].upper()}{best.basis[1:]}."
        return Identification(best.code, how, [missing, *self._disagreements(best.code, best.basis, others)])

    def _disagreements(self, code: str, basis: str, clues: list[Clue]) -> list[Finding]:
        unit, found = self.units[code], []
        for clue in clues:
            if clue.code == code:
                continue
            other = self.units[clue.code]
            found.append(
                Finding(
                    WARNING,
                    clue.finding_code,
                    f"Tệp được nhận là báo cáo của {unit.short} ({unit.code}) {basis}, nhưng {clue.says} của "
                    f"{other.short} ({other.code}). Nếu {other.short} gửi hộ thì không cần làm gì; nếu "
                    f"{other.short} điền nhầm biểu mẫu của {unit.short}, hãy không nhận báo cáo này "
                    f"(baocao reject) và đề nghị {other.short} điền đúng biểu mẫu của mình rồi gửi lại.",
                )
            )
        return found

    def _identify_by_file(self, evidence: UnitEvidence) -> Identification:
        """What the file itself says: `_meta`, corrected by the typed unit name; else the name; else the file name."""
        meta_code, typed, file_name = evidence.meta_code, evidence.typed_name, evidence.file_name
        name_code = match_unit(typed, self.unit_names) if typed else None
        if meta_code in self.units:
            unit = self.units[meta_code]
            if name_code and name_code != meta_code:
                other = self.units[name_code]
                return Identification(
                    name_code,
                    f"Theo tên đơn vị ghi trong tệp («{typed}»), khác với biểu mẫu gốc của {unit.short}.",
                    [
                        Finding(
                            WARNING,
                            "UNIT_MISMATCH",
                            f"Tệp là biểu mẫu của {unit.short} ({unit.code}) nhưng ô tên đơn vị ghi «{typed}». "
                            f"Đã nhận là báo cáo của {other.short} ({other.code}); nếu không đúng, hãy báo lại.",
                        )
                    ],
                )
            return Identification(meta_code, "Theo thông tin ẩn của biểu mẫu (_meta).")
        if name_code:
            unit = self.units[name_code]
            return Identification(
                name_code,
                f"Theo tên đơn vị «{typed}».",
                [
                    Finding(
                        WARNING,
                        "META_MISSING",
                        f"Tệp không còn thông tin ẩn của biểu mẫu; đã nhận là báo cáo của {unit.short} ({unit.code}) "
                        f"theo tên đơn vị «{typed}». Lần sau hãy dùng đúng biểu mẫu đã được gửi.",
                    )
                ],
            )
        code = self._code_from_file_name(file_name)
        if code:
            unit = self.units[code]
            return Identification(
                code,
                f"Theo tên tệp «{file_name}».",
                [
                    Finding(
                        WARNING,
                        "IDENTIFIED_BY_FILE_NAME",
                        f"Trong tệp không có thông tin xác định đơn vị; đã nhận là của {unit.short} ({unit.code}) "
                        f"theo tên tệp «{file_name}».",
                    )
                ],
            )
        return Identification(
            None,
            "Không xác định được.",
            [
                Finding(
                    ERROR,
                    "UNIT_UNKNOWN",
                    "Không xác định được đơn vị gửi tệp (không có thông tin ẩn của biểu mẫu, tên đơn vị "
                    f"«{typed or ''}» không khớp đơn vị nào). Hãy dùng đúng biểu mẫu đã được gửi cho đơn vị.",
                )
            ],
        )

    def _code_from_file_name(self, file_name: str) -> str | None:
        head = re.split(r"[_\s.]", file_name, maxsplit=1)[0].upper()
        return head if head in self.units else None

    def _typed_name(self, contents: WorkbookContents) -> str | None:
        for name in self.name_fields:
            if name in contents.fields:
                value = contents.fields[name].value
                return nfc(str(value)) if value not in (None, "") else None
        return None
