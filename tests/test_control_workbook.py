"""The control workbook BaoCao.xlsm, checked by clients that did not build it.

Excel cannot run here, so each promise is checked by an independent reader: oletools' olevba
for the VBA, LibreOffice for modules and button bindings, pyOpenVBA's VBA runtime for clicking
every button (a wiring test, not Excel's compiler), and plain XML parsers for the package.
"""

import inspect
import itertools
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from oletools.olevba import VBA_Parser
from openpyxl import load_workbook
from pyopenvba import ExcelFile
from pyopenvba.apps.excel import ExcelApplication
from pyopenvba.exceptions import PyOpenVBAError

import addin.frontends.buttons
from addin.config import load_config
from addin.errors import BaocaoError
from addin.frontends.cli import run
from addin.outputs.control_panel import BUTTONS, CONF_SHEET, INFO_SHEET, PANEL_SHEET, UNITS_NAME
from addin.outputs.control_workbook import MACROS_DIR, XLWINGS_MODULE, build_control_workbook, macro_sources
from addin.stages import init_campaign
from tests.libreoffice import libreoffice_convert, soffice_path

TESTS = Path(__file__).parent
RUN_PYTHON = re.compile(r'^\s*RunPython "import addin\.frontends\.buttons as b; b\.([a-z_]+)\(\)"\s*$', re.MULTILINE)
PUBLIC_SUB = re.compile(r"^Public Sub ([A-Za-z_][A-Za-z0-9_]*)\(\)\s*$", re.MULTILINE)
RECORDING_RUNPYTHON = "\n".join(
    ["Public Function RunPython(PythonCommand As String)", "    Debug.Print PythonCommand", "End Function", ""]
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = init_campaign(tmp_path_factory.mktemp("control") / "dot")
    assert run(["workbook", str(folder.root)]) == 0
    return folder, folder.root / "BaoCao.xlsm"


def code_of(source: str) -> str:
    """VBA source as a reader shows it: no `Attribute` lines, LF line ends, no trailing blanks."""
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if not line.startswith("Attribute ")).strip()


def click_every_button(workbook: Path) -> dict[str, str]:
    """Run each button's OnAction in pyOpenVBA's VBA runtime with RunPython recording its command."""
    with ExcelFile(workbook) as vba:
        ours = set(macro_sources()) - {"xlwings"}  # xlwings' module is replaced by the recording RunPython
        modules = {name: source for name, source in vba.vba_modules().items() if name in ours}
    app = ExcelApplication.open(workbook, with_vba=False)
    app.add_module(RECORDING_RUNPYTHON, name="xlwings")
    for name, source in modules.items():
        app.add_module(source, name=name)
    outcome = {}
    for shape in app.sheet(PANEL_SHEET).shapes():
        before = len(app.console)
        try:
            app.run(shape.macro)
            outcome[shape.name] = "\n".join(app.console[before:])
        except PyOpenVBAError as error:
            outcome[shape.name] = f"LỖI: {error}"
    return outcome


# ---------------------------------------------------------------- the VBA inside


def test_olevba_extracts_exactly_our_module_sources(built):
    _, workbook = built
    parser = VBA_Parser(str(workbook))
    extracted = {Path(vba_name).stem: code for _, _, vba_name, code in parser.extract_macros()}
    parser.close()
    assert code_of(extracted["BaoCao"]) == code_of((MACROS_DIR / "BaoCao.bas").read_text(encoding="ascii"))
    assert code_of(extracted["xlwings"]) == code_of(XLWINGS_MODULE.read_text(encoding="ascii"))
    assert {name for name, code in extracted.items() if code_of(code)} == {"BaoCao", "xlwings"}


def test_every_button_runs_a_public_parameterless_sub_of_our_macros():
    subs = {name for path in MACROS_DIR.glob("*.bas") for name in PUBLIC_SUB.findall(path.read_text("ascii"))}
    assert {button.macro for button in BUTTONS} <= subs


