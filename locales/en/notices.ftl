## Notices: the office sends, sees delivery and acknowledgments, nudges the rest

## The recipient's message
notice-message-title = 📢 <b>{ $title }</b>
notice-nudge-prefix = ⏰ <b>Reminder</b>: you have not yet confirmed the notice below. Please read it and tap "Received".
notice-ack-line = Please tap "✅ Received" below by { $due }.
notice-ack-line-open = Please tap "✅ Received" below.
notice-attachment-line = 📎 Attachment: { $name } ({ $size }). Tap the button below to get it.
btn-notice-ack = ✅ Received
btn-notice-acked = ☑️ Acknowledged at { $time }
btn-notice-file = 📎 { $name }
btn-notice-open = 📢 Open and confirm
kind-notice = Notice
notice-acked-toast = Receipt confirmed ({ $time }).
notice-acked-already-toast = You confirmed this notice at { $time }; nothing more to do.
notice-file-caption = 📎 Attachment of the notice "{ $title }"

## Errors
notice-error-empty = The notice has no text.
notice-error-too-long = The notice is too long ({ $length } characters, at most { $limit }). Shorten it, or send the full text as an attachment.
notice-error-attachment-too-large = The attachment is too large ({ $size }); the limit is { $limit }. Please compress it first.
notice-error-attachment-empty = The attachment is an empty file.
notice-error-ack-past = The acknowledgment deadline must be in the future.
notice-error-audience-empty = Nobody active is in the audience "{ $spec }".
notice-error-not-yours = This notice was not sent to you, or no longer exists.
notice-error-no-ack = This notice does not ask for acknowledgment.
notice-error-not-found = There is no notice number { $id }.
notice-error-no-attachment = This notice has no attachment.
notice-error-bad-time = "{ $value }" is not a time. Type it like { $example } (Beijing time).

## Office: sending a notice (/notice)
menu-notices = 📢 Notices
notice-menu = 📢 Notices: send a new one, or see delivery and acknowledgments of recent ones.
notice-menu-empty = 📢 Notices: none sent yet.
btn-notice-new = ✏️ New notice
btn-notice-recent-ack = #{ $id } { $title } · confirmed { $acked }/{ $total }
btn-notice-recent-sent = #{ $id } { $title } · delivered { $sent }/{ $total }
notice-ask-audience = Step 1 of 3: who gets it? Tap "Everyone", or tick units and roles (several of each; tap again to untick): anyone in one of the units who has one of the roles. Or tap "Type an audience".
btn-notice-aud-all = 👥 Everyone
btn-notice-aud-unit = { $on ->
        [yes] ☑️
       *[no] ⬜
    } { $unit }
btn-notice-aud-role = { $on ->
        [yes] ☑️
       *[no] ⬜
    } 👤 { $role }
btn-notice-aud-spec = ⌨️ Type an audience
notice-role-auxiliary = auxiliaries
notice-role-mentor = mentor officers
notice-role-leader = unit leaders
notice-role-office = auxiliary police office
notice-ask-spec = Type the audience: all, or unit:NAME, role:ROLE (auxiliary/mentor/leader/office), post:NAME, emp:EMPLOYEE_NO, separated by commas.
    Example: unit:城关派出所,role:auxiliary
notice-ask-text = Step 2 of 3: audience { $audience }, { $count } people.
    Send the text of the notice. The first line is its title; at most { $limit } characters.
notice-ask-ack = Step 3 of 3: must people tap "Received" to confirm?
btn-notice-ack-yes = ✅ Yes (set a deadline)
btn-notice-ack-no = No confirmation
notice-ask-ack-by = Tap or type the confirmation deadline (Beijing time), e.g. { $example }.
    People who have not confirmed by then are escalated to their mentor officer.
notice-preview-head = 👀 Preview: the next message is what people will receive.
    Audience: { $audience }
    People: { $count }, of whom { $unbound } have not registered with the bot and { $blocked } blocked it (not reachable, counted in the statistics).
    { $ack }
