## Spreadsheet files (bot/sheets): what is wrong with a file as a whole, and with its header.

sheet-file-missing = 找不到文件：{ $path }
sheet-file-too-big = 文件太大（{ $size_mb } MB），不能超过 { $limit_mb } MB。请拆分后分批导入。
sheet-file-empty = 文件是空的，没有任何内容。
sheet-file-type = 不支持「{ $suffix }」格式，请使用 { $allowed }（旧版 .xls 请在 Excel 或 WPS 中另存为 .xlsx）。
sheet-file-encoding = 无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030。请另存为 UTF-8 编码后重试（Excel：另存为「CSV UTF-8」或 .xlsx）。
sheet-file-encoding-named = 文件是 { $encoding } 编码，不是 UTF-8 或 GBK/GB18030，按中文读会变成乱码。请另存为 UTF-8 编码后重试（Excel：另存为「CSV UTF-8」或 .xlsx）。
sheet-file-unreadable = 无法读取文件（{ $detail }）。请确认文件未损坏，并用 Excel 或 WPS 另存后重试。
sheet-file-no-header = 找不到表头：前 { $rows } 行中没有一行包含所需的列名。需要的列：{ $expected }。如果文件打开是乱码，请另存为 UTF-8 编码。
sheet-file-no-rows = 文件只有表头，没有数据。
sheet-file-too-many-rows = 文件超过 { $limit } 行，请拆分后分批导入。
sheet-unknown-column = 无法识别的列，已忽略。
sheet-duplicate-column = 这一列与前面的列重复。
sheet-missing-column = 缺少必需的列。
