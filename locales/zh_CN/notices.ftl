## 通知：政治处辅警办发送、送达与确认统计、提醒未确认

## 收件人看到的消息
notice-message-title = 📢 <b>{ $title }</b>
notice-nudge-prefix = ⏰ <b>提醒</b>：您还没有确认收到下面这条通知，请阅读后点击「收到」。
notice-ack-line = 请在 { $due } 前点击下方「✅ 收到」确认。
notice-ack-line-open = 请点击下方「✅ 收到」确认。
notice-attachment-line = 📎 附件：{ $name }（{ $size }），请点击下方按钮获取。
btn-notice-ack = ✅ 收到
btn-notice-acked = ☑️ 已确认 { $time }
btn-notice-file = 📎 { $name }
btn-notice-open = 📢 查看并确认
kind-notice = 通知
notice-acked-toast = 已确认收到（{ $time }）。
notice-acked-already-toast = 您已于 { $time } 确认收到，无需重复操作。
notice-file-caption = 📎 通知「{ $title }」的附件

## 错误
notice-error-empty = 通知内容不能为空。
notice-error-too-long = 通知太长了（{ $length } 字，上限 { $limit } 字）。请精简，或把全文作为附件发送。
notice-error-attachment-too-large = 附件太大（{ $size }），上限为 { $limit }。请压缩后再发送。
notice-error-attachment-empty = 附件是空文件，请检查后重新选择。
notice-error-ack-past = 确认截止时间必须晚于现在。
notice-error-audience-empty = 范围「{ $spec }」内没有在职人员。
notice-error-not-yours = 这条通知不是发给您的，或已不存在。
notice-error-no-ack = 这条通知不需要确认收到。
notice-error-not-found = 没有编号为 { $id } 的通知。
notice-error-no-attachment = 这条通知没有附件。
notice-error-bad-time = 时间「{ $value }」无法识别。请按 { $example } 的格式输入（北京时间）。

## 政治处辅警办：发送通知（/notice）
menu-notices = 📢 通知
notice-menu = 📢 通知：发送新通知，或查看最近通知的送达与确认情况。
notice-menu-empty = 📢 通知：还没有发送过通知。
btn-notice-new = ✏️ 发送新通知
btn-notice-recent-ack = #{ $id } { $title } · 确认 { $acked }/{ $total }
btn-notice-recent-sent = #{ $id } { $title } · 送达 { $sent }/{ $total }
notice-ask-audience = 第 1 步（共 3 步）：发给谁？点「全体人员」，或点选单位和角色（可多选，再点一次取消）：所选单位中的任一单位、所选角色中的任一角色，两者同时满足。也可以点「输入范围」。
btn-notice-aud-all = 👥 全体人员
btn-notice-aud-unit = { $on ->
        [yes] ☑️
       *[no] ⬜
    } { $unit }
btn-notice-aud-role = { $on ->
        [yes] ☑️
       *[no] ⬜
    } 👤 { $role }
btn-notice-aud-spec = ⌨️ 输入范围
notice-role-auxiliary = 辅警
notice-role-mentor = 带辅民警
notice-role-leader = 分管领导
notice-role-office = 政治处辅警办
notice-ask-spec = 请输入范围：all，或 unit:单位名、role:角色(auxiliary/mentor/leader/office)、post:岗位名、emp:工号，多项用逗号分隔。
    例如：unit:城关派出所,role:auxiliary
notice-ask-text = 第 2 步（共 3 步）：范围 { $audience }，共 { $count } 人。
    请发送通知正文。第一行作为标题，最多 { $limit } 字。
notice-ask-ack = 第 3 步（共 3 步）：是否需要对方点击「收到」确认？
btn-notice-ack-yes = ✅ 需要确认（设截止时间）
btn-notice-ack-no = 不需要确认
notice-ask-ack-by = 请点选或输入确认截止时间（北京时间），例如 { $example }。
    逾期未确认的人将按督办流程提醒其带辅民警。
notice-preview-head = 👀 预览：下一条消息就是对方将收到的样子。
    范围：{ $audience }
    人数：{ $count } 人，其中 { $unbound } 人未绑定助手、{ $blocked } 人已屏蔽助手（无法送达，计入统计）。
    { $ack }
notice-preview-ack = 确认截止：{ $due }（对方消息下方有「✅ 收到」按钮）
notice-preview-no-ack = 无需确认收到。
btn-notice-send = 📤 发送
btn-notice-cancel = 取消
notice-cancelled = 已取消，通知没有发送。
notice-sent = ✅ 通知 #{ $id } 已开始发送：共 { $targeted } 人，排队发送 { $queued } 人，无法送达 { $unreachable } 人。
    每秒约发送 28 条；本消息每 5 秒自动更新送达进度，发送完成后可点「刷新进度」查看确认情况。
