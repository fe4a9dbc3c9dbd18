# 花名册：按统计表原样导出、控制台的员额和变更备案页面（issue 17）
roster-form-exported = 已按统计表格式写入 { $path }：在职辅警 { $count } 人，{ $sheets } 个工作表。
roster-form-export-empty = 没有在职辅警，统计表无可导出。
