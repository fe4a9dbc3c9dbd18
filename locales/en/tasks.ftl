## My tasks, reminders and escalation

menu-my-tasks = 📋 My tasks
tasks-none = You have no open tasks. 👍
tasks-title = You have { $count } open tasks:
tasks-line = • [{ $kind }] { $title }, due { $due }
tasks-line-overdue = • ⚠️ [{ $kind }] { $title }, overdue since { $due }
kind-pledge = Pledge

task-published = 📋 New task: { $title }
    Due: { $due }
    Tap the button below to read and complete it.
task-reminder = ⏰ Reminder: "{ $title }" is due { $due }. Please complete it soon.
task-reminder-in-person = ⏰ Your mentor officer has reminded you in person: "{ $title }" (due { $due }) is not done yet. Please complete it soon.

error-bad-audience = Audience "{ $spec }" is not understood. Use: all, or unit:NAME, role:ROLE (auxiliary/mentor/leader/office), post:NAME, emp:EMPLOYEE_NO, separated by commas.
error-audience-empty-roles = The chosen roles do not overlap with the document's audience.

esc-unreachable = ℹ️ { $name } cannot be reached through Muster ({ $reason }). Please pass reminders on in person.
reason-blocked = blocked the bot or the account is deactivated
reason-not-registered = not registered with Muster yet
esc-person-left = ℹ️ { $name } has left; their open tasks are cancelled and no more reminders will be sent.
digest-mentor-title = 📣 Overdue: { $count } of your auxiliaries have overdue tasks:
digest-leader-title = 📣 Overdue (level 2): these { $count } people are more than a day overdue:
digest-office-title = 📣 Overdue (level 3): these { $count } people are more than three days overdue:
digest-item = { $days ->
        [0] { $hours ->
                [0] { $title } (less than an hour overdue)
                [one] { $title } (1 hour overdue)
               *[other] { $title } ({ $hours } hours overdue)
            }
        [one] { $title } (1 day overdue)
       *[other] { $title } ({ $days } days overdue)
    }
digest-line = • { $name }: { $items }{ $flag }
digest-unreachable-flag = ⚠️ cannot be reached through Muster
digest-unit = [{ $unit }] { $people } people, { $items } items
digest-more = …and { $count } more
btn-reminded = ✅ Reminded { $name } in person
btn-excuse = 📝 Excuse { $name }
esc-nothing-open = { $name } has nothing overdue right now.
esc-reason-empty = Please type a reason.
esc-reminded-done = Recorded: you reminded { $name } in person. They got a fresh reminder; the next level waits 24 more hours.
esc-ask-reason = Please type why { $name } is excused from these { $count } tasks (for example: sick leave, off-site training):
esc-excused-done = Excused { $count } tasks of { $name }; the reason is recorded:
    { $items }
esc-choose = Choose which of { $name }'s overdue tasks to excuse ({ $count } in all; you may choose several), then tap "Next":
btn-excuse-item-on = ☑ { $title } (due { $due })
btn-excuse-item-off = ☐ { $title } (due { $due })
btn-excuse-next = Next ({ $count } chosen)
btn-excuse-cancel = Cancel
btn-excuse-confirm = ✅ Confirm and give the reason
btn-excuse-rechoose = « Choose again
esc-excuse-none-chosen = Please choose at least one task to excuse.
esc-excuse-item = • { $title } (due { $due })
esc-confirm = Excuse these { $count } tasks of { $name }? Their other tasks are not affected.
    { $items }
esc-excuse-already = The chosen tasks of { $name } are already done or excused: nothing to do.
esc-excuse-cancelled = Cancelled: nothing was excused.

menu-my-team = 👥 My auxiliaries
team-none = No auxiliaries are bound to you right now.
team-title = Auxiliaries bound to you ({ $count }):
team-title-late = Auxiliaries bound to you ({ $count }; { $late } joined after this week's check-in opened):
team-joined-late-flag = joined { $joined }, after this week's check-in opened
team-line = • { $name } ({ $post }): { $open } open, { $overdue } overdue{ $flag }
