"""The official summary workbook (bảng tổng hợp) sent to the Provincial People's Committee.

Two files take part:

- the layout `workbook_templates/bang_tong_hop.xlsx`, built from config the first time, and again only when the
  parts of config it draws change (its very hidden `_meta` sheet carries their fingerprint). Staff may restyle it
  in Excel: fonts, colours, widths, heights, title texts, the signature block, notes under a table, even sheet
  names (Excel keeps the names below pointing at a renamed sheet). They should not add or remove table columns:
  such a layout is set aside and rebuilt. An old layout is kept beside a rebuilt one as
  `bang_tong_hop.cu_<fingerprint>.xlsx`; what staff changed in it is carried into the rebuilt one where the
  structure allows, and `summary` says why it was rebuilt, where the old one is and what was not carried
  (`layout_carry`, `layout_shape`).
- the summary `bang_tong_hop_<campaign id>.xlsx`: the layout loaded with openpyxl and the data written into it, so
  whatever staff did to the layout is in every summary.

Layout convention, per annex n (its 1-based position in `summary.annexes`), as workbook-level defined names:

- `th_pl<n>_head`: the table's header rows (one or two label rows and the "(1) (2) …" row), printed on every page.
- `th_pl<n>_data`: the first data row, as wide as the table. In the layout it holds empty cells whose style every
  data row copies: as it is for unit rows, in bold for group and total rows. Everything below it (the signature
  block, any note staff add) is moved below the data. In the summary the name covers all data rows written.
- The matrix annex's layout has one prototype unit column (3) and the count column after it: every unit column
  copies the prototype's header style, width and cell style.
- The charts annex has only `th_pl<n>_data`: where its tables and charts start; everything from there down is
  rebuilt on every build, charts included.

Each sheet is an annex of the báo cáo (NĐ 30/2020): «Phụ lục I», its title and the «(Kèm theo Báo cáo số …)» line;
only with `summary.standalone_annexes` does it also carry the document header (with its two lines), số, place and
date, signature and «Nơi nhận». The layout holds the caption and the place-and-date line with placeholders
({so_hieu}, {ngay}, {co_quan}, {noi}) filled on every build, so every date printed is `config.report_date()`.
The tables speak of reports, never of checking states (`form.report_note`). Pages are broken by code (`pages`):
a fixed scale that fits the width, no page ending on a heading, a signature never alone.

Every value is a plain value, never a formula: totals show the right number in any viewer and a recalculation
cannot change them. Text is always forced to text, so a return's "=..." never becomes a formula.

Modules: `facts` (the merged data, indexed for the annexes), `columns` (each annex kind's table columns),
`form` (the official form: headings, caption, dates, report wording, header and signature), `pages` (page breaks),
`names` (the defined names above), `layout` (drawing the layout), `layout_cache` (keeping it on disk),
`layout_shape` and `layout_carry` (what a layout looks like; carrying staff's changes into a rebuilt one),
`cells` and `table` (writing cells and annex tables), `annexes`, `matrix`, `charts` (filling each annex kind),
`fast_save` (writing big sheets quickly) and `workbook` (`build_summary`, which runs them in order).
"""
