"""What sits in 2_bao_cao_nhan/ besides returns (issue 12, case 17): links out of the folder, names that are not
UTF-8, pipes, unreadable files and folders. Each is a finding naming it, and the rest of the batch is taken."""

import json
import os

import pytest

from addin.integrity import archive_files
from addin.stages import init_campaign
from tests.run_cli import baocao

RETURN_BYTES = b"PK\x03\x04 not really a workbook, collect takes any bytes"
KEEP_GOING = "Các tệp khác vẫn được nhận."


@pytest.fixture
def folder(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    (folder.inbox / "bao_cao_tot.xlsx").write_bytes(RETURN_BYTES)
    return folder


def collect_json(folder) -> dict:
    done = baocao("collect", str(folder.root), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_links_out_odd_names_and_pipes_are_findings_and_the_rest_is_taken(folder, tmp_path):
    secret = tmp_path / "mat_khau.txt"
    secret.write_bytes(b"root:x:0:0 secret outside the campaign")
    inbox = folder.inbox
    (inbox / "mat_khau.xlsx").symlink_to(secret)
    (inbox / "ban_sao.xlsx").symlink_to(inbox / "bao_cao_tot.xlsx")  # inside the inbox: passed over silently
    os.mkfifo(inbox / "ong_dan.xlsx")
    with open(os.path.join(os.fsencode(inbox), b"bao_cao_\xff.xlsx"), "wb") as odd:
        odd.write(b"a name that is not UTF-8")

    first = baocao("collect", str(folder.root))
    assert first.returncode == 0, first.stderr
    assert "Đã nhận 1 tệp mới; 0 tệp đã có từ trước (bỏ qua)." in first.stdout
    assert "3 mục không lấy được:" in first.stdout
    assert "Traceback" not in first.stderr + first.stdout

    report = collect_json(folder)  # a second run: the same findings, nothing stops it
    assert [len(report["new"]), len(report["already_recorded"])] == [0, 1]
    assert {problem["code"]: problem["message"] for problem in report["problems"]} == {
        "INBOX_LINK_OUTSIDE": (
            f"Tệp {inbox / 'mat_khau.xlsx'} là liên kết trỏ ra ngoài thư mục (tới {secret}), không lấy. {KEEP_GOING}"
        ),
        "INBOX_NOT_A_FILE": (
            f"Tệp {inbox / 'ong_dan.xlsx'} không phải tệp thường (ống dẫn, thiết bị…), không lấy. {KEEP_GOING}"
        ),
        "INBOX_BAD_NAME": (
            f"Tệp {inbox / 'bao_cao_�.xlsx'} có tên không đọc được (ký tự không phải Unicode UTF-8); "
            f"hãy đổi tên tệp. {KEEP_GOING}"
        ),
    }
    assert {problem["severity"] for problem in report["problems"]} == {"warning"}
    archived = [path.read_bytes() for path in archive_files(folder)]
    assert archived == [RETURN_BYTES], "only the real return is archived, never what a link points to"


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, chmod 000 does not stop reading: nothing to test")
def test_an_unreadable_file_or_inbox_is_a_finding_not_the_end_of_the_batch(folder):
    locked = folder.inbox / "dang_khoa.xlsx"
    locked.write_bytes(b"locked")
    locked.chmod(0)
    try:
        report = collect_json(folder)
        assert len(report["new"]) == 1
        [problem] = report["problems"]
        assert problem["code"] == "INBOX_UNREADABLE"
        assert problem["message"] == f"Tệp {locked} không đọc được (không có quyền đọc). {KEEP_GOING}"
        folder.inbox.chmod(0)
        shown = baocao("collect", str(folder.root))
        assert shown.returncode == 0, shown.stderr
        assert "Đã nhận 0 tệp mới" in shown.stdout
        assert f"Thư mục {folder.inbox} không mở được (không có quyền đọc)." in shown.stdout
    finally:
        folder.inbox.chmod(0o755)
        locked.chmod(0o644)
