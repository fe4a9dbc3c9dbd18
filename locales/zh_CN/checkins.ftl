## 每周报到（辅警）与单位每周风险排查登记

kind-checkin = 每周报到
kind-register = 风险排查
checkin-title = 每周报到 { $week }
register-title = 风险排查登记 { $week }
btn-checkin-open = 📝 填写每周报到
btn-register-open = 📋 填报风险排查

menu-checkin = 📝 每周报到
menu-checkin-team = 📝 辅警每周报到情况
menu-register = 📋 本周风险排查
menu-register-office = 📊 每周报送汇总

# --- 辅警填写 ---
checkin-opened = 📝 每周报到（{ $week }）已开始，请于 { $due } 前完成。
    本周一切正常的话，点「本周一切正常」一键完成；有情况请「逐项填写」。
checkin-intro = 📝 每周报到 { $week }，截止 { $due }。
    本周一切正常的话，点「本周一切正常」一键完成；有情况请「逐项填写」。
checkin-intro-late = 📝 每周报到 { $week } 已于 { $due } 截止，现在填写将记为迟交，但仍请尽快完成。
btn-checkin-all-fine = ✅ 本周一切正常
btn-checkin-step = ✏️ 逐项填写
btn-checkin-skip = 跳过
btn-checkin-submit = 📤 确认提交
btn-checkin-again = 🔄 重新填写
checkin-yes = 是
checkin-no = 否
checkin-question = 第 { $number } 题：{ $question }
checkin-type-answer = （请直接输入文字回复）
checkin-summary-title = 请核对您的回答，确认后提交：
checkin-answer-line = • { $question }
      → { $answer }
checkin-use-buttons = 请点击按钮作答。
checkin-stale = 这一步已失效，请重新开始填写（已填内容未保存）。
checkin-done = ✅ 已提交 { $week } 每周报到，谢谢！
checkin-done-all-fine = ✅ 已提交：{ $week } 本周一切正常，谢谢！
checkin-done-late = （已过截止时间，记为迟交。）
checkin-done-care = 您反映的困难已转政治处辅警办（热线问题单），会有专人跟进并在这里答复您。
checkin-cancelled = 已取消，未保存任何内容。需要时可从「我的任务」继续填写。
checkin-none-open = 目前没有需要填写的每周报到。👍
checkin-already-done = 您已提交过 { $week } 的每周报到。
checkin-closed = { $week } 的每周报到已关闭，无法再填写。
checkin-not-yours = 这不是您的报到任务。
checkin-error-incomplete = 还有问题没有回答，请重新填写。
checkin-error-too-long = 回答太长了（超过 { $limit } 字），请精简后再发。
checkin-error-bad-week = 「{ $value }」不是有效的周次，请写成 2026-W49 这样的格式。
checkin-error-content = 每周报到问卷配置有误：{ $problem }

# --- 查看 ---
checkin-team-title = 📝 您联系的辅警每周报到 { $week }（截至 { $now }）：
checkin-unit-title = 📝 { $unit } 辅警每周报到 { $week }：
checkin-team-none = 暂无报到记录。
checkin-counts = 已报 { $answered }/{ $assigned }，一切正常 { $all_fine }，报告隐患 { $hazards }，未报 { $missing }
checkin-person-all_fine = ✅ { $name }：一切正常{ $late }
checkin-person-answered = 📝 { $name }：已填写{ $late }
checkin-person-missing = ⏳ { $name }：未报
checkin-person-excused = ➖ { $name }：已免除
checkin-team-people = 您联系的辅警共 { $people } 人。
checkin-team-people-late = 您联系的辅警共 { $people } 人，其中 { $late } 人在本周报到开始后加入（{ $names }），本周无需报到。
checkin-person-joined_late = ➕ { $name }：{ $joined } 加入，在本周报到开始之后，本周无需报到
checkin-late-flag = （迟交）
checkin-more = ……另有 { $count } 条
btn-checkin-prev-week = « 上一周

# --- 困难反映：转政治处辅警办热线问题单 ---
checkin-care-new = 💬 { $unit } { $name } 在 { $week } 每周报到中反映了困难（未能转为热线问题单），请在每周报到明细中查看并跟进。
checkin-care-ticket = 【每周报到 { $week } · { $topic }】{ $text }
checkin-care-ticket-plain = 【每周报到 { $week }】{ $text }
btn-checkin-care-list = 💬 热线问题单（本周困难反映 { $count } 条）
checkin-care-title = { $week } 每周报到中反映的困难 { $count } 条（已转热线问题单）：
checkin-care-none = { $week } 的每周报到中没有反映困难。

