"""Where the committed test data lives."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
SECOND_CONFIG = DATA / "config_thu_vien.yaml"


def retype_unit_name(config, path: Path, typed: str) -> None:
    """Type `typed` into the unit name cell of a filled return, as a unit may do in its template."""
    import openpyxl

    from addin.contract import field_name

    section, name_field = next((s, f) for s in config.form.sections for f in s.fields if f.prefill == "unit_name")
    book = openpyxl.load_workbook(path)
    sheet, cell = next(book.defined_names[field_name(section, name_field.name)].destinations)
    book[sheet][cell.replace("$", "")] = typed
    book.save(path)