def test_every_runpython_calls_an_existing_button_function_without_arguments():
    calls = [name for path in MACROS_DIR.glob("*.bas") for name in RUN_PYTHON.findall(path.read_text("ascii"))]
    every_runpython = [line for path in MACROS_DIR.glob("*.bas") for line in path.read_text("ascii").splitlines()]
    assert len(calls) == sum(1 for line in every_runpython if "RunPython" in line) == len(BUTTONS)
    for name in calls:
        function = getattr(addin.frontends.buttons, name)
        required = [p for p in inspect.signature(function).parameters.values() if p.default is p.empty]
        assert callable(function) and not required, name
    assert sorted(calls) == sorted(button.action for button in BUTTONS)


def test_clicking_each_button_runs_its_python_function(built):
    _, workbook = built
    clicked = click_every_button(workbook)
    expected = {f"btn_{b.macro}": f"import addin.frontends.buttons as b; b.{b.action}()" for b in BUTTONS}
    assert clicked == expected


def test_a_broken_macro_is_caught_by_the_click_test(tmp_path):
    macros = tmp_path / "macros"
    macros.mkdir()
    source = (MACROS_DIR / "BaoCao.bas").read_text("ascii")
    source = source.replace(
        'RunPython "import addin.frontends.buttons as b; b.check_returns()"', 'RunPythn "b.check_returns()"'
    )
    source = source.replace("Public Sub BaoCao_TongHop()", "Public Sub BaoCao_TongHopCu()")
    (macros / "BaoCao.bas").write_text(source, encoding="ascii")
    folder = init_campaign(tmp_path / "dot")
    workbook = build_control_workbook(folder, macros_dir=macros).path
    broken = {name: result for name, result in click_every_button(workbook).items() if result.startswith("LỖI")}
    assert set(broken) == {"btn_BaoCao_KiemTra", "btn_BaoCao_TongHop"}
    assert "RunPythn" in broken["btn_BaoCao_KiemTra"] and "BaoCao_TongHop" in broken["btn_BaoCao_TongHop"]


def test_vietnamese_in_a_macro_file_is_refused_before_vba_garbles_it(tmp_path):
    macros = tmp_path / "macros"
    macros.mkdir()
    (macros / "BaoCao.bas").write_text('Public Sub X()\n    MsgBox "Đã xong"\nEnd Sub\n', encoding="utf-8")
    with pytest.raises(BaocaoError, match="không phải ASCII"):
        build_control_workbook(init_campaign(tmp_path / "dot"), macros_dir=macros)


# ---------------------------------------------------------------- LibreOffice as a second client


def button_and_hint_cells(index: int) -> tuple[str, str]:
    """The cells button `index` owns (column B) and its description's merged cells (column C), as the panel is
    laid out: two rows per button from row 5."""
    first = 5 + 2 * index
    return f"B{first}:B{first + 1}", f"C{first}:C{first + 1}"