# --- 命令行 ---
checkin-cli-opened = 已开启 { $week }：新增每周报到 { $checkins } 份，风险排查任务 { $registers } 份；上周未报 { $missed } 份已关闭。
checkin-cli-status-title = 每周报到 { $week }（截止 { $due }）
checkin-cli-not-open = { $week } 尚未开启（可运行 muster checkins open --week { $week }）。
checkin-cli-missing-title = 未报人员 { $count } 人：
checkin-cli-missing-none = 全部已报。
checkin-cli-care-line = { $ticket } [{ $status }] { $unit } { $name }({ $employee_no }) { $at }：{ $text }
checkin-col-unit = 单位
checkin-col-name = 姓名
checkin-col-employee-no = 工号
checkin-col-assigned = 应报
checkin-col-answered = 已报
checkin-col-all-fine = 一切正常
checkin-col-hazards = 报告隐患
checkin-col-late = 迟交
checkin-col-missing = 未报
checkin-col-total = 合计

# --- 单位风险排查登记 ---
register-published = 📋 新任务：{ $title }
    截止时间：{ $due }
    请核对辅警周报情况，更新上周未整改风险，登记本周新发现的风险隐患后报送。
register-week-title = 📋 { $unit } 风险排查登记 { $week }（截止 { $due }）
register-not-filed = 状态：未报送
register-filed = 状态：已于 { $at } 报送
register-filed-late = 状态：已于 { $at } 报送（迟报）
register-checkin-numbers = 辅警周报：已报 { $answered }/{ $assigned }，一切正常 { $all_fine }，报告隐患 { $hazards }，未报 { $missing }
register-carried-title = 【上周延续 { $count } 项，待更新 { $pending } 项】
register-new-title = 【本周新增 { $count } 项】
register-new-none = 本周尚未登记新增风险。
register-no-new = 本周无新增风险。
register-row-line = { $number }. [{ $category }] { $risk }
      措施：{ $measure }；责任人：{ $owner }；期限：{ $deadline }
register-carry-pending =    → ⏳ 待更新
register-carry-resolved =    → ✅ 已整改 { $note }
register-carry-open =    → 🔸 仍未整改：{ $note }
register-carry-hint = 请先更新上周延续的 { $pending } 项风险，再报送。
btn-register-update = 🔄 更新 #{ $number }
btn-register-change = ✏️ 修改 #{ $number }
btn-register-delete = 🗑 删除第 { $number } 项
btn-register-add = ➕ 登记新风险
btn-register-file = 📤 报送
btn-register-no-new = ✅ 本周无新增风险（报送）
btn-register-checkins = 📝 查看辅警周报明细
btn-register-reporter = 👤 指定填报人
btn-register-back = « 返回登记表
register-carry-ask = 上周风险 #{ $number } 本周情况如何？
btn-register-resolved = ✅ 已整改
btn-register-still-open = 🔸 仍未整改
register-ask-note = 请简要说明风险 #{ $number } 目前的整改进展：
register-ask-category = 请选择风险类别：
register-ask-risk = 请描述发现的风险或隐患：
register-ask-measure = 请输入整改措施：
register-ask-owner = 请选择责任人（本单位人员），或输入姓名、工号搜索：
register-ask-deadline = 请输入整改期限（如 2026-12-31），或点选下方日期：
register-confirm = 请核对：
    类别：{ $category }
    风险隐患：{ $risk }
    整改措施：{ $measure }
    责任人：{ $owner }
    整改期限：{ $deadline }
btn-register-confirm = ✅ 确认登记
register-row-added = 已登记。
register-filed-done = ✅ 已报送 { $week } 风险排查登记（共 { $rows } 项）。
register-filed-done-late = ✅ 已报送 { $week } 风险排查登记（共 { $rows } 项），已过截止时间，记为迟报。
register-reporter-current = 当前填报人：{ $name }。
register-reporter-leaders = 当前由本单位分管领导填报。
register-ask-reporter = 请从本单位人员中选择填报人，或输入姓名、工号搜索：
btn-register-reporter-clear = ↩️ 取消指定，由领导填报
register-reporter-set = 已指定 { $name } 为本单位风险排查填报人。
register-reporter-cleared = 已取消指定，风险排查由本单位分管领导填报。

