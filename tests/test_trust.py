"""Which return counts for which unit: forged senders, misfiled templates and typed names wait for staff.

End to end through the CLI: saved mails (and the IMAP server) in, `check`, `status --json`, `summary`, and
staff's `accept … --file` / `reject … --file` deciding a return whose unit was in doubt.
"""

import csv
import imaplib
import json
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

import yaml

from addin import stages
from addin.demo.samples import SampleMaker, write_samples
from addin.frontends.cli import run
from addin.issue.master import build_master
from addin.outputs.merge import CSV_DIR, UNITS_TABLE
from addin.standing import State
from tests.imap_server import PASSWORD, USER
from tests.sample_data import retype_unit_name

VN = timezone(timedelta(hours=7))


def mail(sender: str, subject: str, attachment: bytes, sent: datetime, name: str = "bao_cao.xlsx") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "tccb.sgddt@laocai.example", subject
    message["Date"] = format_datetime(sent.replace(tzinfo=VN))
    message["Message-ID"] = f"<{abs(hash((sender, subject, name, sent)))}@test>"
    message.set_content("Kính gửi Sở.")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


class Campaign:
    """A campaign folder with the real code's returns of a few units, delivered as saved mails."""

    def __init__(self, root, seed: int = 11, settings: dict | None = None):
        self.folder = stages.init_campaign(root / "dot")
        if settings:
            config = yaml.safe_load(self.folder.config_path.read_text(encoding="utf-8"))
            for key, value in settings.items():
                config["mail"][key] = value
            self.folder.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        self.config = self.folder.load_config()
        self.units = {unit.code: unit for unit in self.config.units}
        self.maker = SampleMaker(self.config, seed=seed)
        self.master = build_master(self.config)
        self.made = 0

    def workbook(self, code: str, typed_name: str | None = None) -> bytes:
        """A filled return on `code`'s own template (its `_meta`), the unit name cell retyped if asked."""
        self.made += 1
        out = self.folder.root / "made" / str(self.made)
        [path] = write_samples(self.config, self.master, [self.maker.make(self.units[code])], out)
        if typed_name is not None:
            retype_unit_name(self.config, path, typed_name)
        return path.read_bytes()

    def deliver(self, name: str, sender: str, workbook: bytes, sent: datetime) -> None:
        (self.folder.inbox / f"{name}.eml").write_bytes(mail(sender, "Báo cáo bình đẳng giới", workbook, sent))

    def cli(self, capsys, *arguments: str):
        assert run([arguments[0], str(self.folder.root), *arguments[1:]]) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    def status(self, capsys) -> dict[str, dict]:
        return {unit["unit_code"]: unit for unit in json.loads(self.cli(capsys, "status", "--json"))["units"]}

    def figures(self, code: str) -> list[dict]:
        """Every tidy row of the unit (what the summary is made of), unit table aside."""
        rows = []
        for table in sorted((self.folder.results / CSV_DIR).glob("*.csv")):
            if table.stem == UNITS_TABLE:
                continue
            with table.open(encoding="utf-8-sig") as opened:
                rows += [{"table": table.stem, **row} for row in csv.DictReader(opened) if row["unit_code"] == code]
        return rows


def doubtful_file(campaign: Campaign, capsys, code: str) -> dict:
    checked = json.loads(campaign.cli(capsys, "check", "--json"))
    return next(f for f in checked if f["unit_code"] == code and f["state"] == State.NEEDS_CONFIRMATION)


def test_a_forged_sender_never_replaces_a_units_good_return(tmp_path, capsys):
    campaign = Campaign(tmp_path)
    campaign.deliver("that", "pgd082@laocai.example", campaign.workbook("PGD082"), datetime(2019, 12, 10, 9))
    campaign.cli(capsys, "collect")
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    genuine = campaign.figures("PGD082")
    assert genuine

    campaign.deliver("gia", "ke.gia.mao@gmail.example", campaign.workbook("PGD082"), datetime(2019, 12, 12, 9))
    campaign.cli(capsys, "collect")
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    unit = campaign.status(capsys)["PGD082"]
    assert unit["status"] == "needs_confirmation"
    assert unit["label"].startswith("Chờ xác nhận") and "đang dùng bản nhận ngày 10/12/2019" in unit["label"]
    assert campaign.figures("PGD082") == genuine, "the forged figures never reach the summary"

    forged = doubtful_file(campaign, capsys, "PGD082")
    [finding] = [f for f in forged["findings"] if f["code"] == "SENDER_UNKNOWN"]
    assert "«ke.gia.mao@gmail.example»" in finding["message"] and "Phòng GD&ĐT Bát Xát (PGD082)" in finding["message"]
    assert forged["identification"] == "Theo thông tin ẩn của biểu mẫu (_meta). Chờ cán bộ xác nhận."

    campaign.cli(capsys, "reject", "PGD082", "--file", forged["sha256"][:8], "--note", "Không phải thư của đơn vị")
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    unit = campaign.status(capsys)["PGD082"]
    assert (unit["status"], unit["counted_sha256"]) == ("valid", unit["sha256"])
    assert campaign.figures("PGD082") == genuine


