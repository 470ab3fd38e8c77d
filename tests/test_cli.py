"""The `baocao` command as staff run it: real subprocesses, Vietnamese output, exit codes."""

import json
from pathlib import Path

import pytest

from addin.config import load_config
from tests.run_cli import baocao
from tests.sample_data import SECOND_CONFIG

COMMANDS = [
    "init",
    "templates",
    "send",
    "collect",
    "check",
    "status",
    "remind",
    "summary",
    "accept",
    "reject",
    "workbook",
    "demo",
    "doctor",
]


def test_init_then_templates_with_json(tmp_path):
    folder = tmp_path / "thu_vien"
    made = baocao("init", str(folder), "--config", str(SECOND_CONFIG), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["config"] == str(folder / "config.yaml")
    built = baocao("templates", str(folder), "--json")
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert report["master_rebuilt"] is True
    assert [Path(path).name for path in report["unit_files"]] == [
        "TH-PR_TH_Pho_Rang.xlsx",
        "TH-XH_TH_Xuan_Hoa.xlsx",
        "THCS-PR_THCS_Pho_Rang.xlsx",
    ]
    assert all(Path(path).exists() for path in report["unit_files"])


def test_templates_defaults_to_the_current_folder_and_only_some_units(tmp_path):
    baocao("init", "dot", cwd=tmp_path)
    built = baocao("templates", "--only", "pgd082", "--only", "THPT-CHUYEN", cwd=tmp_path / "dot")
    assert built.returncode == 0, built.stderr
    assert "Đã tạo 2 biểu mẫu đơn vị" in built.stdout
    assert sorted(path.name for path in (tmp_path / "dot" / "1_bieu_mau_gui").iterdir()) == [
        "PGD082_Phong_GD_DT_Bat_Xat.xlsx",
        "THPT-CHUYEN_THPT_chuyen_Lao_Cai.xlsx",
    ]


def test_shipped_layout_is_copied_into_a_new_campaign(tmp_path):
    baocao("init", str(tmp_path / "dot"))
    assert (tmp_path / "dot" / "workbook_templates" / "bieu_mau_don_vi.xlsx").exists()
    built = baocao("templates", str(tmp_path / "dot"))
    assert "đã có, giữ nguyên định dạng" in built.stdout


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["templates", "{tmp}/khong_co"], 1, "chưa phải thư mục đợt báo cáo (không có config.yaml)"),
        (["init", "{tmp}/x", "--config", "{tmp}/khong_co.yaml"], 1, "Không tìm thấy tệp cấu hình"),
        (["templates", "--khong-co"], 2, "Không có tùy chọn «--khong-co»"),
        (["lam-gi-do"], 2, "Không có lệnh 'lam-gi-do'"),
    ],
)
def test_failures_are_vietnamese_with_exit_codes_and_no_traceback(tmp_path, arguments, code, message):
    done = baocao(*[argument.format(tmp=tmp_path) for argument in arguments])
    assert done.returncode == code
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr + done.stdout


def test_bad_config_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text(SECOND_CONFIG.read_text(encoding="utf-8").replace("choices: loai_sach", "choices: loai"), "utf-8")
    done = baocao("init", str(tmp_path / "dot"), "--config", str(bad))
    assert done.returncode == 1
    assert "không có danh sách lựa chọn «loai»" in " ".join(done.stderr.split())
    assert not (tmp_path / "dot").exists(), "nothing is made from a bad config"


def test_init_never_overwrites_a_campaign(tmp_path):
    baocao("init", str(tmp_path / "dot"))
    again = baocao("init", str(tmp_path / "dot"))
    assert again.returncode == 1 and "không ghi đè" in again.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_vietnamese_help(command):
    done = baocao(command, "--help")
    assert done.returncode == 0
    assert "Cách dùng: baocao" in done.stdout and "Xem hướng dẫn này rồi thoát." in done.stdout
    assert "--json" in done.stdout


