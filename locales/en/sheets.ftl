## Spreadsheet files (bot/sheets): what is wrong with a file as a whole, and with its header.

sheet-file-missing = File not found: { $path }
sheet-file-too-big = The file is too big ({ $size_mb } MB); it may be at most { $limit_mb } MB. Split it and import the parts.
sheet-file-empty = The file is empty.
sheet-file-type = "{ $suffix }" files are not supported; use { $allowed } (save an old .xls as .xlsx in Excel or WPS).
sheet-file-encoding = Cannot read the file's encoding: it is neither UTF-8 nor GBK/GB18030. Save it as UTF-8 and try again (in Excel: save as "CSV UTF-8" or .xlsx).
sheet-file-encoding-named = The file is encoded in { $encoding }, not UTF-8 or GBK/GB18030; read as Chinese it would be garbled. Save it as UTF-8 and try again (in Excel: save as "CSV UTF-8" or .xlsx).
sheet-file-unreadable = Cannot read the file ({ $detail }). Check that it is not damaged, save it again from Excel or WPS and retry.
sheet-file-no-header = No header found: none of the first { $rows } rows holds the column names. Expected columns: { $expected }. If the file looks garbled, save it as UTF-8.
sheet-file-no-rows = The file has a header but no data.
sheet-file-too-many-rows = The file has more than { $limit } rows; split it and import the parts.
sheet-unknown-column = Unknown column, ignored.
sheet-duplicate-column = This column repeats an earlier one.
sheet-missing-column = A required column is missing.
