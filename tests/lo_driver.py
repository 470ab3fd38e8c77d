"""Drive a real LibreOffice Calc (Python-UNO) to do to a workbook what units do, then save it.

Run with Debian's /usr/bin/python3 (which has `uno`), not the venv:
    /usr/bin/python3 tests/lo_driver.py SOURCE TARGET FILTER 'JSON_LIST_OF_ACTIONS'
Actions: ["unprotect"], ["insert_rows", sheet, before_row_1_based, count],
["set", sheet, "A1", value], ["rename_sheet", old, new], ["move_sheet", name, index], ["remove_sheet", name].
FILTER: "Calc MS Excel 2007 XML" (.xlsx), "MS Excel 97" (.xls) or "calc8" (.ods).
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def properties(**values):
    result = []
    for name, value in values.items():
        item = PropertyValue()
        item.Name, item.Value = name, value
        result.append(item)
    return tuple(result)


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:
            time.sleep(0.25)
    raise RuntimeError("LibreOffice did not start")


def apply(document, action):
    kind, *arguments = action
    sheets = document.Sheets
    if kind == "unprotect":
        document.unprotect("")
        for index in range(sheets.Count):
            sheets.getByIndex(index).unprotect("")
    elif kind == "insert_rows":
        sheet, before, count = arguments
        sheets.getByName(sheet).Rows.insertByIndex(before - 1, count)
    elif kind == "set":
        sheet, address, value = arguments
        cell = sheets.getByName(sheet).getCellRangeByName(address)
        if isinstance(value, int | float):
            cell.setValue(value)
        else:
            cell.setString(value)
    elif kind == "rename_sheet":
        old, new = arguments
        sheets.getByName(old).setName(new)
    elif kind == "remove_sheet":
        (name,) = arguments
        sheets.removeByName(name)
    elif kind == "move_sheet":
        name, index = arguments
        sheets.moveByName(name, index)
    else:
        raise ValueError(kind)


@contextlib.contextmanager
def office_desktop(prefix):
    """A private headless LibreOffice (own profile, own pipe); its Desktop, terminated afterwards."""
    pipe = f"baocao_{uuid.uuid4().hex}"
    profile = tempfile.mkdtemp(prefix=prefix)
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    desktop = None
    try:
        desktop = connect(pipe)
        yield desktop
    finally:
        with contextlib.suppress(Exception):
            desktop.terminate()
        office.wait(timeout=30) if office.poll() is None else None
        if office.poll() is None:
            office.kill()


def main():
    source, target, filter_name, actions = sys.argv[1:5]
    with office_desktop("lo_driver_") as desktop:
        url = uno.systemPathToFileUrl(os.path.abspath(source))
        document = desktop.loadComponentFromURL(url, "_blank", 0, properties(Hidden=True))
        for action in json.loads(actions):
            apply(document, action)
        document.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), properties(FilterName=filter_name))
        document.close(True)


if __name__ == "__main__":
    main()