def test_unexpected_error_goes_to_a_log_not_the_screen(tmp_path):
    folder = tmp_path / "dot"
    baocao("init", str(folder))
    (folder / "1_bieu_mau_gui").rmdir()
    (folder / "1_bieu_mau_gui").write_text("not a folder")
    done = baocao("templates", str(folder), cwd=tmp_path)
    assert done.returncode == 3
    assert "Lỗi bất ngờ" in done.stderr and "Traceback" not in done.stderr
    assert "Traceback" in (folder / "baocao-loi.log").read_text(encoding="utf-8"), "the campaign named, not the cwd"


def test_collect_check_status_from_the_command_line(tmp_path):
    from addin.campaign import open_campaign
    from addin.demo.samples import SampleMaker, write_samples
    from addin.issue.master import build_master

    folder_path = tmp_path / "dot"
    assert baocao("init", str(folder_path)).returncode == 0
    folder = open_campaign(folder_path)
    config = folder.load_config()
    maker = SampleMaker(config)
    samples = [
        maker.make(config.units[0]),
        maker.make(config.units[1], ["wrong_total"]),
        maker.make(config.units[2], late=True),
    ]
    write_samples(config, build_master(config), samples, tmp_path / "thu_ve")

    collected = baocao("collect", str(folder_path), "--from", str(tmp_path / "thu_ve"))
    assert collected.returncode == 0, collected.stderr
    assert "Đã nhận 3 tệp mới" in collected.stdout
    again = baocao("collect", str(folder_path), "--from", str(tmp_path / "thu_ve"), "--json")
    assert [len(json.loads(again.stdout)[key]) for key in ("new", "already_recorded")] == [0, 3]

    checked = baocao("check", str(folder_path))
    assert checked.returncode == 0, checked.stderr
    assert "Đã kiểm tra 3 tệp; 1 tệp có lỗi" in checked.stdout
    assert (folder_path / "3_ket_qua" / "ket_qua_kiem_tra.xlsx").exists()

    shown = baocao("status", str(folder_path))
    lines = shown.stdout
    assert "Đạt (đúng hạn)" in lines and "Có lỗi (đúng hạn)" in lines and "Đạt (nộp muộn)" in lines
    assert f"{len(config.units) - 3} chưa nộp" in lines
    units = json.loads(baocao("status", str(folder_path), "--json").stdout)["units"]
    assert [(u["unit_code"], u["status"], u["late"]) for u in units[:4]] == [
        ("PGD080", "valid", False),
        ("PGD082", "has_errors", False),
        ("PGD083", "valid", True),
        ("PGD084", "missing", None),
    ]
    assert units[1]["errors"] == 1


def test_demo_runs_the_whole_pipeline(tmp_path):
    done = baocao("demo", str(tmp_path / "mau"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    counts = report["counts"]
    assert counts["expected"] == len(load_config().units)
    assert counts["missing"] > 0 and counts["late"] > 0 and counts["accepted_by_staff"] == 1
    states = ("missing", "unchecked", "valid", "has_errors", "unusable", "needs_confirmation")
    assert sum(counts[state] for state in (*states, "accepted_by_staff", "rejected_by_staff")) == counts["expected"]
    assert counts["included"] == counts["valid"] + counts["accepted_by_staff"]
    assert len(report["missing"]) == counts["missing"]
    for key in ("summary_workbook", "tidy_workbook"):
        assert Path(report[key]).exists()
    text = baocao("demo", str(tmp_path / "mau"))
    assert text.returncode == 0 and "Bảng tổng hợp theo mẫu:" in text.stdout, "a second run reuses the folder"


def test_summary_of_a_campaign_without_annexes_still_writes_the_tidy_data(tmp_path):
    assert baocao("init", str(tmp_path / "tv"), "--config", str(SECOND_CONFIG)).returncode == 0
    done = baocao("summary", str(tmp_path / "tv"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["summary_workbook"] is None and Path(report["tidy_workbook"]).exists()
    assert report["counts"]["missing"] == 3


def test_version():
    done = baocao("--version")
    assert (done.returncode, done.stdout.strip()) == (0, "baocao 0.1.0")
