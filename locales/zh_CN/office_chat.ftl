## 政治处辅警办在聊天中：按钮选择范围和截止时间、逾期升级清单、导出文件发到聊天中

notice-aud-none-yet = 还没有选择。
notice-aud-picked = 已选单位：{ $units }；角色：{ $roles }。共 { $count } 人。
notice-aud-list-sep = 、
btn-notice-aud-done = ➡️ 下一步（{ $count } 人）
btn-notice-aud-prev = ◀ 上一页
btn-notice-aud-next-page = 下一页 ▶
btn-notice-aud-page = 第 { $page }/{ $pages } 页
btn-due-today = 今天 { $time }
btn-due-tomorrow = 明天 { $time }
btn-due-3days = 3 天后（{ $date } { $time }）
btn-due-week = 一周后（{ $date } { $time }）

menu-office-escalations = ⏫ 逾期升级
menu-office-exports = 📤 导出文件
office-esc-none = 目前没有逾期升级的事项。
office-esc-title = ⏫ 逾期升级（截至 { $now }）：共 { $count } 项
office-esc-levels = 第 1 级（已通知带辅民警）{ $mentor } 项 · 第 2 级（已通知分管领导）{ $leader } 项 · 第 3 级（已通知政治处辅警办）{ $office } 项
office-esc-unit = 【{ $unit }】
office-esc-line = · { $name }（{ $employee_no }）《{ $title }》截止 { $due } · 第 { $level } 级 · 已通知 { $notified }
office-esc-more = ……另有 { $count } 项，完整清单请点「逾期升级清单」导出。
office-esc-notified-office = 政治处辅警办
office-esc-sheet = 逾期升级
office-esc-level = 第 { $level } 级
office-esc-col-unit = 单位
office-esc-col-name = 姓名
office-esc-col-employee-no = 工号
office-esc-col-task = 事项
office-esc-col-level = 升级级别
office-esc-col-due = 截止时间
office-esc-col-since = 升级时间
office-esc-col-notified = 已通知

office-exports-choose = 📤 选择要导出的文件，文件会发到这里：
office-export-caption = 📎 { $name }
office-export-roster = 📇 花名册（Excel）
office-export-pledge = 📝 《{ $title }》签署情况（Excel）
office-export-training = 🎓 《{ $title }》学习情况（Excel）
office-export-register = 📋 风险排查台账 { $week }（Excel）
office-export-escalations = 📥 逾期升级清单（Excel）
office-export-gaps = ❓ 热线知识库缺口（Excel）
office-export-notice = 📢 通知 #{ $id } { $title } 已读名单（CSV）
office-export-readers = 📥 已读 / 未读名单（CSV）
