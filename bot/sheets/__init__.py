"""The spreadsheet toolkit: every import and export of .xlsx and .csv goes through it.

- `reader`: one table out of an .xlsx sheet or a UTF-8/GB18030 CSV, the header found below
  title rows by its Chinese or English aliases, typed cells, reading bounded by the rows and
  cells actually read (not by the file's size), problems with row and column.
- `writer`: workbooks and CSV files with a title block above the header, CJK-aware column
  widths, and one formula guard for every cell.
- `guard`: what "a cell is never a formula" means, for both.
"""
