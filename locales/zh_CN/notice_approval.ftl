# 通知发出前的审批：超过人数上限或标为敏感的通知，需另一名政治处辅警办人员批准（issue 21）
approval-required = 这条通知发送对象 { $count } 人（上限 { $limit } 人）或已标为敏感，需另一名政治处辅警办人员批准后才能发出。
approval-error-own = 不能审批自己提交的通知，请由另一名政治处辅警办人员审批。
approval-error-operator = 命令行不能审批通知：请由政治处辅警办人员在助手或控制台中审批。
approval-error-decided = 这条通知已由 { $by }{ $status ->
        [approved] 批准
       *[returned] 退回
    }，无需再处理。
approval-error-no-reason = 请写明退回理由。
approval-error-reason-long = 退回理由最多 { $limit } 字。
approval-error-not-found = 没有编号为 #{ $id } 的待审批通知。
approval-why-sensitive = 已标为敏感
approval-why-count = 发送对象 { $count } 人，超过 { $limit } 人
approval-why-both = 已标为敏感，且发送对象 { $count } 人，超过 { $limit } 人
approval-request = 📝 <b>待审批通知</b>
    { $who } 提交了一条通知，需要您审批后才能发出（{ $why }）。
    发送范围：{ $audience }，共 { $count } 人。

    { $message }
approval-told-approved = ✅ 您提交的通知《{ $title }》已由 { $approver } 批准，通知 #{ $id } 已开始发送（{ $count } 人）。
approval-told-returned = ↩️ 您提交的通知《{ $title }》被 { $approver } 退回，没有发出。
    退回理由：{ $reason }
btn-approval-approve = ✅ 批准发送
btn-approval-return = ↩️ 退回
btn-approval-write-again = ✏️ 重新编写通知
btn-approval-cancel = 取消
approval-submitted = 📝 已提交审批（#{ $id }）：{ $why }，需另一名政治处辅警办人员批准后才会发出。已请 { $approvers } 人审批，批准后本消息将显示送达进度。
approval-submitted-nobody = ⚠️ 已保存为待审批（#{ $id }）：{ $why }，但目前没有其他政治处辅警办人员可以审批，请联系其他政治处辅警办人员。
approval-already-submitted = 这条通知已提交审批（#{ $id }），请等待批准。
approval-list = 📝 待审批的通知（点开可批准或退回）：
approval-list-empty = 目前没有待审批的通知。
btn-approval-item = #{ $id } { $title }（{ $who }，{ $count } 人）
approval-approved = ✅ 已批准，通知 #{ $id } 已开始发送（{ $count } 人）。已告知提交人。
approval-ask-reason = 请输入退回理由（会转告提交人）：
approval-returned = ↩️ 已退回 #{ $id }，已告知 { $who }。退回理由：{ $reason }
approval-return-cancelled = 已取消退回，这条通知仍待审批。
approval-own-waiting = 📝 #{ $id } 是您提交的通知，正在等待另一名政治处辅警办人员审批。
notice-preview-approval = 📝 { $why }：发送前需另一名政治处辅警办人员批准。
btn-notice-send-approval = 📝 提交审批
btn-notice-send-sensitive = 🔒 标为敏感，提交审批
btn-approval-waiting = 📝 待审批通知（{ $count }）
approval-cli-submitted = 需要审批（{ $why }）：已保存为待审批 #{ $id }，已请 { $approvers } 名政治处辅警办人员审批；批准后由运行中的机器人发送。
# 控制台
web-approvals = 待审批通知
web-approvals-hint = 发送对象超过 { $limit } 人或标为敏感的通知，需另一名政治处辅警办人员批准后才能发出；不能审批自己提交的通知。
web-approvals-recent = 最近的审批
web-approval-status-waiting = 待审批
web-approval-status-approved = 已批准
web-approval-status-returned = 已退回
web-approval-why = 原因
web-approval-submitted-by = 提交人
web-approval-decided-by = 审批人
web-approval-reason = 退回理由
web-approval-approve = 批准发送
web-approval-return = 退回
web-approval-own = 这是您提交的通知，需由另一名政治处辅警办人员审批。
web-approval-go-notice = 查看通知 #{ $id } 的送达情况
web-notice-sensitive = 标为敏感（需另一名政治处辅警办人员批准后发出）
web-done-submitted = 已提交审批，批准后发出。
web-done-returned = 已退回，已告知提交人。
web-approval-send = 提交审批
