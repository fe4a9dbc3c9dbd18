## 控制台演示（muster demo）

console-title = Muster 演示 · 控制台聊天（与 Telegram 使用同一套对话）
console-db = 数据库：{ $path }
console-roster-loaded = 已导入示例花名册：{ $people } 人。
console-roster-kept = 沿用上次的演示数据（{ $people } 人）；加 --reset 可从头开始。
console-pick-title = 您是谁？输入编号选择：
console-pick-new-phone = 一部新手机（未注册，演示注册流程）
console-pick-prompt = 编号 ›
console-pick-invalid = 请输入 1 到 { $max } 之间的编号，或 /quit 退出。
console-role-auxiliary = 辅警
console-role-mentor = 带辅民警
console-role-leader = 分管领导
console-role-office = 政治处辅警办
console-bound = （已绑定）
console-you-are = 您现在是 { $name }（{ $unit }）。
console-new-phone = 这是一部新手机，还没有绑定任何人。演示用的邀请码：{ $name }（工号 { $employee_no }）的邀请码是 { $code }。
    在下方输入这个邀请码即可完成注册。
console-new-phone-no-code = 这是一部新手机。花名册中的人员都已绑定，没有可发放的邀请码；可用 --reset 重新开始演示。
console-help = 直接输入文字即可发送。按钮显示为 [1] 名称，输入编号就是按下按钮；以 \ 开头的内容按原样发送。
    /switch 换一个人  ·  /quit 退出（也可按 Ctrl-D）
console-unregistered = 新手机
console-prompt = { $name } ›
console-document = 📎 文件 { $filename }（{ $size } 字节）已保存到 { $path }
console-bye = 再见！
console-list-sep = { "、" }
console-work = 已发布示例任务：{ $tasks }。
console-work-task = 《{ $title }》{ $people } 人
console-inbox-intro = 每人都已绑定控制台账号；发给某人的通知（📨）在选中此人时显示。
console-inbox-intro-unbound = 除 { $names } 外，每人都已绑定控制台账号；发给某人的通知（📨）在选中此人时显示。{ $names } 未绑定，可选“一部新手机”演示注册。
console-inbox = 📨 { $count } 条新消息：
