## 我的任务、提醒与督办

menu-my-tasks = 📋 我的任务
tasks-none = 目前没有待办任务。👍
tasks-title = 您有 { $count } 项待办任务：
tasks-line = • [{ $kind }] { $title }，截止 { $due }
tasks-line-overdue = • ⚠️ [{ $kind }] { $title }，已于 { $due } 逾期
kind-pledge = 承诺书

task-published = 📋 新任务：{ $title }
    截止时间：{ $due }
    请点击下方按钮阅读并完成。
task-reminder = ⏰ 提醒：「{ $title }」将于 { $due } 截止，请尽快完成。
task-reminder-in-person = ⏰ 带辅民警已当面提醒您：「{ $title }」（截止 { $due }）尚未完成，请尽快完成。

error-bad-audience = 范围「{ $spec }」无法识别。可用：all，或 unit:单位名、role:角色(auxiliary/mentor/leader/office)、post:岗位名、emp:工号，多项用逗号分隔。
error-audience-empty-roles = 所选角色与该文件的适用对象没有交集。

esc-unreachable = ℹ️ { $name } 无法通过本助手联系（{ $reason }），相关提醒请您当面传达。
reason-blocked = 已屏蔽本助手或账号已停用
reason-not-registered = 尚未绑定本助手
esc-person-left = ℹ️ { $name } 已离职，其未完成任务已取消，不再提醒。
digest-mentor-title = 📣 督办提醒：您联系的辅警中有 { $count } 人有逾期未完成的任务：
digest-leader-title = 📣 督办提醒（二级）：以下 { $count } 人的任务逾期已超过一天，请督促：
digest-office-title = 📣 督办提醒（三级）：以下 { $count } 人的任务逾期已超过三天：
digest-item = { $days ->
        [0] { $hours ->
                [0] { $title }（逾期不到 1 小时）
               *[other] { $title }（逾期 { $hours } 小时）
            }
       *[other] { $title }（逾期 { $days } 天）
    }
digest-line = • { $name }：{ $items }{ $flag }
digest-unreachable-flag = ⚠️ 无法通过本助手联系
digest-unit = 【{ $unit }】{ $people } 人，{ $items } 项
digest-more = ……另有 { $count } 人
btn-reminded = ✅ 已当面提醒 { $name }
btn-excuse = 📝 免除 { $name }
esc-nothing-open = { $name } 目前没有逾期待办，无需处理。
esc-reason-empty = 请输入免除理由。
esc-reminded-done = 已记录：您已当面提醒 { $name }。系统已重新提醒本人，下一级督办推迟 24 小时。
esc-ask-reason = 请输入免除 { $name } 以上 { $count } 项任务的理由（例如：病假、外出培训）：
esc-excused-done = 已免除 { $name } 的 { $count } 项任务，理由已记录：
    { $items }
esc-choose = 请选择要免除的 { $name } 的逾期任务（共 { $count } 项，可多选），选好后点「下一步」：
btn-excuse-item-on = ☑ { $title }（截止 { $due }）
btn-excuse-item-off = ☐ { $title }（截止 { $due }）
btn-excuse-next = 下一步（已选 { $count } 项）
btn-excuse-cancel = 取消
btn-excuse-confirm = ✅ 确认，填写理由
btn-excuse-rechoose = « 重新选择
esc-excuse-none-chosen = 请至少选择一项要免除的任务。
esc-excuse-item = • { $title }（截止 { $due }）
esc-confirm = 确认免除 { $name } 的以下 { $count } 项任务？其他任务不受影响。
    { $items }
esc-excuse-already = { $name } 的所选任务已经完成或已免除，无需重复。
esc-excuse-cancelled = 已取消，没有免除任何任务。

menu-my-team = 👥 我联系的辅警
team-none = 目前没有与您绑定的辅警。
team-title = 与您绑定的辅警（{ $count } 人）：
team-title-late = 与您绑定的辅警（{ $count } 人，其中 { $late } 人在本周报到开始后加入）：
team-joined-late-flag = { $joined } 加入，在本周报到开始之后
team-line = • { $name }（{ $post }）：待办 { $open } 项，逾期 { $overdue } 项{ $flag }
