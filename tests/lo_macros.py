"""Open a workbook in a real LibreOffice (Python-UNO) and report its macros and its buttons, as JSON.

Run with Debian's /usr/bin/python3 (which has `uno`), not the venv:
    /usr/bin/python3 tests/lo_macros.py WORKBOOK ['JSON_LIST_OF_[SHEET, "B5:B6"]']
Prints {"libraries": {library: {module: source}}, "buttons": [{sheet, name, label, events: [script URL], box}],
"ranges": {"SHEET!B5:B6": box}}; a box is [x, y, width, height] in 1/100 mm, where LibreOffice lays it out.
"""

import json
import os
import sys

import uno
from lo_driver import office_desktop, properties

ALWAYS_EXECUTE_NO_WARN = 4


def basic_libraries(document):
    libraries = {}
    container = document.BasicLibraries
    for name in container.ElementNames:
        container.loadLibrary(name)
        library = container.getByName(name)
        libraries[name] = {module: library.getByName(module) for module in library.ElementNames}
    return libraries


def _box(thing):
    return [thing.Position.X, thing.Position.Y, thing.Size.Width, thing.Size.Height]


def control_boxes(sheet):
    """Control name -> where its shape is drawn on the sheet."""
    boxes = {}
    for index in range(sheet.DrawPage.Count):
        shape = sheet.DrawPage.getByIndex(index)
        if shape.supportsService("com.sun.star.drawing.ControlShape"):
            boxes[shape.Control.Name] = _box(shape)
    return boxes


def buttons(document):
    found = []
    for index in range(document.Sheets.Count):
        sheet = document.Sheets.getByIndex(index)
        boxes = control_boxes(sheet)
        forms = sheet.DrawPage.Forms
        for form_index in range(forms.Count):
            form = forms.getByIndex(form_index)
            for control_index in range(form.Count):
                control = form.getByIndex(control_index)
                events = [event.ScriptCode for event in form.getScriptEvents(control_index)]
                label = control.Label if hasattr(control, "Label") else ""
                box = boxes.get(control.Name)
                found.append({"sheet": sheet.Name, "name": control.Name, "label": label, "events": events, "box": box})
    return found


def main():
    source = sys.argv[1]
    with office_desktop("lo_macros_") as desktop:
        url = uno.systemPathToFileUrl(os.path.abspath(source))
        options = properties(Hidden=True, MacroExecutionMode=ALWAYS_EXECUTE_NO_WARN)
        document = desktop.loadComponentFromURL(url, "_blank", 0, options)
        ranges = json.loads(sys.argv[2]) if len(sys.argv) > 2 else []
        report = {"libraries": basic_libraries(document), "buttons": buttons(document)}
        report["ranges"] = {
            f"{sheet}!{address}": _box(document.Sheets.getByName(sheet).getCellRangeByName(address))
            for sheet, address in ranges
        }
        document.close(True)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