register-error-filed = { $week } 的登记表已报送，不能再修改。
register-error-not-open = { $week } 的登记还没有开始（{ $opens } 开始）。
register-error-later-filed = 本单位已报送更晚的 { $later }，不能再修改 { $week }。
register-error-carry-pending = 还有 { $count } 项上周延续的风险未更新，请先逐项更新。
register-error-nothing-new = 尚未登记新增风险。如本周没有新风险，请点「本周无新增风险」。
register-error-has-new-rows = 本周已登记 { $count } 项新风险，请点「报送」。
register-error-category = 类别「{ $value }」不在可选范围内。
register-error-required = 不能为空。
register-error-too-long = 太长了（最多 { $limit } 字）。
register-error-deadline = 整改期限「{ $value }」无法识别，请写成 2026-12-31。
register-error-deadline-past = 整改期限不能早于本周一（{ $monday }）。
register-error-note-required = 仍未整改的风险须填写进展说明（备注）。
register-error-status = 状态只能是已整改或整改中。
register-error-status-value = 状态「{ $value }」无法识别，请填「整改中」或「已整改」。
register-error-reporter-unit = { $name } 不是本单位的在职人员，不能指定为填报人。

# --- 导入导出 ---
register-status-open = 整改中
register-status-resolved = 已整改
register-state-on_time = 按时报送
register-state-late = 迟报
register-state-missing = 未报送
register-col-id = 编号
register-col-category = 类别
register-col-risk = 风险隐患
register-col-measure = 整改措施
register-col-owner = 责任人
register-col-deadline = 整改期限
register-col-status = 状态
register-col-note = 备注
register-col-carried_from = 上周编号
register-col-first_week = 首次发现周
register-col-unit = 单位
register-col-state = 报送情况
register-col-filed-at = 报送时间
register-col-open-risks = 未整改风险
register-col-weeks = 已持续周数
register-sheet-summary = 汇总
register-sheet-title = { $unit } 风险排查登记表 { $week }（{ $state }）
register-export-title = 单位每周风险排查汇总 { $week }（截止 { $due }，导出于 { $now }）
register-export-counts = 按时报送 { $on_time } 个单位，迟报 { $late } 个，未报送 { $missing } 个
register-export-by-category = 未整改风险（按类别）
register-export-aged = 超过 { $weeks } 周仍未整改的风险
register-import-formula = 不允许使用公式，请复制后「粘贴为数值」。
register-import-carry-unknown = 上周编号「{ $value }」不是本单位上周未整改的风险。
register-import-carry-twice = 上周编号 { $value } 重复（第 { $first_row } 行已有）。
register-import-carry-missing = 上周未整改的风险 #{ $id }（{ $risk }）没有出现在表中，请填写其本周状态。
register-import-drafts = 本单位已在助手中登记了 { $count } 项 { $week } 的风险（尚未报送），请在助手中完成报送或删除后再导入。
register-problem = 第 { $row } 行，「{ $column }」列：{ $message }
register-problem-column = 「{ $column }」列：{ $message }
register-cli-exported = 已导出 { $week } 共 { $units } 个单位的风险排查登记到 { $path }
register-cli-import-title = 导入 { $path } → { $unit } { $week }
register-cli-import-errors = 发现 { $count } 处错误：
register-cli-nothing-written = 未写入任何内容。请修改后重新导入。
register-cli-imported = 已报送：共 { $rows } 项（其中上周延续 { $carried } 项）。
register-cli-imported-late = 已报送（迟报）：共 { $rows } 项（其中上周延续 { $carried } 项）。
register-cli-reporter-usage = 请给出工号，或用 --clear 取消指定（二者选一）。

# --- 政治处辅警办汇总 ---
register-summary-title = 📊 每周报送汇总 { $week }（截止 { $due }，截至 { $now }）
register-summary-filings = 风险排查：按时报送 { $on_time } 个单位，迟报 { $late } 个，未报送 { $missing } 个
register-summary-missing = 未报送单位：{ $units }
register-summary-open = 未整改风险：{ $items }
register-summary-category = { $category } { $count } 项
register-summary-open-none = 未整改风险：无
register-summary-aged = 超过 { $weeks } 周仍未整改：{ $count } 项
register-summary-aged-line = • { $unit } [{ $category }] { $risk }（已 { $weeks } 周）
register-summary-care = 本周困难反映：{ $count } 条（已转热线问题单）
