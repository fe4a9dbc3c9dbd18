## Weekly check-in (auxiliaries) and the unit weekly risk register

kind-checkin = Weekly check-in
kind-register = Risk register
checkin-title = Weekly check-in { $week }
register-title = Risk register { $week }
btn-checkin-open = 📝 Weekly check-in
btn-register-open = 📋 File the risk register

menu-checkin = 📝 Weekly check-in
menu-checkin-team = 📝 Check-ins of my auxiliaries
menu-register = 📋 This week's risk register
menu-register-office = 📊 Weekly summary

# --- answering ---
checkin-opened = 📝 The weekly check-in ({ $week }) is open; please answer by { $due }.
    If all is well, tap "All fine this week"; otherwise answer question by question.
checkin-intro = 📝 Weekly check-in { $week }, due { $due }.
    If all is well, tap "All fine this week"; otherwise answer question by question.
checkin-intro-late = 📝 The weekly check-in { $week } was due { $due }. It will be marked late, but please still answer it.
btn-checkin-all-fine = ✅ All fine this week
btn-checkin-step = ✏️ Answer question by question
btn-checkin-skip = Skip
btn-checkin-submit = 📤 Submit
btn-checkin-again = 🔄 Start again
checkin-yes = Yes
checkin-no = No
checkin-question = Question { $number }: { $question }
checkin-type-answer = (type your answer)
checkin-summary-title = Please check your answers, then submit:
checkin-answer-line = • { $question }
      → { $answer }
checkin-use-buttons = Please answer with the buttons.
checkin-stale = This step has expired; please start again (nothing was saved).
checkin-done = ✅ Your check-in for { $week } is in. Thank you!
checkin-done-all-fine = ✅ Submitted: all fine in { $week }. Thank you!
checkin-done-late = (After the deadline: marked late.)
checkin-done-care = The difficulty you described went to the office as a hotline ticket; someone will follow it up and reply here.
checkin-cancelled = Cancelled; nothing was saved. You can continue from "My tasks".
checkin-none-open = No weekly check-in to answer right now. 👍
checkin-already-done = You have already submitted the check-in for { $week }.
checkin-closed = The check-in for { $week } is closed.
checkin-not-yours = This check-in is not yours.
checkin-error-incomplete = Some questions are not answered; please start again.
checkin-error-too-long = That answer is too long (over { $limit } characters).
checkin-error-bad-week = "{ $value }" is not a week; write it like 2026-W49.
checkin-error-content = The check-in questionnaire is misconfigured: { $problem }

# --- views ---
checkin-team-title = 📝 Weekly check-ins of your auxiliaries, { $week } (as of { $now }):
checkin-unit-title = 📝 Weekly check-ins of { $unit }, { $week }:
checkin-team-none = No check-ins yet.
checkin-counts = Answered { $answered }/{ $assigned }, all fine { $all_fine }, hazards reported { $hazards }, missing { $missing }
checkin-person-all_fine = ✅ { $name }: all fine{ $late }
checkin-person-answered = 📝 { $name }: answered{ $late }
checkin-person-missing = ⏳ { $name }: missing
checkin-person-excused = ➖ { $name }: excused
checkin-team-people = You look after { $people } auxiliaries.
checkin-team-people-late = You look after { $people } auxiliaries; { $late } of them joined after this week's check-in opened ({ $names }) and have no check-in this week.
checkin-person-joined_late = ➕ { $name }: joined { $joined }, after this week's check-in opened; no check-in this week
checkin-late-flag = {" "}(late)
checkin-more = … and { $count } more
btn-checkin-prev-week = « Previous week

# --- difficulties: hotline tickets for the office ---
checkin-care-new = 💬 { $name } ({ $unit }) wrote about a difficulty in the { $week } check-in (it could not become a hotline ticket); see the check-in details to follow it up.
checkin-care-ticket = [Weekly check-in { $week } · { $topic }] { $text }
checkin-care-ticket-plain = [Weekly check-in { $week }] { $text }
btn-checkin-care-list = 💬 Hotline tickets ({ $count } difficulties this week)
checkin-care-title = { $count } difficulties written in the { $week } check-ins (now hotline tickets):
checkin-care-none = No difficulties were written in the { $week } check-ins.

