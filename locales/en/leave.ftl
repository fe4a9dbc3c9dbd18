## Leave (issue 21): reminders and escalations wait during leave; on return tasks get their time back

leave-category-annual = Annual leave
leave-category-sick = Sick leave
leave-category-parental = Maternity/paternity leave
leave-category-injury = Injury leave
leave-category-study = Study leave
leave-category-secondment = Secondment
leave-category-other = Other

leave-error-not-on-leave = { $name } has no current or upcoming leave.
leave-error-category = Leave category "{ $category }" is not understood. Use: { $known }.
leave-error-dates = Please give the first and the last day of the leave (e.g. 2026-12-10 to 2026-12-14).
leave-error-order = The last day { $last } is before the first day { $first }.
leave-error-too-long = One leave lasts at most { $days } days; enter a longer absence as several.
leave-error-note = A note has at most { $max } characters.
leave-error-left = { $name } has left; no leave is needed.
leave-error-name = Employee number { $employee_no } is { $name } in the roster, not the name in the sheet.
leave-sheet-refused = { $count } rows of the leave sheet are wrong; no row was recorded.

leave-back = 👋 Welcome back! The { $count } open tasks that waited while you were on leave now have the time they had left:
    { $lines }
leave-back-line = • { $title }: new deadline { $due }
digest-line-on-leave = • { $name }: on leave (until { $until }), not escalated
status-on-leave = on leave until { $until }
status-waiting-training = waiting for training
status-waiting-and-leave = of them { $waiting } waiting for training, { $on_leave } on leave (not overdue)
report-col-waiting-training = Waiting for training
report-col-on-leave = On leave
web-waiting-training-n = { $n } waiting for training
web-on-leave-n = { $n } on leave

leave-col-unit = Unit
leave-col-name = Name
leave-col-employee_no = Employee no.
leave-col-category = Category
leave-col-first_day = First day
leave-col-last_day = Last day
leave-col-state = State
leave-col-note = Note
leave-state-upcoming = upcoming
leave-state-current = on leave
leave-state-over = back
leave-state-cancelled = cancelled
leave-cli-line = { $name } ({ $employee_no }) { $category }: { $first } to { $last }
leave-cli-set = Leave recorded: { $line }. Reminders and escalations wait during it; on return open tasks get the time they had left.
leave-cli-ended = Back from leave: { $line }, ended { $at }. The next tick gives the open tasks their time back and tells the person.
leave-cli-cancelled = Cancelled a leave that had not begun: { $line }.
leave-cli-none = Nobody is on leave or going on leave.
leave-cli-count = { $count } in all.
leave-cli-bad-date = "{ $value }" is not a date: write 2026-12-10 (with the year).
leave-cli-imported = Recorded { $count } leaves from { $path }.
leave-sheet-bad-date = "{ $value }" is not a date (e.g. 2026-12-10).

leave-web-title = Leave
leave-web-set = Record leave
leave-web-end = End leave (back today)
leave-web-end-confirm = Is this person back now? A leave that has not begun is cancelled.
web-done-leave-set = Leave recorded. Reminders and escalations wait during it.
web-done-leave-ended = Leave ended. The next tick gives the open tasks their time back and tells the person.