def test_libreoffice_imports_every_module_and_binds_every_button(built):
    soffice_path()
    _, workbook = built
    ranges = [[PANEL_SHEET, cells] for index in range(len(BUTTONS)) for cells in button_and_hint_cells(index)]
    completed = subprocess.run(
        ["/usr/bin/python3", str(TESTS / "lo_macros.py"), str(workbook), json.dumps(ranges)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=TESTS,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    modules = report["libraries"]["VBAProject"]
    assert {"BaoCao", "xlwings"} <= set(modules)
    for button in BUTTONS:
        assert re.search(rf"^Public Sub {button.macro}\(\)", modules["BaoCao"], re.MULTILINE)
    bound = {item["name"]: item for item in report["buttons"]}
    assert set(bound) == {f"btn_{button.macro}" for button in BUTTONS}
    for button in BUTTONS:
        item = bound[f"btn_{button.macro}"]
        assert item["sheet"] == PANEL_SHEET and item["label"] == button.caption
        assert item["events"] == [
            f"vnd.sun.star.script:VBAProject.BaoCao.{button.macro}?language=Basic&location=document"
        ]
    # where LibreOffice draws each button: inside its own two cells of column B, clear of its description in C
    for index, button in enumerate(BUTTONS):
        own, hint = (report["ranges"][f"{PANEL_SHEET}!{cells}"] for cells in button_and_hint_cells(index))
        x, y, width, height = bound[f"btn_{button.macro}"]["box"]
        assert own[0] <= x and x + width <= own[0] + own[2], (button.caption, own, x, width)
        assert own[1] <= y and y + height <= own[1] + own[3], (button.caption, own, y, height)
        assert x + width < hint[0], (button.caption, "drawn over its description")
        assert width > own[2] / 2 and height > own[3] / 2, (button.caption, "too small to click")


# ---------------------------------------------------------------- the package and its sheets


def column_pixels(width: float) -> int:
    """Excel's pixels for a stored column width (Calibri 11: 7 pixels a character, 5 of padding)."""
    return int(((256 * width + int(128 / 7)) / 256) * 7)


def panel_grid(package: zipfile.ZipFile) -> tuple[dict[int, int], dict[int, int]]:
    """The panel sheet's column widths and row heights in pixels, zero-based, read from its own XML."""
    namespace = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    sheet = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    columns = {}
    for column in sheet.iterfind("m:cols/m:col", namespace):
        for number in range(int(column.get("min")), int(column.get("max")) + 1):
            columns[number - 1] = column_pixels(float(column.get("width")))
    rows = {
        int(row.get("r")) - 1: round(float(row.get("ht", 15)) * 96 / 72)
        for row in sheet.iterfind(".//m:row", namespace)
    }
    return columns, rows


def test_each_button_anchor_lies_in_its_own_cells_clear_of_its_description(built):
    """By the anchors' own numbers (VML: pixels; drawing: EMU) against the sheet's own widths and heights."""
    _, workbook = built
    with zipfile.ZipFile(workbook) as package:
        columns, rows = panel_grid(package)
        vml = package.read("xl/drawings/vmlDrawing1.vml").decode()
        drawing = package.read("xl/drawings/drawing1.xml").decode()
    vml_anchors = {
        name: [int(number) for number in anchor.split(",")]
        for name, anchor in re.findall(r'<v:shape id="([^"]+)".*?<x:Anchor>([^<]*)</x:Anchor>', vml, re.DOTALL)
    }
    corner = (
        r"<xdr:col>(\d+)</xdr:col><xdr:colOff>(\d+)</xdr:colOff><xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>"
    )
    drawing_anchors = {}
    for anchor in re.findall(r"<xdr:twoCellAnchor.*?</xdr:twoCellAnchor>", drawing, re.DOTALL):
        start = re.search(rf"<xdr:from>{corner}</xdr:from>", anchor).groups()
        end = re.search(rf"<xdr:to>{corner}</xdr:to>", anchor).groups()
        name = re.search(r'name="([^"]+)"', anchor).group(1)
        drawing_anchors[name] = [int(value) // (9525 if place % 2 else 1) for place, value in enumerate(start + end)]
    assert set(vml_anchors) == set(drawing_anchors) == {f"btn_{button.macro}" for button in BUTTONS}
    boxes = []
    for index, button in enumerate(BUTTONS):
        anchor = vml_anchors[f"btn_{button.macro}"]
        assert drawing_anchors[f"btn_{button.macro}"] == anchor, "the drawing and the VML disagree"
        left_column, left, top_row, top, right_column, right, bottom_row, bottom = anchor
        first = 4 + 2 * index  # zero-based row of B5, B7, …
        assert (left_column, right_column) == (1, 1), (button.caption, "leaves column B")
        assert (top_row, bottom_row) == (first, first + 1), (button.caption, "leaves its two rows")
        assert 0 < left < right < columns[1], (button.caption, "wider than column B: drawn over column C")
        assert 0 < top < rows[first] and 0 < bottom < rows[first + 1], button.caption
        boxes.append((top_row, top, bottom_row, bottom))
    for upper, lower in itertools.pairwise(boxes):
        assert upper[2] < lower[0], "two buttons share a row"
    hint_cells = {cell for index in range(len(BUTTONS)) for cell in button_and_hint_cells(index)[1:]}
    book = load_workbook(workbook)
    merged = {str(cells) for cells in book[PANEL_SHEET].merged_cells.ranges}
    assert hint_cells <= merged
    for index, button in enumerate(BUTTONS):
        assert book[PANEL_SHEET][button_and_hint_cells(index)[1].split(":")[0]].value == button.hint


def test_the_panel_renders_with_every_description_readable(built, tmp_path):
    _, workbook = built
    pdf = libreoffice_convert(workbook, "pdf", tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    printed = " ".join(text.split())
    for button in BUTTONS:
        assert button.hint in printed, button.hint


def test_same_inputs_give_the_same_bytes(built, tmp_path):
    folder, workbook = built
    first = workbook.read_bytes()
    build_control_workbook(folder)
    assert workbook.read_bytes() == first


def test_every_part_is_well_formed_and_the_workbook_is_macro_enabled(built):
    _, workbook = built
    with zipfile.ZipFile(workbook) as package:
        assert package.testzip() is None
        for name in package.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ElementTree.fromstring(package.read(name))
        types = package.read("[Content_Types].xml").decode()
    assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in types
    assert "vbaProject" in types


def test_xlwings_conf_points_at_this_python_and_this_install(built):
    _, workbook = built
    book = load_workbook(workbook, read_only=True)
    settings = [(row[0], row[1]) for row in book[CONF_SHEET].iter_rows(values_only=True)]
    assert None not in [key for key, _ in settings], "xlwings reads keys down to the first empty cell"
    conf = dict(settings)
    assert conf["Interpreter_Win"] == sys.executable
    assert Path(conf["PYTHONPATH"]) == Path(addin.__file__).resolve().parent.parent
    assert conf["ADD_WORKBOOK_TO_PYTHONPATH"] == "False" and conf["Use UDF Server"] == "False"
    assert conf["Show Console"] == "False" and conf["TEMP DIR"].isascii()
    assert book[CONF_SHEET].sheet_state == "hidden" and book[INFO_SHEET].sheet_state == "veryHidden"
    info = {row[0]: row[1] for row in book[INFO_SHEET].iter_rows(values_only=True)}
    assert info["xlwings_version"] == XLWINGS_MODULE.read_text("ascii").split("'Version: ")[1].split()[0]


def test_the_panel_lists_every_unit_in_config_order(built):
    folder, workbook = built
    book = load_workbook(workbook)
    units = load_config(folder.config_path).units
    ((sheet_name, cells),) = book.defined_names[UNITS_NAME].destinations
    rows = list(book[sheet_name][cells.replace("$", "")])
    assert len(rows) == len(units) and len(rows[0]) == 8
    assert [row[1].value for row in rows] == [unit.code for unit in units]
    assert {row[3].value for row in rows} == {"Chưa nộp"}
    assert book[PANEL_SHEET].page_setup.orientation == "landscape"


def test_a_vietnamese_folder_name_is_flagged(tmp_path, capsys):
    folder = init_campaign(tmp_path / "Báo cáo 2019")
    assert run(["workbook", str(folder.root)]) == 0
    assert "đường dẫn có chữ có dấu" in capsys.readouterr().err


def test_the_demo_builds_the_control_workbook_with_its_results(tmp_path, capsys):
    assert run(["demo", str(tmp_path / "mau"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    workbook = Path(result["control_workbook"])
    book = load_workbook(workbook)
    ((sheet_name, cells),) = book.defined_names[UNITS_NAME].destinations
    states = [row[3].value for row in book[sheet_name][cells.replace("$", "")]]
    assert states.count("Chưa nộp") == result["counts"]["missing"]