def test_staff_confirm_a_doubtful_return_and_its_figures_are_used(tmp_path, capsys):
    campaign = Campaign(tmp_path, seed=12)
    campaign.deliver("that", "pgd082@laocai.example", campaign.workbook("PGD082"), datetime(2019, 12, 10, 9))
    campaign.deliver("moi", "hieutruong.ca.nhan@gmail.example", campaign.workbook("PGD082"), datetime(2019, 12, 11))
    campaign.cli(capsys, "collect")
    forged = doubtful_file(campaign, capsys, "PGD082")
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    before = campaign.figures("PGD082")

    out = campaign.cli(capsys, "accept", "PGD082", "--file", forged["sha256"][:10], "--note", "Đã gọi điện xác minh")
    assert "(xác nhận là báo cáo của đơn vị này)" in out
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    unit = campaign.status(capsys)["PGD082"]
    assert (unit["status"], unit["counted_sha256"]) == ("valid", forged["sha256"])
    assert unit["decision"]["decision"] == "confirm" and unit["decision"]["note"] == "Đã gọi điện xác minh"
    assert campaign.figures("PGD082") != before, "the confirmed return's own figures are used now"


def test_another_units_template_sent_from_its_own_address_waits_and_can_be_given_to_the_sender(tmp_path, capsys):
    campaign = Campaign(tmp_path, seed=13)
    campaign.deliver("lc3", "thpt-lc3@laocai.example", campaign.workbook("THPT-LC3"), datetime(2019, 12, 9, 9))
    campaign.deliver("lc4", "thpt-lc4@laocai.example", campaign.workbook("THPT-LC3"), datetime(2019, 12, 11, 9))
    campaign.cli(capsys, "collect")
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    units = campaign.status(capsys)
    lc3 = units["THPT-LC3"]
    assert lc3["status"] == "needs_confirmation" and lc3["counted_sha256"] != lc3["sha256"]
    assert units["THPT-LC4"]["status"] == "missing"

    misfiled = doubtful_file(campaign, capsys, "THPT-LC3")
    [finding] = [f for f in misfiled["findings"] if f["code"] == "SENDER_MISMATCH"]
    assert "THPT số 3 TP Lào Cai (THPT-LC3)" in finding["message"]
    assert "«thpt-lc4@laocai.example» của THPT số 4 TP Lào Cai (THPT-LC4)" in finding["message"]

    campaign.cli(capsys, "accept", "THPT-LC4", "--file", misfiled["sha256"][:8])
    campaign.cli(capsys, "check")
    campaign.cli(capsys, "summary")
    units = campaign.status(capsys)
    assert units["THPT-LC4"]["status"] == "valid" and units["THPT-LC4"]["counted_sha256"] == misfiled["sha256"]
    assert units["THPT-LC3"]["status"] == "valid" and units["THPT-LC3"]["counted_sha256"] == lc3["counted_sha256"]
    assert campaign.figures("THPT-LC4"), "its figures are in the summary under THPT-LC4"


def test_a_typed_name_of_another_unit_waits_for_staff_naming_both(tmp_path, capsys):
    campaign = Campaign(tmp_path, seed=14)
    typed = campaign.workbook("PGD086", typed_name="PGD Bảo Yên")
    campaign.deliver("by", "pgd086@laocai.example", typed, datetime(2019, 12, 10, 9))
    campaign.cli(capsys, "collect")
    doubtful = doubtful_file(campaign, capsys, "PGD086")
    [finding] = [f for f in doubtful["findings"] if f["code"] == "UNIT_MISMATCH"]
    assert "Phòng GD&ĐT Bảo Thắng (PGD086)" in finding["message"]
    assert "ô tên đơn vị ghi «PGD Bảo Yên», là tên của Phòng GD&ĐT Bảo Yên (PGD087)" in finding["message"]
    assert campaign.status(capsys)["PGD086"]["status"] == "needs_confirmation"


