"""Which unit sent a return, and whether staff must confirm it: every identity signal weighed in one place.

The signals: the unit code in the template's hidden `_meta` sheet, the sender's address, the unit name
typed in the file, the tag in the mail subject, the file name and the folder it sat in. The unit is the
first signal that names one, in that order. `_meta`, the sender and the typed name are strong: when two of
them name different units, or the mail comes from an address that belongs to no unit and no trusted domain,
the return waits for staff (`needs_confirmation`) and never replaces a usable return. The subject tag, the
file name and the folder are weak: a disagreement is only a warning.

Plain data in (`UnitEvidence`), plain data out (`Identification`): the unit code (or None), how it was
decided in words for staff, the findings that name every signal that disagrees, and the confirmation flag.
"""

import re
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from addin.config import CampaignConfig, UnitEntry
from addin.contract import Meta
from addin.findings import ERROR, WARNING, Finding
from addin.intake.reading import WorkbookContents
from addin.subject_tag import find_subject_tag
from addin.vietnamese import UnitNames, nfc

CONFIRM_HINT = (
    "Báo cáo chờ cán bộ xác nhận và chưa được dùng. Nếu đúng là báo cáo của đơn vị nào, hãy chấp nhận cho "
    "đơn vị đó (nút «Chấp nhận» hoặc «baocao accept THƯ_MỤC MÃ_ĐƠN_VỊ --file MÃ_TỆP»); nếu không, hãy không "
    "nhận (baocao reject) và liên hệ đơn vị."
)


@dataclass(frozen=True)
class UnitEvidence:
    """What a return and the mail that brought it say about their unit; every part may be missing."""

    file_name: str
    meta_code: str | None = None  # the unit code in `_meta`
    typed_name: str | None = None  # the unit name cell, NFC
    sender: str | None = None  # None: the file did not come by mail
    subject: str | None = None
    folder: str | None = None  # the name of the folder a file outside mail was found in


class Envelope(Protocol):
    """What is known of a return before its content is read (a ledger record): its name and the mail it came in."""

    original_name: str
    sender: str | None
    subject: str | None


@dataclass(frozen=True)
class Identification:
    """The unit decided on (None when no signal names one), in words for staff, with its findings."""

    unit_code: str | None
    how: str  # "Theo thông tin ẩn của biểu mẫu (_meta)."
    findings: list[Finding] = field(default_factory=list)
    needs_confirmation: bool = False


class Clue(NamedTuple):
    """One signal's answer to "which unit sent this?", with how to word it."""

    code: str
    basis: str  # "thông tin ẩn của biểu mẫu (_meta)"
    says: str  # "thư được gửi từ «…»", completed by "của <unit>"
    finding_code: str  # raised when this clue disagrees with the unit chosen
    strong: bool