# --- command line ---
checkin-cli-opened = Opened { $week }: { $checkins } new check-ins, { $registers } register tasks; { $missed } unanswered check-ins of earlier weeks closed.
checkin-cli-status-title = Weekly check-in { $week } (due { $due })
checkin-cli-not-open = { $week } is not open yet (run muster checkins open --week { $week }).
checkin-cli-missing-title = { $count } people have not answered:
checkin-cli-missing-none = Everyone has answered.
checkin-cli-care-line = { $ticket } [{ $status }] { $unit } { $name }({ $employee_no }) { $at }: { $text }
checkin-col-unit = Unit
checkin-col-name = Name
checkin-col-employee-no = Employee no.
checkin-col-assigned = Asked
checkin-col-answered = Answered
checkin-col-all-fine = All fine
checkin-col-hazards = Hazards
checkin-col-late = Late
checkin-col-missing = Missing
checkin-col-total = Total

# --- unit risk register ---
register-published = 📋 New task: { $title }
    Due: { $due }
    Check your auxiliaries' check-ins, update last week's open risks, add this week's new ones and file.
register-week-title = 📋 Risk register of { $unit }, { $week } (due { $due })
register-not-filed = Status: not filed
register-filed = Status: filed { $at }
register-filed-late = Status: filed { $at } (late)
register-checkin-numbers = Check-ins: answered { $answered }/{ $assigned }, all fine { $all_fine }, hazards reported { $hazards }, missing { $missing }
register-carried-title = [Carried over from last week: { $count }, { $pending } to update]
register-new-title = [New this week: { $count }]
register-new-none = No new risks entered yet this week.
register-no-new = No new risks this week.
register-row-line = { $number }. [{ $category }] { $risk }
      Measure: { $measure }; owner: { $owner }; deadline: { $deadline }
register-carry-pending =    → ⏳ to update
register-carry-resolved =    → ✅ resolved { $note }
register-carry-open =    → 🔸 still open: { $note }
register-carry-hint = Update the { $pending } risk(s) carried over from last week before filing.
btn-register-update = 🔄 Update #{ $number }
btn-register-change = ✏️ Change #{ $number }
btn-register-delete = 🗑 Delete item { $number }
btn-register-add = ➕ Add a risk
btn-register-file = 📤 File
btn-register-no-new = ✅ No new risks this week (file)
btn-register-checkins = 📝 Check-in details
btn-register-reporter = 👤 Designate a reporter
btn-register-back = « Back to the register
register-carry-ask = How is last week's risk #{ $number } this week?
btn-register-resolved = ✅ Resolved
btn-register-still-open = 🔸 Still open
register-ask-note = Briefly describe the progress on risk #{ $number }:
register-ask-category = Choose the category of the risk:
register-ask-risk = Describe the risk or hazard found:
register-ask-measure = Enter the remediation measure:
register-ask-owner = Pick the owner from the unit's people, or type a name or employee number to search:
register-ask-deadline = Enter the deadline (e.g. 2026-12-31), or pick a date below:
register-confirm = Please check:
    Category: { $category }
    Risk: { $risk }
    Measure: { $measure }
    Owner: { $owner }
    Deadline: { $deadline }
btn-register-confirm = ✅ Add it
register-row-added = Added.
register-filed-done = ✅ The risk register for { $week } is filed ({ $rows } item(s)).
register-filed-done-late = ✅ The risk register for { $week } is filed ({ $rows } item(s)); after the deadline, so marked late.
register-reporter-current = Current reporter: { $name }.
register-reporter-leaders = The unit leaders file the register now.
register-ask-reporter = Pick the reporter from the unit's people, or type a name or employee number to search:
btn-register-reporter-clear = ↩️ Unit leaders file again
register-reporter-set = { $name } now files this unit's risk register.
register-reporter-cleared = The unit leaders file the risk register again.

