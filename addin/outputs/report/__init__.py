"""The báo cáo (Word, NĐ 30/2020/NĐ-CP form) that carries the summary's annexes, and the PDFs for signing.

- `content`: what it says, from the merged data the annexes read (`Facts`), section by section as `report:` in
  config declares.
- `document`: the campaign's template `workbook_templates/bao_cao.docx` (copied from the shipped one on first use,
  then the staff's to restyle; never overwritten) filled with docxtpl into `3_ket_qua/bao_cao_<campaign id>.docx`.
- `pdf`: the báo cáo and the annexes converted to PDF by LibreOffice when it is installed, else how to print them.
"""
