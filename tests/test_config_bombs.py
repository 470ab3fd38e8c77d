"""Hostile or unlucky configs and surroundings (issue 12, case 19): each is a plain Vietnamese message, never a
traceback; a rule that divides by zero on a row says so in a warning."""

import json
import subprocess
import sys

from addin.campaign import open_campaign
from addin.demo.samples import SampleMaker, write_samples
from addin.issue.master import build_master
from addin.shipped import SHIPPED_CONFIG
from addin.stages import init_campaign
from tests.run_cli import baocao

SHIPPED_TEXT = SHIPPED_CONFIG.read_text(encoding="utf-8")
TOTAL_RULE = "right: nam + nu"  # the right side of the shipped rule tong_bang_nam_cong_nu


def init_with(tmp_path, text: str) -> subprocess.CompletedProcess:
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    return baocao("init", str(tmp_path / "dot"), "--config", str(config))


def shown(done: subprocess.CompletedProcess) -> str:
    return " ".join(done.stderr.split())


def test_a_yaml_alias_bomb_is_refused_by_name_without_memory_error(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]  # 10^9 leaves
    done = init_with(tmp_path, "\n".join(levels) + "\n")
    assert done.returncode == 1
    assert f"Tệp cấu hình {tmp_path / 'config.yaml'} có 1 lỗi" in shown(done)
    assert "tệp có hơn 200000 mục khi mở rộng các tham chiếu YAML" in shown(done)
    assert "Traceback" not in done.stderr + done.stdout and not (tmp_path / "dot").exists()


def test_rule_expressions_too_long_or_too_deep_are_config_errors(tmp_path):
    too_deep = "nam - (" * 60 + "nu" + ")" * 60  # each bracket holds one more subtraction: 61 levels
    very_long = " + ".join(["nam"] * 10_000)
    parentheses_500 = "(" * 500 + "nu" + ")" * 500
    text = SHIPPED_TEXT.replace(TOTAL_RULE, f'right: "{too_deep}"').replace("left: tong\n", f"left: {very_long}\n", 1)
    text = text.replace('right: "5000"', f'right: "{parentheses_500}"')
    done = init_with(tmp_path, text)
    assert done.returncode == 1
    message = shown(done)
    assert "có 3 lỗi" in message
    assert "(rules[0].left): biểu thức «nam + nam + nam + nam + nam + nam + nam …» dài 59997 ký tự" in message
    assert "quá giới hạn 1000; hãy chia thành nhiều quy tắc" in message
    deep = "(rules[0].right): biểu thức «nam - (nam - (nam - (nam - (nam - (nam -…» lồng quá sâu (quá 50 tầng"
    assert deep in message
    assert "(rules[1].right): biểu thức «" in message and "dài 1002 ký tự" in message
    assert "Traceback" not in done.stderr + done.stdout


def test_a_rule_dividing_by_zero_is_a_warning_naming_the_rule(tmp_path):
    assert baocao("init", str(tmp_path / "dot")).returncode == 0
    folder = open_campaign(tmp_path / "dot")
    campaign = folder.load_config()
    write_samples(campaign, build_master(campaign), [SampleMaker(campaign).make(campaign.units[0])], folder.inbox)
    assert baocao("collect", str(folder.root)).returncode == 0
    folder.config_path.write_text(SHIPPED_TEXT.replace(TOTAL_RULE, "right: tong / (nam - nam)"), encoding="utf-8")
    checked = baocao("check", str(folder.root), "--json")
    assert checked.returncode == 0, checked.stderr
    [unit] = json.loads(checked.stdout)
    warnings = [finding for finding in unit["findings"] if finding["code"] == "RULE_NOT_EVALUATED"]
    assert warnings, unit["findings"]
    assert {finding["severity"] for finding in warnings} == {"warning"}
    assert warnings[0]["message"] == (
        "Trang «Hoạt động», ô G8, dòng 1 của bảng: "
        "Không kiểm tra được quy tắc «tong_bang_nam_cong_nu» ở dòng này: khi tính «Tổng số» và "
        "«Tổng số / (Nam - Nam)» có phép chia cho 0. Hãy xem lại các số liệu trong quy tắc "
        "(hoặc báo người soạn cấu hình)."
    )
    assert (warnings[0]["cell"], warnings[0]["row"]) == ("G8", 1)


def test_a_deleted_current_folder_is_a_plain_message(tmp_path):
    init_campaign(tmp_path / "dot")
    gone = tmp_path / "da_xoa"
    gone.mkdir()
    command = f'cd "{gone}" && rmdir "{gone}" && exec "{sys.executable}" -m addin status'
    relative = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env={**_env(), "COLUMNS": "200"})
    assert relative.returncode == 1
    assert "Lỗi: thư mục hiện tại không còn nữa (đã bị xoá hoặc di chuyển)" in relative.stderr
    assert "Traceback" not in relative.stderr
    gone.mkdir()
    absolute = subprocess.run(["sh", "-c", f"{command} {tmp_path / 'dot'}"], capture_output=True, text=True, env=_env())
    assert absolute.returncode == 0, absolute.stderr
    assert "chưa nộp" in absolute.stdout


def test_unexpected_errors_are_logged_in_the_campaign_or_the_user_folder_never_the_current_one(tmp_path):
    folder, here, home = tmp_path / "dot", tmp_path / "dang_o_day", tmp_path / "nha"
    here.mkdir()
    init_campaign(folder)
    (folder / "1_bieu_mau_gui").rmdir()
    (folder / "1_bieu_mau_gui").write_text("not a folder")
    in_campaign = baocao("templates", str(folder), cwd=here, env={"HOME": str(home)})
    assert in_campaign.returncode == 3
    assert f"Chi tiết kỹ thuật đã ghi vào {folder / 'baocao-loi.log'}" in shown(in_campaign)
    assert "Traceback" in (folder / "baocao-loi.log").read_text(encoding="utf-8")
    (here / "mot_tep").write_text("x")
    no_campaign = baocao("init", str(here / "mot_tep" / "dot"), cwd=here, env={"HOME": str(home)})
    assert no_campaign.returncode == 3
    assert "Traceback" in (home / ".baocao" / "baocao-loi.log").read_text(encoding="utf-8")
    assert not (here / "baocao-loi.log").exists()


def _env() -> dict:
    import os

    return {**os.environ, "NO_COLOR": "1"}
