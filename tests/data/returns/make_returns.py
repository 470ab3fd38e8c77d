"""Rebuild the messy returns in this folder (run from the repo root with the venv's python).

Each file is one unit's real template, filled and then damaged the way units damage it; the
damage that needs a real spreadsheet program (rows inserted, sheets renamed, saved as .xls or
.ods, a sheet deleted) is done by LibreOffice through tests/lo_driver.py. The exact findings
each file must produce are in expected.json, written by hand after reading each file.
"""

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from addin.config import load_config  # noqa: E402
from addin.demo.samples import SampleMaker, SampleReturn, TemplateFiller  # noqa: E402
from addin.issue.master import build_master  # noqa: E402
from addin.issue.unit_copies import MasterPackage  # noqa: E402
from addin.vietnamese import unicode_to_legacy  # noqa: E402

HERE = Path(__file__).parent
DRIVER = ROOT / "tests" / "lo_driver.py"
XLSX, XLS, ODS = "Calc MS Excel 2007 XML", "MS Excel 97", "calc8"
ACTIVITY = {
    "noi_dung": "Tuyên truyền về bình đẳng giới",
    "hinh_thuc": "Truyền thông",
    "ngay": datetime(2019, 11, 20),
    "dia_diem": "Xã Bản Vược",
    "co_quan_phoi_hop": "Hội LHPN xã",
    "tong": 120,
    "nam": 50,
    "nu": 70,
}


def clean_sample(config, unit) -> SampleReturn:
    sample = SampleMaker(config, seed=2019).make(unit)
    sample.fields.update(
        nguoi_bao_cao="Nguyễn Thị Hoa",
        chuc_vu="Phó trưởng phòng",
        dien_thoai="0214 3840 123",
        email="hoa@donvi.example",
        ngay_bao_cao=datetime(2019, 12, 16),
    )
    sample.tables["van_ban"] = [
        {"so_ky_hieu": "125/KH-PGDĐT", "ngay_ban_hanh": datetime(2019, 11, 1), "trich_yeu": "Kế hoạch triển khai"}
    ]
    sample.tables["hoat_dong"] = [dict(ACTIVITY), {**ACTIVITY, "noi_dung": "Tọa đàm", "hinh_thuc": "Tọa đàm/gặp mặt"}]
    return sample


def filled(config, master, unit, change=None) -> bytes:
    sample = clean_sample(config, unit)
    if change:
        change(sample)
    return TemplateFiller(MasterPackage(master, HERE).stamp(unit)).fill(config, sample)


def through_libreoffice(data: bytes, target: Path, filter_name: str, actions: list) -> None:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "nguon.xlsx"
        source.write_bytes(data)
        subprocess.run(
            ["/usr/bin/python3", str(DRIVER), str(source), str(target), filter_name, json.dumps(actions)], check=True
        )


def patch_part(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name)
            if name == part:
                assert old in content, (part, old)
                content = content.replace(old, new, 1)
            archive.writestr(name, content)
    return out.getvalue()


def main() -> None:
    config = load_config()
    master = build_master(config)
    units = {unit.code: unit for unit in config.units}
    write = lambda name, data: (HERE / name).write_bytes(data)  # noqa: E731

    write("01_hop_le.xlsx", filled(config, master, units["PGD080"]))

    through_libreoffice(
        filled(config, master, units["PGD083"]),
        HERE / "02_chen_dong_doi_ten_trang.xlsx",
        XLSX,
        [
            ["unprotect"],
            ["insert_rows", "Hoạt động", 8, 2],
            ["set", "Hoạt động", "B8", "Thi văn nghệ"],
            ["set", "Hoạt động", "C8", "Thể thao/văn nghệ"],
            ["set", "Hoạt động", "D8", 43800],
            ["set", "Hoạt động", "E8", "Trường THPT"],
            ["set", "Hoạt động", "G8", 300],
            ["set", "Hoạt động", "H8", 120],
            ["set", "Hoạt động", "I8", 170],
            ["rename_sheet", "Hoạt động", "HD 2019"],
            ["move_sheet", "Kiểm tra", 0],
        ],
    )

    def missing_position(sample):
        sample.fields["chuc_vu"] = None

    through_libreoffice(
        filled(config, master, units["PGD084"], missing_position), HERE / "03_luu_dang_xls.xls", XLS, []
    )
    through_libreoffice(filled(config, master, units["PGD085"]), HERE / "04_luu_dang_ods.ods", ODS, [])
    through_libreoffice(
        filled(config, master, units["PGD082"]),
        HERE / "05_ten_don_vi_khac.xlsx",
        XLSX,
        [["unprotect"], ["set", "Thông tin chung", "C13", "Phòng GD&ĐT Bắc Hà"]],
    )

    from tests.sample_data import SECOND_CONFIG

    other = load_config(SECOND_CONFIG)
    other_unit = other.units[0]
    other_sample = SampleMaker(other, seed=1).make(other_unit)
    write(
        "06_dot_bao_cao_khac.xlsx",
        TemplateFiller(MasterPackage(build_master(other), HERE).stamp(other_unit)).fill(other, other_sample),
    )

    def typed_as_text(sample):
        sample.tables["hoat_dong"][0].update(nam="1.045", nu="15 người", tong=1060, ngay="20/11/2019")
        sample.tables["hoat_dong"][1].update(ngay="ngày 5 tháng 12 năm 2019")

    write("07_so_va_ngay_dang_chu.xlsx", filled(config, master, units["PGD086"], typed_as_text))

    def legacy(sample):
        sample.fields["nguoi_bao_cao"] = unicode_to_legacy("Lò Thị Hương", "VNI")
        sample.tables["hoat_dong"][0]["noi_dung"] = unicode_to_legacy("Tuyên truyền về bình đẳng giới", "TCVN3")

    write("08_bang_ma_cu.xlsx", filled(config, master, units["PGD087"], legacy))

    formula = patch_part(
        filled(config, master, units["PGD088"]), "xl/worksheets/sheet4.xml", b"<v>120</v>", b"<f>H7+I7</f>"
    )
    write("09_cong_thuc_chua_tinh.xlsx", formula)

    old_version = patch_part(
        filled(config, master, units["PGD089"]), "xl/worksheets/sheet7.xml", b"<t>1</t>", b"<t>0.9</t>"
    )
    write("10_mau_phien_ban_cu.xlsx", old_version)

    through_libreoffice(
        filled(config, master, units["GDTX080"]),
        HERE / "11_mat_trang_an.xlsx",
        XLSX,
        [["unprotect"], ["remove_sheet", "_meta"]],
    )


if __name__ == "__main__":
    main()
