"""Gatekeeper for returned workbooks: decide from a file's bytes whether a parser may see it.

Returns are untrusted (DESIGN.md §4). `inspection.inspect` finds the real format from the bytes
(never from the name), bounds zip sizes and ratios, rejects XML parts with a DTD and bounds the
cell extent of every xlsx/xlsm worksheet by stream-scanning its XML, so python-calamine never
meets a file that makes it abort the process (a lone cell at XFD1048576 asks it for 512 GiB).
Told which sheets the reader reads (`sheets_read`), it scans only those (nothing parses the others)
and hands the reader what it already read: the workbook's layout, defined names and the inflated
bytes of those sheets and of styles.xml (`GuardResult.workbook`).
Formats that cannot be scanned cheaply (.xls, .xlsb, .ods: `GuardResult.needs_isolation`) are
read with `isolated.read_isolated`, which runs calamine in a child process with a memory cap and
a timeout.

How a caller reads a return (addin/checking.py):
    result = inspect(path, original_name, sheets_read=reading.sheets_read)
    if not result.readable: report result.findings (errors) and stop
    elif result.needs_isolation: grid = read_isolated(path, display_name=original_name)
    else: reading.read_workbook(path, result.kind, config, result.workbook)  # python-calamine, in process

Modules: `findings` (limits, finding types, every message), `formats` (file kinds, sniffing the
first bytes), `inspection` (the public `inspect`), `zip_scan` (zip packages), `xml_prolog` and
`sheet_extent` (what the zip scan reads in XML members), `compound` (OLE compound files),
`isolated` (the child-process reader).

Finding codes (stable): errors FILE_EMPTY, LOCK_FILE, FILE_TOO_LARGE, FILE_TRUNCATED, FILE_CORRUPT,
ZIP_BOMB, ZIP_UNSUPPORTED, XML_DTD, SHEET_TOO_LARGE, FILE_ENCRYPTED, NOT_A_WORKBOOK, FORMAT_HTML,
FORMAT_XML2003, FORMAT_CSV; warnings FORMAT_RENAMED, FORMAT_XLS, HAS_MACROS, STRICT_OOXML.
GuardError codes from read_isolated: PARSER_CRASHED, PARSER_TIMEOUT, PARSER_FAILED, FILE_ENCRYPTED.

Every message is Vietnamese, starts with the file's original name («PGD082.xlsx»: ...) and says
what the unit should do; the caller adds which unit and campaign the file belongs to.
"""
