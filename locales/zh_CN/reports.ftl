## 承诺书办公视图：命令行、导出表格、签署回执、机器人中的 /status

pledge-cli-published = 《{ $title }》（{ $pledge }）第 { $version } 版：{ $new ->
        [yes] 新版本，已冻结文本
       *[no] 该版本此前已发布
    }
pledge-cli-assigned = 新分配：{ $assigned } 人；因新版本取消的旧版未签任务：{ $replaced } 项
pledge-cli-due = 截止时间：{ $due }（{ $tz }）
pledge-cli-sha = 文本 SHA-256（{ $locale }）：{ $sha }
pledge-cli-bad-due = 截止时间「{ $value }」格式不对，应为本地时间 YYYY-MM-DDTHH:MM，例如 2026-12-15T12:00（时区 { $tz }）。
pledge-cli-status-title = 《{ $title }》（{ $pledge }）第 { $version } 版签署情况（截至 { $now }）
pledge-cli-status-empty = 没有分配给该范围的任务。
pledge-cli-pending-title = 待签 { $count } 人：
pledge-cli-pending-none = 没有待签人员。
pledge-cli-exported = 已导出 { $count } 行到 { $path }
pledge-cli-receipt-written = 签署回执 { $number } 已写入 { $path }（用浏览器打开后打印）

report-col-unit = 单位
report-col-name = 姓名
report-col-employee-no = 工号
report-col-mentor = 带辅民警
report-col-leader = 分管领导
report-col-status = 状态
report-col-signed-at = 签署时间
report-col-version = 版本
report-col-sha256 = 文件哈希
report-col-signature-no = 签署编号
report-col-note = 备注
report-col-due = 截止时间
report-col-assigned = 应签
report-col-signed = 已签
report-col-pending = 待签
report-col-overdue = 逾期
report-col-excused = 已免除
report-col-signed-pct = 签署率
report-total = 合计
report-status-signed = 签署
report-status-pending = 待签
report-status-overdue = 逾期
report-status-excused = 已免除
report-overdue-flag = 逾期
report-sheet-detail = 签署明细
report-sheet-summary = 单位汇总

receipt-title = 承诺书签署回执
receipt-document = 文件
receipt-signature-no = 签署编号
receipt-signer = 签署人
receipt-employee-no = 工号
receipt-unit = 单位
receipt-typed-name = 签署时输入的姓名
receipt-version = 版本
receipt-version-value = 第 { $version } 版（{ $locale }）
receipt-sha256 = 文件 SHA-256
receipt-signed-at = 签署时间（本地）
receipt-signed-at-utc = 签署时间（UTC）
receipt-channel = 渠道
receipt-channel-user = 渠道用户 ID
receipt-message-id = 消息 ID
receipt-audit-hash = 审计事件哈希
receipt-generated = 本回执生成于 { $time }
receipt-text-heading = 签署的承诺书全文
receipt-verify-heading = 如何核验
receipt-verify-text = 1. 文件 SHA-256 是下方方框内全文（UTF-8 编码，不含方框外的任何内容）的 SHA-256 值，应与上面的「文件 SHA-256」一致，也与签署时手机上显示的文件指纹（前 12 位）一致。
    2. 审计事件哈希是签署时写入审计链的记录；在服务器上运行 muster audit verify 可核验审计链完整未被篡改。
    3. 在服务器上运行 muster pledge receipt { $number } 可随时重新生成本回执。

menu-office-status = 📊 签署情况
office-status-choose = 选择要查看签署情况的承诺书：
office-status-none = 还没有发布任何承诺书。
office-status-button = 《{ $title }》第 { $version } 版
office-status-title = 📊 《{ $title }》第 { $version } 版签署情况（截至 { $now }）
office-status-total = 合计：应签 { $assigned } · 已签 { $signed } · 待签 { $pending } · 逾期 { $overdue } · 已免除 { $excused }
office-status-unit = 【{ $unit }】应签 { $assigned } · 已签 { $signed } · 待签 { $pending } · 逾期 { $overdue } · 已免除 { $excused }
office-status-units-more = ……另有 { $count } 个单位，完整数据请在电脑上导出：muster pledge export
office-status-pending-title = 待签人员（前 { $shown } 人，共 { $count } 人）：
office-status-pending-line = • { $unit } { $name }（{ $employee_no }）截止 { $due }
office-status-pending-line-overdue = • ⚠️ { $unit } { $name }（{ $employee_no }）已于 { $due } 逾期
office-status-pending-none = 没有待签人员。👍
btn-office-status-back = « 返回承诺书列表
