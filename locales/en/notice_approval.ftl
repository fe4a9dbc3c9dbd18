# Approval before a force-wide notice: over the limit or marked sensitive, a second office staffer approves (issue 21)
approval-required = This notice goes to { $count } people (the limit is { $limit }) or is marked sensitive: it goes out only once another office staffer approves it.
approval-error-own = You cannot approve your own notice: another office staffer must approve it.
approval-error-operator = Notices cannot be approved from the command line: office staff approve them in the chat or the console.
approval-error-decided = This notice was already { $status ->
        [approved] approved
       *[returned] returned
    } by { $by }; nothing more to do.
approval-error-no-reason = Please give a reason for returning it.
approval-error-reason-long = The reason can be at most { $limit } characters.
approval-error-not-found = There is no notice #{ $id } waiting for approval.
approval-why-sensitive = marked sensitive
approval-why-count = { $count } people, more than { $limit }
approval-why-both = marked sensitive, and { $count } people, more than { $limit }
approval-request = 📝 <b>A notice waits for your approval</b>
    { $who } wrote a notice that goes out only once you approve it ({ $why }).
    Audience: { $audience }, { $count } people.

    { $message }
approval-told-approved = ✅ Your notice "{ $title }" was approved by { $approver }: notice #{ $id } is being sent ({ $count } people).
approval-told-returned = ↩️ Your notice "{ $title }" was returned by { $approver } and not sent.
    Reason: { $reason }
btn-approval-approve = ✅ Approve and send
btn-approval-return = ↩️ Return
btn-approval-write-again = ✏️ Write the notice again
btn-approval-cancel = Cancel
approval-submitted = 📝 Sent for approval (#{ $id }): { $why }; it goes out once another office staffer approves it. { $approvers } staffers were asked; once approved, this message shows the delivery.
approval-submitted-nobody = ⚠️ Kept for approval (#{ $id }): { $why }, but no other office staffer can approve it now; please contact one.
approval-already-submitted = This notice was sent for approval (#{ $id }); please wait for it.
approval-list = 📝 Notices waiting for approval (open one to approve or return it):
approval-list-empty = No notice is waiting for approval.
btn-approval-item = #{ $id } { $title } ({ $who }, { $count } people)
approval-approved = ✅ Approved: notice #{ $id } is being sent ({ $count } people). Its sender was told.
approval-ask-reason = Type the reason for returning it (its sender will see it):
approval-returned = ↩️ Returned #{ $id }; { $who } was told. Reason: { $reason }
approval-return-cancelled = Not returned: the notice still waits for approval.
approval-own-waiting = 📝 #{ $id } is your notice: it waits for another office staffer's approval.
notice-preview-approval = 📝 { $why }: another office staffer must approve it before it goes out.
btn-notice-send-approval = 📝 Send for approval
btn-notice-send-sensitive = 🔒 Mark sensitive, send for approval
btn-approval-waiting = 📝 Waiting for approval ({ $count })
approval-cli-submitted = Needs approval ({ $why }): kept as draft #{ $id }, { $approvers } office staffers were asked; once approved, the running bot sends it.
# console
web-approvals = Notices waiting for approval
web-approvals-hint = A notice to more than { $limit } people, or marked sensitive, goes out only once another office staffer approves it; nobody approves their own.
web-approvals-recent = Recent decisions
web-approval-status-waiting = waiting
web-approval-status-approved = approved
web-approval-status-returned = returned
web-approval-why = Why
web-approval-submitted-by = Sent by
web-approval-decided-by = Decided by
web-approval-reason = Reason for returning it
web-approval-approve = Approve and send
web-approval-return = Return
web-approval-own = This is your notice: another office staffer must approve it.
web-approval-go-notice = Delivery of notice #{ $id }
web-notice-sensitive = Sensitive (goes out only once another office staffer approves it)
web-done-submitted = Sent for approval; it goes out once approved.
web-done-returned = Returned; its sender was told.
web-approval-send = Send for approval