register-error-filed = The register for { $week } is filed and cannot change.
register-error-not-open = The register for { $week } opens { $opens }.
register-error-later-filed = The unit has filed the later week { $later }; { $week } cannot change.
register-error-carry-pending = { $count } risk(s) carried over from last week still need an update.
register-error-nothing-new = No new risk entered. If there is none this week, tap "No new risks this week".
register-error-has-new-rows = { $count } new risk(s) are entered this week; tap "File".
register-error-category = Category "{ $value }" is not one of the choices.
register-error-required = Must not be empty.
register-error-too-long = Too long (at most { $limit } characters).
register-error-deadline = Deadline "{ $value }" is not a date; write it like 2026-12-31.
register-error-deadline-past = The deadline cannot be before this Monday ({ $monday }).
register-error-note-required = A risk that is still open needs a progress note.
register-error-status = The status is resolved or open.
register-error-status-value = Status "{ $value }" is not known; write "Open" or "Resolved".
register-error-reporter-unit = { $name } is not an active member of this unit and cannot file its register.

# --- import and export ---
register-status-open = Open
register-status-resolved = Resolved
register-state-on_time = On time
register-state-late = Late
register-state-missing = Not filed
register-col-id = No.
register-col-category = Category
register-col-risk = Risk
register-col-measure = Measure
register-col-owner = Owner
register-col-deadline = Deadline
register-col-status = Status
register-col-note = Note
register-col-carried_from = Carried from
register-col-first_week = First week
register-col-unit = Unit
register-col-state = Filing
register-col-filed-at = Filed at
register-col-open-risks = Open risks
register-col-weeks = Weeks open
register-sheet-summary = Summary
register-sheet-title = Risk register of { $unit }, { $week } ({ $state })
register-export-title = Unit weekly risk registers { $week } (due { $due }, exported { $now })
register-export-counts = Filed on time: { $on_time } units; late: { $late }; not filed: { $missing }
register-export-by-category = Open risks by category
register-export-aged = Risks open for more than { $weeks } weeks
register-import-formula = Formulas are not allowed; copy and "paste as values".
register-import-carry-unknown = "{ $value }" is not one of this unit's open risks from last week.
register-import-carry-twice = Carried-from number { $value } appears twice (also in row { $first_row }).
register-import-carry-missing = Last week's open risk #{ $id } ({ $risk }) is not in the sheet; give its status this week.
register-import-drafts = The unit has entered { $count } risk(s) for { $week } in the bot without filing; file or delete them there before importing.
register-problem = Row { $row }, column "{ $column }": { $message }
register-problem-column = Column "{ $column }": { $message }
register-cli-exported = Exported the risk registers of { $units } units for { $week } to { $path }
register-cli-import-title = Import { $path } → { $unit } { $week }
register-cli-import-errors = { $count } error(s) found:
register-cli-nothing-written = Nothing was written. Fix the file and import it again.
register-cli-imported = Filed: { $rows } item(s), { $carried } carried over from last week.
register-cli-imported-late = Filed (late): { $rows } item(s), { $carried } carried over from last week.
register-cli-reporter-usage = Give an employee number, or --clear (one of the two).

# --- the office's summary ---
register-summary-title = 📊 Weekly summary { $week } (due { $due }, as of { $now })
register-summary-filings = Risk registers: { $on_time } units on time, { $late } late, { $missing } not filed
register-summary-missing = Not filed: { $units }
register-summary-open = Open risks: { $items }
register-summary-category = { $category } { $count }
register-summary-open-none = Open risks: none
register-summary-aged = Open for more than { $weeks } weeks: { $count }
register-summary-aged-line = • { $unit } [{ $category }] { $risk } ({ $weeks } weeks)
register-summary-care = Difficulties this week: { $count } (now hotline tickets)
