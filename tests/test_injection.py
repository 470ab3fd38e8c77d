"""Text from units that a spreadsheet would run (=, +, -, @, tab) stays inert text in every output.

CSV files get the OWASP apostrophe; the tidy workbook keeps the exact text; the control workbook's
panel shows a unit's file named "=1+2.xlsx" as that text, when built and when refreshed in Excel.
"""

import csv
import subprocess
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from addin.demo.samples import SampleMaker, write_samples
from addin.frontends import buttons
from addin.issue.master import build_master
from addin.outputs.control_panel import PANEL_SHEET, UNITS_NAME
from addin.outputs.control_workbook import build_control_workbook
from addin.stages import init_campaign
from tests.libreoffice import libreoffice_convert, soffice_path
from tests.recording_ui import RecordingUI
from tests.run_cli import baocao
from tests.workbook_access import calamine_grid

HOSTILE = {
    ("don_vi", "nguoi_bao_cao"): "=1+1",
    ("don_vi", "chuc_vu"): "+1+1",
    ("de_xuat", "de_xuat"): '=HYPERLINK("http://x","bấm")',
    ("hoat_dong", "noi_dung"): "-5 người tham dự",
    ("hoat_dong", "dia_diem"): "@SUM(1+1)",
    ("hoat_dong", "co_quan_phoi_hop"): "\t=1+1",
    ("van_ban", "trich_yeu"): "abc;=1+1;x",
}


@pytest.fixture(scope="module")
def summarised(tmp_path_factory):
    """A campaign where the first unit's return holds every hostile text, collected, checked, summarised."""
    folder = init_campaign(tmp_path_factory.mktemp("inject") / "dot")
    config = folder.load_config()
    sample = SampleMaker(config, seed=7).make(config.units[0])
    for (section, name), text in HOSTILE.items():
        if section in sample.tables:
            sample.tables[section][0][name] = text
        else:
            sample.fields[name] = text
    write_samples(config, build_master(config), [sample], folder.inbox)
    for command in ("collect", "check", "summary"):
        done = baocao(command, str(folder.root))
        assert done.returncode == 0, done.stdout + done.stderr
    return folder, sample


def csv_rows(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def first_sheet_grid(path) -> list[list]:
    return calamine_grid(path, CalamineWorkbook.from_path(str(path)).sheet_names[0])


def test_every_csv_cell_a_spreadsheet_would_run_starts_with_an_apostrophe(summarised):
    folder, sample = summarised
    csv_dir = folder.results / "du_lieu_csv"
    for (section, name), text in HOSTILE.items():
        written = csv_rows(csv_dir / f"{section}.csv")[0][name]  # only the first unit sent a return
        assert written == ("abc;'=1+1;x" if ";" in text else "'" + text.lstrip("\t")), (section, name)
    risky = ("=", "+", "-", "@", "\t", "\r")
    for path in csv_dir.glob("*.csv"):
        for row in csv_rows(path):
            for value in row.values():
                assert not value.startswith(risky) and ";=" not in value, (path.name, value)
    activity = csv_rows(csv_dir / "hoat_dong.csv")[0]
    assert activity["tong"] == str(sample.tables["hoat_dong"][0]["tong"]), "numbers are written bare"


def test_tidy_workbook_keeps_the_exact_text(summarised):
    folder, _ = summarised
    workbook = folder.results / "du_lieu_tong_hop.xlsx"
    for (section, name), text in HOSTILE.items():
        grid = calamine_grid(workbook, section)
        assert grid[1][grid[0].index(name)] == text.lstrip("\t"), (section, name)  # intake drops the tab
    with zipfile.ZipFile(workbook) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)


def test_libreoffice_opens_the_csv_as_text_not_as_formulas(summarised, tmp_path):
    folder, _ = summarised
    converted = libreoffice_convert(folder.results / "du_lieu_csv" / "don_vi.csv", "xlsx", tmp_path)
    grid = first_sheet_grid(converted)
    assert grid[1][grid[0].index("nguoi_bao_cao")] == "'=1+1"
    assert grid[1][grid[0].index("chuc_vu")] == "'+1+1"


def test_libreoffice_with_semicolon_separator_runs_nothing(summarised, tmp_path):
    """Vietnamese Windows lists with ";": a cell then starts inside a comma-separated value."""
    folder, _ = summarised
    source = folder.results / "du_lieu_csv" / "van_ban.csv"
    profile = tmp_path / ".lo_profile"
    command = [soffice_path(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
    command += ["--infilter=CSV:59,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)]
    subprocess.run(command, capture_output=True, timeout=180, check=True)
    with zipfile.ZipFile(tmp_path / "van_ban.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    grid = first_sheet_grid(tmp_path / "van_ban.xlsx")
    assert any("'=1+1" in str(value) for row in grid for value in row)
    assert not any(value == 2 for row in grid for value in row)


@pytest.fixture
def formula_named_return(tmp_path):
    folder = init_campaign(tmp_path / "dot")
    config = folder.load_config()
    sample = SampleMaker(config, seed=3).make(config.units[0])
    write_samples(config, build_master(config), [sample], folder.inbox, file_name=lambda _: "=1+2.xlsx")
    for command in ("collect", "check"):
        done = baocao(command, str(folder.root))
        assert done.returncode == 0, done.stdout + done.stderr
    return folder


def test_a_file_named_like_a_formula_is_text_in_the_built_panel(formula_named_return):
    workbook = build_control_workbook(formula_named_return).path
    with zipfile.ZipFile(workbook) as archive:
        assert not any(b"<f>" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    grid = calamine_grid(workbook, PANEL_SHEET)
    assert any(row and "=1+2.xlsx" in row for row in grid)


def test_a_file_named_like_a_formula_is_text_when_excel_refreshes_the_panel(formula_named_return):
    ui = RecordingUI(build_control_workbook(formula_named_return).path)
    buttons.refresh_panel(ui)
    first = ui.named[UNITS_NAME][0]
    assert first[4] == "=1+2.xlsx"
    assert first[0] == 1, "numbers stay numbers"
    assert all(isinstance(value, str | int) for row in ui.named[UNITS_NAME] for value in row)
