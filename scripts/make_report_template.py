"""Make the shipped báo cáo template `workbook_templates/bao_cao.docx` (NĐ 30/2020/NĐ-CP form) with python-docx.

Run `python scripts/make_report_template.py` after changing this script and commit the .docx; a test fails
while they differ. The template is a Word document with Jinja tags (docxtpl): staff restyle their campaign's
copy in Word (fonts, wording, a logo) and every later `baocao summary` fills that copy. What each tag holds is
listed in README («Báo cáo (Word)»).

The two lines of the header are paragraph borders (the top border of a short empty paragraph), so Word,
LibreOffice and a test read them from the XML alike. The header table has no borders.
"""

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "workbook_templates" / "bao_cao.docx"
FONT = "Times New Roman"
LEFT_WIDTH, RIGHT_WIDTH = Cm(6.8), Cm(9.2)  # A4 less margins of 3 cm (left) and 2 cm (right)
# what follows w:pBdr inside w:pPr (ECMA-376 order, which Word enforces)
PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
FIXED_DATE = "2020-01-01T00:00:00Z"  # core properties: the same bytes on every run


def main() -> None:
    TARGET.write_bytes(template_bytes())
    print(f"Đã ghi {TARGET}")


def template_bytes() -> bytes:
    document = Document()
    _page(document)
    _styles(document)
    document.core_properties.author = "baocao"
    document.core_properties.title = "Báo cáo"
    _header(document)
    _title(document)
    _body(document)
    _signature(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_times(buffer.getvalue())


def _page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(key), FONT)
    normal.paragraph_format.space_before, normal.paragraph_format.space_after = Pt(0), Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _paragraph(container, text="", size=14, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER, **format):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    if text:
        run = paragraph.add_run(text)
        run.font.size, run.font.bold, run.font.italic = Pt(size), bold or None, italic or None
    for key, value in format.items():
        setattr(paragraph.paragraph_format, key, value)
    return paragraph


def _line(cell, indent) -> None:
    """A solid line: the top border of a short empty paragraph, `indent` in from both sides of the cell."""
    paragraph = _paragraph(cell, left_indent=indent, right_indent=indent)
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    properties.insert_element_before(borders, *PPR_AFTER_BORDER)
    marks = OxmlElement("w:rPr")  # the paragraph mark: the empty line is 2 pt high
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    marks.append(size)
    properties.insert_element_before(marks, "w:sectPr", "w:pPrChange")


def _borderless(table, widths) -> None:
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _first(cell):
    """A fresh cell's one empty paragraph, removed so every paragraph of the cell is added by us."""
    cell._tc.remove(cell.paragraphs[0]._p)
    return cell


def _header(document) -> None:
    table = document.add_table(rows=2, cols=2)
    _borderless(table, (LEFT_WIDTH, RIGHT_WIDTH))
    left, right = _first(table.cell(0, 0)), _first(table.cell(0, 1))
    _paragraph(left, "{{ parent }}", size=13)
    _paragraph(left, "{{ issuer_name }}", size=13, bold=True, space_after=Pt(3))
    _line(left, Cm(2.3))
    _paragraph(right, "{{ national_title }}", size=12, bold=True)
    _paragraph(right, "{{ motto }}", size=13, bold=True, space_after=Pt(3))
    _line(right, Cm(1.7))
    number, place = _first(table.cell(1, 0)), _first(table.cell(1, 1))
    _paragraph(number, "{{ number }}", size=13, space_before=Pt(4))
    _paragraph(place, "{{ place_date }}", size=14, italic=True, space_before=Pt(4))


def _title(document) -> None:
    _paragraph(document, "{{ title }}", bold=True, space_before=Pt(18))
    _paragraph(document, "{{ subtitle }}", bold=True, space_after=Pt(12))


def _body(document) -> None:
    justified = {"align": WD_ALIGN_PARAGRAPH.JUSTIFY, "first_line_indent": Cm(1), "space_after": Pt(6)}
    _paragraph(document, "{{ introduction }}", **justified)
    _paragraph(document, "{%p for section in sections %}")
    _paragraph(document, "{%p if section.level == 1 %}")
    _paragraph(document, "{{ section.heading }}", bold=True, **justified)
    _paragraph(document, "{%p else %}")
    _paragraph(document, "{{ section.heading }}", bold=True, italic=True, **justified)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p for item in section.paragraphs %}")
    _paragraph(document, "{%p if item.kind == 'item' %}")
    _paragraph(document, "- {{ item.text }}", **justified)
    _paragraph(document, "{%p else %}")
    _paragraph(document, "{{ item.text }}", **justified)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{{ closing }}", **justified)


def _signature(document) -> None:
    table = document.add_table(rows=1, cols=2)
    _borderless(table, (Cm(8), Cm(8)))
    left, right = _first(table.cell(0, 0)), _first(table.cell(0, 1))
    _paragraph(left, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, space_before=Pt(12))
    _paragraph(left, "{%p for recipient in recipients %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(left, "- {{ recipient }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(left, "{%p endfor %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(right, "{{ signer_title }}", bold=True, space_before=Pt(12))
    for _ in range(4):  # room for the signature and the seal
        _paragraph(right)
    _paragraph(right, "{{ signer_name }}", bold=True)


def _fixed_times(data: bytes) -> bytes:
    """The .docx with fixed core-property times and zip entry dates, so the committed file is reproducible."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    start = text.find(f"<{tag}")
                    if start != -1:
                        body_start = text.index(">", start) + 1
                        text = text[:body_start] + FIXED_DATE + text[text.index(f"</{tag}>", body_start) :]
                content = text.encode("utf-8")
            out.writestr(zipfile.ZipInfo(item.filename, date_time=(2020, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED)
    return target.getvalue()


if __name__ == "__main__":
    sys.exit(main())
