## Help of muster leave

cli-help-leave = leave of absence: reminders and escalations wait; on return tasks get their time back
cli-help-leave-set = put a person on leave, both days included
cli-help-leave-end = the person is back now (a leave not begun is cancelled)
cli-help-leave-list = leaves running or to come
cli-help-leave-import = a 请销假 sheet (.xlsx: the sheet named 请销假, else the first; or .csv)
cli-help-leave-employee-no = employee number
cli-help-leave-from = the first day
cli-help-leave-to = the last day
cli-help-leave-category = category: { $categories } (or its name in the leave sheet)
cli-help-leave-note = a note of at most 200 characters
cli-help-leave-unit = only this unit and the units under it
cli-help-leave-all = past leaves too
cli-help-leave-file = the sheet's file
cli-help-leave-lang = language of the output (default zh_CN)