btn-notice-refresh = 🔄 刷新进度
btn-notice-nudge = ⏰ 提醒未确认的人
btn-notice-list = « 通知列表

## 统计
notice-stats-title = 📊 通知 #{ $id }：{ $title }
    发送于 { $sent }
notice-stats-due = 确认截止 { $due }
notice-stats-progress = 发送进度：{ $done }/{ $total }（送达 { $delivered }，失败 { $failed }，无法送达 { $unreachable }）
notice-stats-total = 合计：目标 { $targeted } · 送达 { $delivered } · 发送中 { $pending } · 失败 { $failed } · 无法送达 { $unreachable }（未绑定 { $no_account }）· 已确认 { $acknowledged } · 已免除 { $excused }
notice-stats-unit = 【{ $unit }】目标 { $targeted } · 送达 { $delivered } · 失败 { $failed } · 无法送达 { $unreachable } · 已确认 { $acknowledged } · 已免除 { $excused }
notice-stats-unit-noack = 【{ $unit }】目标 { $targeted } · 送达 { $delivered } · 失败 { $failed } · 无法送达 { $unreachable }
notice-stats-units-more = ……另有 { $count } 个单位，完整统计请用命令 muster notice stats { $id }。
notice-stats-nudged = 已发送提醒 { $rounds } 轮，送达 { $count } 条。
notice-stats-updated = 更新于 { $time }

## 提醒未确认的人
notice-nudge-confirm = 将向 { $count } 名未确认的人再次发送此通知（标注「提醒」）。
    无法送达 { $unreachable } 人，消息仍在发送中 { $in_delivery } 人（本次不提醒）。
    确定发送吗？
notice-nudge-none = 目前没有需要提醒且能送达的人（无法送达 { $unreachable } 人，消息仍在发送中 { $in_delivery } 人）。
btn-notice-nudge-go = ⏰ 确定提醒
notice-nudged = ✅ 已安排第 { $round } 轮提醒：{ $queued } 人。

## 命令行（muster notice）
notice-cli-bad-time = --ack-by：时间「{ $value }」无法识别，请用 2026-12-01T18:00 的格式（{ $tz } 本地时间）。
notice-cli-file = 无法读取文件 { $path }：{ $error }
notice-cli-preview = 预览（收件人看到的消息）：
notice-cli-reach = 范围 { $audience }：{ $targeted } 人，其中未绑定 { $no_account } 人，已屏蔽助手 { $blocked } 人。
notice-cli-ack = 需确认收到，截止 { $due }（{ $tz }）。
notice-cli-dry-run = 仅预览（--dry-run），没有发送。
notice-cli-sent = 通知 #{ $id } 已创建：目标 { $targeted } 人，排队发送 { $queued } 人，无法送达 { $unreachable } 人，确认任务 { $assigned } 项。
notice-cli-hint = 由运行中的机器人（muster run）发送。查看进度：muster notice stats { $id }
notice-cli-waiting = 等待发送（由运行中的机器人发送；Ctrl+C 只停止等待，发送会继续）……
notice-cli-progress = { $bar } { $done }/{ $total }（{ $percent }%）· { $rate } 条/秒 · 预计剩余 { $eta }
notice-cli-stalled = 已有 { $seconds } 秒没有进展：机器人（muster run）是否在运行？
notice-cli-done = 发送完毕：送达 { $sent }，失败 { $failed }，无法送达 { $unreachable }，用时 { $elapsed }。
notice-cli-list-none = 还没有发送过通知。
notice-cli-list-line = #{ $id }  { $at }  { $title }  目标 { $targeted } · 送达 { $sent } · 确认 { $acked }
notice-cli-list-line-noack = #{ $id }  { $at }  { $title }  目标 { $targeted } · 送达 { $sent } · 无需确认
notice-cli-nudge-plan = 通知 #{ $id }：将提醒 { $reachable } 人；无法送达 { $unreachable } 人；消息仍在发送中（不提醒）{ $in_delivery } 人。
notice-cli-nudged = 已安排第 { $round } 轮提醒：排队 { $queued } 人。
notice-col-unit = 单位
notice-col-targeted = 目标
notice-col-delivered = 送达
notice-col-pending = 发送中
notice-col-failed = 失败
notice-col-unreachable = 无法送达
notice-col-no-account = 未绑定
notice-col-acked = 已确认
notice-col-excused = 已免除
notice-col-total = 合计