notice-preview-ack = Confirm by { $due } (their message has a "✅ Received" button)
notice-preview-no-ack = No confirmation asked.
btn-notice-send = 📤 Send
btn-notice-cancel = Cancel
notice-cancelled = Cancelled; the notice was not sent.
notice-sent = ✅ Notice #{ $id } is being sent: { $targeted } people, { $queued } queued, { $unreachable } not reachable.
    About 28 messages go out per second; this message updates itself every 5 s while sending. Afterwards, tap "Refresh progress" to see confirmations.
btn-notice-refresh = 🔄 Refresh progress
btn-notice-nudge = ⏰ Remind those who have not confirmed
btn-notice-list = « Notices

## Statistics
notice-stats-title = 📊 Notice #{ $id }: { $title }
    Sent { $sent }
notice-stats-due = Confirm by { $due }
notice-stats-progress = Sending: { $done }/{ $total } (delivered { $delivered }, failed { $failed }, not reachable { $unreachable })
notice-stats-total = Total: targeted { $targeted } · delivered { $delivered } · sending { $pending } · failed { $failed } · not reachable { $unreachable } (not registered { $no_account }) · confirmed { $acknowledged } · excused { $excused }
notice-stats-unit = [{ $unit }] targeted { $targeted } · delivered { $delivered } · failed { $failed } · not reachable { $unreachable } · confirmed { $acknowledged } · excused { $excused }
notice-stats-unit-noack = [{ $unit }] targeted { $targeted } · delivered { $delivered } · failed { $failed } · not reachable { $unreachable }
notice-stats-units-more = …and { $count } more units; see them all with muster notice stats { $id }.
notice-stats-nudged = Reminders: { $rounds } rounds, { $count } delivered.
notice-stats-updated = Updated { $time }

## Reminding those who have not confirmed
notice-nudge-confirm = The notice goes again, marked as a reminder, to { $count } people who have not confirmed.
    { $unreachable } are not reachable and { $in_delivery } still have their message on the way (not reminded now).
    Send the reminder?
notice-nudge-none = Nobody to remind who can be reached ({ $unreachable } not reachable, { $in_delivery } with the message still on the way).
btn-notice-nudge-go = ⏰ Send the reminder
notice-nudged = ✅ Reminder round { $round } queued for { $queued } people.

## Command line (muster notice)
notice-cli-bad-time = --ack-by: "{ $value }" is not a time; use 2026-12-01T18:00 ({ $tz } local time).
notice-cli-file = Cannot read { $path }: { $error }
notice-cli-preview = Preview (the message people receive):
notice-cli-reach = Audience { $audience }: { $targeted } people, { $no_account } not registered, { $blocked } blocked the bot.
notice-cli-ack = Confirmation required by { $due } ({ $tz }).
notice-cli-dry-run = Preview only (--dry-run); nothing was sent.
notice-cli-sent = Notice #{ $id } created: { $targeted } targeted, { $queued } queued, { $unreachable } not reachable, { $assigned } confirmation tasks.
notice-cli-hint = The running bot (muster run) sends it. Progress: muster notice stats { $id }
notice-cli-waiting = Waiting for delivery by the running bot (Ctrl+C stops waiting, not sending)…
notice-cli-progress = { $bar } { $done }/{ $total } ({ $percent }%) · { $rate } msg/s · ETA { $eta }
notice-cli-stalled = No progress for { $seconds } s: is the bot (muster run) running?
notice-cli-done = Done: { $sent } delivered, { $failed } failed, { $unreachable } not reachable, in { $elapsed }.
notice-cli-list-none = No notices yet.
notice-cli-list-line = #{ $id }  { $at }  { $title }  targeted { $targeted } · delivered { $sent } · confirmed { $acked }
notice-cli-list-line-noack = #{ $id }  { $at }  { $title }  targeted { $targeted } · delivered { $sent } · no confirmation
notice-cli-nudge-plan = Notice #{ $id }: { $reachable } to remind; { $unreachable } not reachable; { $in_delivery } still on the way (not reminded).
notice-cli-nudged = Reminder round { $round } queued for { $queued } people.
notice-col-unit = Unit
notice-col-targeted = Targeted
notice-col-delivered = Delivered
notice-col-pending = Sending
notice-col-failed = Failed
notice-col-unreachable = Not reachable
notice-col-no-account = Not registered
notice-col-acked = Confirmed
notice-col-excused = Excused
notice-col-total = Total