def test_a_typed_name_of_no_unit_is_a_warning_naming_the_right_name(tmp_path, capsys):
    campaign = Campaign(tmp_path, seed=15)
    typed = campaign.workbook("PGD086", typed_name="Trường Mầm non Hoa Ban")
    campaign.deliver("hb", "pgd086@laocai.example", typed, datetime(2019, 12, 10, 9))
    campaign.cli(capsys, "collect")
    [checked] = json.loads(campaign.cli(capsys, "check", "--json"))
    assert (checked["unit_code"], checked["state"]) == ("PGD086", "valid")
    [finding] = [f for f in checked["findings"] if f["code"] == "UNIT_NAME_UNKNOWN"]
    assert finding["severity"] == "warning"
    assert "«Trường Mầm non Hoa Ban»" in finding["message"]
    assert "«Phòng Giáo dục và Đào tạo huyện Bảo Thắng»" in finding["message"]


def test_a_units_other_addresses_and_trusted_domains_need_no_confirmation(tmp_path, capsys):
    campaign = Campaign(tmp_path, seed=16, settings={"trusted_domains": ["laocai.edu.vn"]})
    settings = yaml.safe_load(campaign.folder.config_path.read_text(encoding="utf-8"))
    settings["unit_groups"][0]["units"][0]["emails"] = ["truongphong.pgd080@gmail.example"]
    campaign.folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    campaign.deliver("a", "Truongphong.PGD080@gmail.example", campaign.workbook("PGD080"), datetime(2019, 12, 10))
    campaign.deliver("b", "vanthu@pgd.laocai.edu.vn", campaign.workbook("PGD082"), datetime(2019, 12, 10))
    campaign.cli(capsys, "collect")
    campaign.cli(capsys, "check")
    units = campaign.status(capsys)
    assert (units["PGD080"]["status"], units["PGD082"]["status"]) == ("valid", "valid")


def test_a_file_dropped_in_a_folder_is_identified_by_meta_before_the_folder_name(tmp_path, capsys):
    campaign = Campaign(tmp_path, seed=17)
    dropped = campaign.folder.inbox / "THPT-LC3"
    dropped.mkdir()
    (dropped / "bao_cao.xlsx").write_bytes(campaign.workbook("PGD080"))
    campaign.cli(capsys, "collect")
    [checked] = json.loads(campaign.cli(capsys, "check", "--json"))
    assert (checked["unit_code"], checked["state"]) == ("PGD080", "valid")
    assert checked["identification"] == "Theo thông tin ẩn của biểu mẫu (_meta)."
    [finding] = [f for f in checked["findings"] if f["code"] == "FOLDER_MISMATCH"]
    assert "thư mục «THPT-LC3»" in finding["message"] and "(THPT-LC3)" in finding["message"]


def test_a_forged_sender_read_from_the_imap_server_waits_too(tmp_path, capsys, monkeypatch, dovecot):
    campaign = Campaign(tmp_path, seed=18)
    settings = yaml.safe_load(campaign.folder.config_path.read_text(encoding="utf-8"))
    settings["mail"]["imap"] = {"host": "127.0.0.1", "port": dovecot.port, "security": "plain", "user": USER}
    campaign.folder.config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(USER, PASSWORD)
    for sender, day in (("pgd083@laocai.example", 9), ("ai.do@gmail.example", 12)):
        sent = datetime(2019, 12, day, 9)
        arrival = imaplib.Time2Internaldate(sent.replace(tzinfo=VN).timestamp())
        client.append("INBOX", None, arrival, mail(sender, "Báo cáo", campaign.workbook("PGD083"), sent))
    client.logout()
    monkeypatch.setenv("BAOCAO_IMAP_PASSWORD", PASSWORD)
    campaign.cli(capsys, "collect", "--imap")
    campaign.cli(capsys, "check")
    unit = campaign.status(capsys)["PGD083"]
    assert unit["status"] == "needs_confirmation" and unit["counted_sha256"] != unit["sha256"]
