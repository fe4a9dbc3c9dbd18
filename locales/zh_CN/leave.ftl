## 请销假（issue 21）：请假期间提醒和督办暂停，销假后任务按剩余时间顺延

leave-category-annual = 年休假
leave-category-sick = 病假
leave-category-parental = 产假/陪产假
leave-category-injury = 工伤假
leave-category-study = 学习培训
leave-category-secondment = 借调
leave-category-other = 其他

leave-error-not-on-leave = { $name } 目前没有在休或待休的假期。
leave-error-category = 假别「{ $category }」无法识别。可用：{ $known }（也可写中文：年休假、病假、产假/陪产假、工伤假、学习培训、借调、其他）。
leave-error-dates = 请填写请假的起止日期（例如 2026-12-10 至 2026-12-14）。
leave-error-order = 结束日期 { $last } 早于开始日期 { $first }。
leave-error-too-long = 一次请假最长 { $days } 天，更长的请分段登记。
leave-error-note = 备注最多 { $max } 字。
leave-error-left = { $name } 已离职，无需登记请假。
leave-error-name = 工号 { $employee_no } 在花名册中的姓名是 { $name }，与表中姓名不一致。
leave-sheet-refused = 请销假表有 { $count } 行有误，未登记任何一行。

leave-back = 👋 欢迎销假归来！请假期间暂停的 { $count } 项待办已按请假前剩余的时间顺延：
    { $lines }
leave-back-line = • { $title }：新的截止时间 { $due }
digest-line-on-leave = • { $name }：请假中（至 { $until }），暂不督办
status-on-leave = 请假至 { $until }
status-waiting-training = 待完成培训
status-waiting-and-leave = 其中待完成培训 { $waiting } 人，请假 { $on_leave } 人（不计逾期）
report-col-waiting-training = 待培训
report-col-on-leave = 请假
web-waiting-training-n = 待培训 { $n }
web-on-leave-n = 请假 { $n }

leave-col-unit = 单位
leave-col-name = 姓名
leave-col-employee_no = 工号
leave-col-category = 假别
leave-col-first_day = 开始日期
leave-col-last_day = 结束日期
leave-col-state = 状态
leave-col-note = 备注
leave-state-upcoming = 待休
leave-state-current = 休假中
leave-state-over = 已销假
leave-state-cancelled = 已取消
leave-cli-line = { $name }（{ $employee_no }）{ $category }：{ $first } 至 { $last }
leave-cli-set = 已登记请假：{ $line }。请假期间提醒和督办暂停，销假后待办按剩余时间顺延。
leave-cli-ended = 已销假：{ $line }，于 { $at } 销假。下一轮督办时待办按剩余时间顺延并通知本人。
leave-cli-cancelled = 已取消尚未开始的请假：{ $line }。
leave-cli-none = 目前没有在休或待休的请假。
leave-cli-count = 共 { $count } 条。
leave-cli-bad-date = 「{ $value }」不是日期，请写成 2026-12-10 或 2026年12月10日（含年份）。
leave-cli-imported = 已从 { $path } 登记 { $count } 条请假。
leave-sheet-bad-date = 「{ $value }」不是日期（例如 2026-12-10）。

leave-web-title = 请销假
leave-web-set = 登记请假
leave-web-end = 销假（今天返岗）
leave-web-end-confirm = 确认此人现在销假返岗？尚未开始的请假将被取消。
web-done-leave-set = 已登记请假。请假期间提醒和督办暂停。
web-done-leave-ended = 已销假。下一轮督办时待办按剩余时间顺延并通知本人。
