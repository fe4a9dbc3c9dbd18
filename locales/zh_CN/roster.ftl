## 花名册导入与导出（muster roster）

roster-formula = 不允许使用公式，请复制后「粘贴为数值」。
roster-required = 不能为空。
roster-required-auxiliary = 辅警必须填写此项。
roster-too-long = 内容过长（最多 { $limit } 个字）。
roster-bad-gender = 性别「{ $value }」无效，只能填「男」或「女」。
roster-bad-age = 年龄「{ $value }」无效，应为 { $min } 到 { $max } 之间的整数。
roster-bad-role = 角色「{ $value }」无效，可填：辅警、带辅民警、分管领导、政治处辅警办（多个用「、」分隔）。
roster-bad-status = 状态「{ $value }」无效，只能填「在职」或「离职」。
roster-bad-unit-path = 单位「{ $value }」格式不对，上下级用「/」分隔，例如「示例县公安局/城关派出所」。
roster-duplicate-employee-no = 工号 { $employee_no } 重复（第 { $first_row } 行已使用）。
roster-unknown-unit = 单位「{ $unit }」不存在（已指定 --units-must-exist）。
roster-unit-parent-conflict = 单位「{ $unit }」隶属于「{ $actual }」，与此处填写的上级「{ $parent }」不一致。
roster-unit-is-top = 单位「{ $unit }」是顶级单位，与此处填写的上级「{ $parent }」不一致。
roster-unit-cycle = 单位「{ $unit }」的上下级关系出现循环。
roster-ref-unknown = 找不到「{ $value }」：花名册和系统中都没有这个人（或已离职）。
roster-ref-ambiguous = 「{ $value }」有重名（工号 { $employee_nos }），请改填工号。
roster-ref-name-mismatch = 「{ $value }」中的姓名与工号不符，该工号是{ $name }。
roster-ref-not-mentor = 「{ $value }」不是带辅民警（请在其所在行的「角色」列填写「带辅民警」）。
roster-ref-not-leader = 「{ $value }」不是分管领导（请在其所在行的「角色」列填写「分管领导」）。
roster-ref-self = 不能把本人填为自己的带辅民警或分管领导。
roster-ref-ignored = 只有辅警需要填写带辅民警和分管领导，已忽略。

roster-problem = 第 { $row } 行，「{ $column }」列：{ $message }
roster-problem-row = 第 { $row } 行：{ $message }

roster-report-title = 花名册 { $path }：共 { $rows } 行数据
roster-report-errors = 发现 { $count } 个错误：
roster-report-warnings = 提醒 { $count } 条：
roster-report-nothing-written = 有错误，未写入任何数据。请修改文件后重新导入。
roster-report-counts = 新增 { $created } 人，更新 { $updated } 人，未变 { $unchanged } 人，恢复在职 { $reactivated } 人，新建单位 { $units } 个，绑定新建或变更 { $bindings } 条。
roster-report-units = 新建单位：{ $units }
roster-report-updated = 更新 { $who }：{ $fields }
roster-report-binding = 绑定变更 { $who }：{ $before } → { $after }
roster-binding-none = （无）
roster-report-reactivated = 重新出现在花名册中、恢复为在职：{ $who }
roster-report-missing = 系统中有 { $count } 名在职人员不在此文件中（未删除；如确已离职，可加 --mark-missing-left 标记为离职）：
roster-report-marked-left = 系统中有 { $count } 名在职人员不在此文件中，已标记为离职：
roster-report-more = ……另有 { $count } 条未显示
roster-report-dry-run = 试运行（--dry-run）：以上为预计变更，未写入任何数据。
roster-report-written = 已导入。
roster-report-no-changes = 没有任何变化，未写入数据。

roster-field-name = 姓名
roster-field-gender = 性别
roster-field-age = 年龄
roster-field-post = 岗位名称
roster-field-post_duties = 岗位职责
roster-field-note = 备注
roster-field-unit = 单位
roster-field-roles = 角色
roster-field-status = 状态

roster-export-xlsx-only = 只能导出为 .xlsx 文件，请把文件名改为以 .xlsx 结尾。
roster-exported = 已导出 { $count } 人到 { $path }
roster-tasks-assigned = 已向新进人员下发 { $count } 项已发布的任务。