class UnitIdentifier:
    """Identifies the unit of returns against one config; build once, use for every return."""

    def __init__(self, config: CampaignConfig):
        self.campaign_id = config.campaign.id
        self.units = config.units_by_code
        self.unit_names = UnitNames([(unit.code, [unit.name, unit.short]) for unit in config.units])
        self.unit_emails = {address.strip().casefold(): unit.code for unit in config.units for address in unit.emails}
        self.trusted_addresses = {config.issuer.email.strip().casefold(), config.mail.sender.strip().casefold()}
        self.trusted_domains = {domain.strip().casefold().lstrip("@") for domain in config.mail.trusted_domains}
        self.name_fields = [
            form_field.name
            for section in config.form.sections
            for form_field in section.fields
            if form_field.prefill == "unit_name"
        ]

    def identify_envelope(self, envelope: Envelope) -> Identification:
        """The unit a return's envelope names (sender, subject tag, file name): for a return not read (yet)."""
        return self.identify(UnitEvidence(envelope.original_name, sender=envelope.sender, subject=envelope.subject))

    def evidence(
        self,
        contents: WorkbookContents,
        file_name: str,
        sender: str | None = None,
        subject: str | None = None,
        folder: str | None = None,
    ) -> UnitEvidence:
        """The evidence of a return whose contents could be read."""
        meta_code = contents.meta.get(Meta.UNIT_CODE)
        return UnitEvidence(file_name, meta_code, self._typed_name(contents), sender, subject, folder)

    def identify(self, evidence: UnitEvidence) -> Identification:
        """The unit of a return, the findings on its signals, and whether staff must confirm it."""
        clues, findings = self._clues(evidence)
        unknown_sender = evidence.sender is not None and not self._known_sender(evidence.sender)
        if not clues:
            return Identification(None, "Không xác định được.", [self._unit_unknown(evidence), *findings])
        chosen, unit = clues[0], self.units[clues[0].code]
        disagreeing = [clue for clue in clues[1:] if clue.code != chosen.code]
        needs_confirmation = unknown_sender or any(clue.strong for clue in disagreeing)
        for clue in disagreeing:
            findings.append(self._disagreement(unit, chosen, clue, needs_confirmation))
        if unknown_sender:
            findings.append(self._sender_unknown(evidence.sender or "", unit, chosen))
        if evidence.meta_code not in self.units:
            findings.insert(0, self._meta_missing(unit, chosen))
        how = f"Theo {chosen.basis}."
        if needs_confirmation:
            how += " Chờ cán bộ xác nhận."
        return Identification(chosen.code, how, findings, needs_confirmation)

    # ------------------------------------------------------------ the signals

    def _clues(self, evidence: UnitEvidence) -> tuple[list[Clue], list[Finding]]:
        """Every signal that names a unit, strongest first, and a finding for a typed name that names none."""
        clues, findings = [], []
        if evidence.meta_code in self.units:
            clues.append(Clue(evidence.meta_code, "thông tin ẩn của biểu mẫu (_meta)", "tệp là biểu mẫu", "", True))
        sender_code = self.unit_emails.get((evidence.sender or "").strip().casefold())
        if sender_code:
            says = f"thư được gửi từ «{evidence.sender}»"
            clues.append(Clue(sender_code, f"địa chỉ người gửi «{evidence.sender}»", says, "SENDER_MISMATCH", True))
        typed = evidence.typed_name
        if typed:
            typed_code = self.unit_names.match(typed)
            if typed_code:
                says = f"ô tên đơn vị ghi «{typed}», là tên"
                clues.append(Clue(typed_code, f"tên đơn vị ghi trong tệp «{typed}»", says, "UNIT_MISMATCH", True))
        clues += self._weak_clues(evidence)
        if typed and not any(clue.finding_code == "UNIT_MISMATCH" for clue in clues) and clues:
            findings.append(self._name_unrecognised(typed, self.units[clues[0].code]))
        return clues, findings

    def _weak_clues(self, evidence: UnitEvidence) -> list[Clue]:
        clues = []
        tag_code = find_subject_tag(evidence.subject or "", self.campaign_id)
        if tag_code in self.units:
            tag = f"«[{self.campaign_id}/{tag_code}]»"
            clues.append(
                Clue(
                    tag_code, f"mã {tag} trong tiêu đề thư", f"tiêu đề thư mang mã {tag}", "SUBJECT_TAG_MISMATCH", False
                )
            )
        file_code = self._code_in_name(evidence.file_name)
        if file_code:
            says = f"tên tệp «{evidence.file_name}» mang mã"
            clues.append(Clue(file_code, f"tên tệp «{evidence.file_name}»", says, "FILE_NAME_MISMATCH", False))
        folder_code = self._code_in_name(evidence.folder or "")
        if folder_code:
            says = f"tệp nằm trong thư mục «{evidence.folder}» mang mã"
            clues.append(Clue(folder_code, f"thư mục «{evidence.folder}» chứa tệp", says, "FOLDER_MISMATCH", False))
        return clues

    def _known_sender(self, sender: str) -> bool:
        address = sender.strip().casefold()
        domain = address.rpartition("@")[2]
        in_trusted_domain = any(domain == d or domain.endswith(f".{d}") for d in self.trusted_domains)
        return address in self.unit_emails or address in self.trusted_addresses or in_trusted_domain

    def _code_in_name(self, name: str) -> str | None:
        head = re.split(r"[_\s.]", name, maxsplit=1)[0].upper()
        return head if head in self.units else None

    def _typed_name(self, contents: WorkbookContents) -> str | None:
        for name in self.name_fields:
            if name in contents.fields:
                value = contents.fields[name].value
                return nfc(str(value)) if value not in (None, "") else None
        return None

    # ------------------------------------------------------------ the findings

    def _disagreement(self, unit: UnitEntry, chosen: Clue, clue: Clue, held: bool) -> Finding:
        other = self.units[clue.code]
        text = (
            f"Tệp được nhận là báo cáo của {unit.short} ({unit.code}) theo {chosen.basis}, nhưng {clue.says} "
            f"của {other.short} ({other.code})."
        )
        if held:
            text += f" {CONFIRM_HINT}"
        else:
            text += f" Nếu không đúng là báo cáo của {unit.short}, hãy báo lại để cán bộ xử lý."
        return Finding(WARNING, clue.finding_code, text)

    def _sender_unknown(self, sender: str, unit: UnitEntry, chosen: Clue) -> Finding:
        return Finding(
            WARNING,
            "SENDER_UNKNOWN",
            f"Thư được gửi từ «{sender}», không phải địa chỉ của đơn vị nào trong cấu hình; tệp ghi là báo cáo của "
            f"{unit.short} ({unit.code}) theo {chosen.basis}. {CONFIRM_HINT} Nếu đây là địa chỉ mới của đơn vị, "
            "hãy thêm vào «emails» của đơn vị trong config.yaml.",
        )

    def _name_unrecognised(self, typed: str, unit: UnitEntry) -> Finding:
        return Finding(
            WARNING,
            "UNIT_NAME_UNKNOWN",
            f"Ô tên đơn vị ghi «{typed}», không khớp tên đơn vị nào; biểu mẫu là của {unit.short} ({unit.code}), "
            f"tên đúng là «{unit.name}». Hãy sửa ô tên đơn vị nếu gửi lại.",
        )

    @staticmethod
    def _meta_missing(unit: UnitEntry, chosen: Clue) -> Finding:
        code = "IDENTIFIED_BY_FILE_NAME" if chosen.finding_code in ("FILE_NAME_MISMATCH", "FOLDER_MISMATCH") else ""
        return Finding(
            WARNING,
            code or "META_MISSING",
            f"Tệp không còn thông tin ẩn của biểu mẫu; đã nhận là báo cáo của {unit.short} ({unit.code}) "
            f"theo {chosen.basis}. Lần sau hãy dùng đúng biểu mẫu đã được gửi.",
        )

    @staticmethod
    def _unit_unknown(evidence: UnitEvidence) -> Finding:
        return Finding(
            ERROR,
            "UNIT_UNKNOWN",
            "Không xác định được đơn vị gửi tệp (không có thông tin ẩn của biểu mẫu, tên đơn vị "
            f"«{evidence.typed_name or ''}» không khớp đơn vị nào). Hãy dùng đúng biểu mẫu đã được gửi cho đơn vị.",
        )
