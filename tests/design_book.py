"""Filling a design workbook the way staff do in Excel (openpyxl plays Excel), for the design tests."""

from datetime import date
from pathlib import Path

import openpyxl

SETTINGS_KEY_COLUMN, SETTINGS_VALUE_COLUMN = 5, 3

LIBRARY_SETTINGS = {
    "campaign.id": "thu-vien-2025",
    "campaign.name": "Thống kê sách thư viện trường học năm 2025",
    "campaign.period.start": date(2025, 1, 1),
    "campaign.period.end": "31/05/2025",
    "campaign.deadline": "10/06/2025",
    "campaign.dispatch.number": "20/PGDĐT-TV",
    "campaign.dispatch.subject": "V/v báo cáo số liệu sách thư viện",
    "issuer.parent": "UBND HUYỆN BẢO YÊN",
    "issuer.name": "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
    "issuer.short_name": "Phòng GD&ĐT Bảo Yên",
    "issuer.place": "Bảo Yên",
    "issuer.email": "thuvien@baoyen.example",
    "form.form_id": "sach_thu_vien",
    "form.version": 1,
    "form.title": "Biểu thống kê sách thư viện",
    "summary.title": "TỔNG HỢP SỐ LIỆU SÁCH THƯ VIỆN NĂM 2025",
    "summary.report_date": "15/06/2025",
}
LIBRARY_GROUPS = [("I", "Trường Tiểu học", "PHÒNG GD&ĐT BẢO YÊN"), ("II", "Trường THCS", "PHÒNG GD&ĐT BẢO YÊN")]
LIBRARY_UNITS = [
    ("I" if number <= 5 else "II", f"{'TH' if number <= 5 else 'THCS'}-{number:02d}", number) for number in range(1, 11)
]
LIBRARY_SECTIONS = [
    ("chung", "A. SỐ LIỆU CHUNG", "Số liệu", "fields", None),
    ("sach_moi", "B. SÁCH MỚI BỔ SUNG", "Sách mới", "table", 20),
]
LIBRARY_FIELDS = [  # section, name, label, type, required, min, max, choices
    ("chung", "so_ban_sach", "Tổng số bản sách", "integer", "có", 0, None, None),
    ("chung", "so_luot_muon", "Số lượt mượn", "integer", "có", 0, None, None),
    ("chung", "so_ban_doc", "Số bạn đọc", "integer", "có", 0, None, None),
    ("sach_moi", "ten_sach", "Tên sách", "text", "có", None, None, None),
    ("sach_moi", "loai", "Loại", "select_one", "có", None, None, "loai_sach"),
    ("sach_moi", "so_ban", "Số bản", "integer", "có", 1, 500, None),
]


def settings_row(sheet, key: str) -> int:
    return next(row for row in range(3, sheet.max_row + 1) if sheet.cell(row, SETTINGS_KEY_COLUMN).value == key)


def set_settings(book, values: dict) -> None:
    sheet = book["Đợt báo cáo"]
    for key, value in values.items():
        sheet.cell(settings_row(sheet, key), SETTINGS_VALUE_COLUMN).value = value


def fill_rows(sheet, rows: list[tuple], first_row: int = 3) -> None:
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            sheet.cell(first_row + offset, column).value = value


def fill_library_design(path: Path) -> None:
    """A library-books campaign typed into an empty design workbook: 10 units, 3 fields, one rule, one table."""
    book = openpyxl.load_workbook(path)
    set_settings(book, LIBRARY_SETTINGS)
    fill_rows(book["Nhóm đơn vị"], LIBRARY_GROUPS)
    fill_rows(
        book["Đơn vị"],
        [
            (
                group,
                code,
                f"Trường {'Tiểu học' if group == 'I' else 'THCS'} số {n}",
                f"Trường số {n}",
                None,
                f"{code.lower()}@baoyen.example",
            )
            for group, code, n in LIBRARY_UNITS
        ],
    )
    fill_rows(book["Phần biểu mẫu"], LIBRARY_SECTIONS)
    fill_rows(book["Biểu mẫu"], LIBRARY_FIELDS)
    fill_rows(
        book["Danh sách chọn"],
        [("loai_sach", "giao_khoa", "Sách giáo khoa"), ("loai_sach", "tham_khao", "Sách tham khảo")],
    )
    fill_rows(
        book["Quy tắc"],
        [
            (
                "muon_toi_da",
                "chung",
                "so_luot_muon",
                "less_than_or_equal_to",
                "so_ban_sach * 5",
                "low",
                "warning",
                None,
                "Số lượt mượn lớn hơn năm lần số bản sách, hãy kiểm tra lại.",
            )
        ],
    )
    annex = book["Tổng hợp"]
    fill_rows(
        annex,
        [
            (
                1,
                "by_unit",
                "PL1 Theo đơn vị",
                "SÁCH MỚI BỔ SUNG THEO ĐƠN VỊ",
                None,
                None,
                None,
                None,
                None,
                "Số đầu sách mới",
                None,
                "sach_moi",
                None,
            ),
            (1, None, None, None, None, None, None, None, None, "Số bản", None, None, "sach_moi.so_ban"),
            (2, "submission", "PL2 Tình hình nộp", "TÌNH HÌNH NỘP BÁO CÁO"),
        ],
    )
    book.save(path)
