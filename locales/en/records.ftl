## My records (everyone sees their own), corrections of the weekly check-in, mentor officers told
## of hazards and requests for help, amendments of the risk register, and picking its
## owner and reporter from the unit's people

menu-records = 📂 My records
records-title = 📂 My records · { $name }
records-counts = Tasks completed: { $done } · pledges signed: { $signatures } · training quizzes: { $attempts }
btn-records-done = ✅ Completed tasks
btn-records-pledges = 🖊 Pledges and receipts
btn-records-training = 🎓 Training results
btn-records-checkins = 📝 Past check-ins
btn-records-questions = 💬 My questions
btn-records-back = « My records
btn-records-prev = « Previous
btn-records-next = Next »

records-done-none = No completed tasks yet.
records-done-title = ✅ Completed tasks ({ $count } in all, page { $page }/{ $pages }):
records-done-line = • [{ $kind }] { $title } · done { $at }{ $late }
records-done-excused = • [{ $kind }] { $title } · excused { $at } ({ $reason })
records-late-flag = (late)

records-pledges-none = You have not signed a pledge yet.
records-pledges-title = 🖊 Pledges I signed ({ $count }):
records-pledge-line = • "{ $title }" version { $version } · { $signature_no } · { $at }
btn-records-receipt = 🧾 Receipt { $number }
records-receipt = 🧾 Signature receipt: "{ $title }"
    Signature no.: { $number }
    Signed by: { $name }
    Version: { $version }
    Time: { $time }
    Document fingerprint: { $hash }
    Channel: { $channel }
btn-records-receipt-file = 📄 Download the receipt page (printable)
records-receipt-file = 📄 Signature receipt { $number }: open it and print; it holds the full text signed.
records-error-no-receipt = No such signature receipt.

records-training-none = You have not taken a training quiz yet.
records-training-title = 🎓 My training results ({ $count } quizzes, latest first):
records-training-passed = • ✅ { $title } (version { $version }) attempt { $attempt_no }/{ $attempts }: { $score } (pass mark { $pass_mark }) passed · { $at } · fingerprint { $hash }
records-training-failed = • ❌ { $title } (version { $version }) attempt { $attempt_no }/{ $attempts }: { $score } (pass mark { $pass_mark }) not passed · { $at }

records-checkins-none = No weekly check-ins yet.
records-checkins-title = 📝 My weekly check-ins ({ $count } weeks, latest first):
records-checkin-all_fine = • { $week }: ✅ all fine · submitted { $at }{ $late }{ $corrected }
records-checkin-answered = • { $week }: 📝 answered question by question ({ $hazards } hazard(s)) · submitted { $at }{ $late }{ $corrected }
records-checkin-open = • { $week }: ⏳ to answer, due { $due }
records-checkin-missing = • { $week }: ❌ not answered
records-checkin-excused = • { $week }: ➖ excused
records-checkin-detail = 📝 My weekly check-in { $week }:
records-corrected-flag = (corrected; the earlier answer is kept)
btn-records-checkin = 📝 My answers for { $week }
records-correctable = You can correct it until { $due }; your earlier answer stays on record.
records-alert-pending = Your mentor officer will see what you reported in their next digest.
records-alert-digest = Your mentor officer was told in their digest.
records-alert-urgent = Your mentor officer was told at once (urgent).
records-alert-superseded = (This answer was corrected.)
records-alert-no_mentor = You have no mentor officer bound now; please contact your unit.

records-questions-none = You have not handed a policy question to a person yet.
records-questions-title = 💬 My questions ({ $count }, latest activity first):
records-question-line = • { $number } · { $status } · { $time } · { $replies } reply(ies){ $anonymous }
    　{ $preview }
records-anonymous-flag = { " " }(anonymous)
records-question-title = 💬 Question { $number } · { $status }{ $anonymous }
    Asked: { $time }
records-thread-me = [{ $time }] Me:
    { $text }
records-thread-office = [{ $time }] Auxiliary police office:
    { $text }
btn-records-follow-up = ✍️ Add to it or reply
btn-records-reopen = ↩️ Reopen it and add to it

# --- correcting the weekly check-in ---
btn-checkin-correct = ✏️ Correct this check-in
btn-checkin-correct-fine = ✅ Change to: all fine this week
btn-checkin-correct-step = ✏️ Answer again, question by question
checkin-correct-intro = ✏️ Correct your check-in for { $week } (possible until { $due }).
    Your earlier answer stays on record; the correction counts.
checkin-summary-title-correction = Check your corrected answers, then submit (the earlier ones stay on record):
checkin-corrected = ✅ Your check-in for { $week } is corrected; the new answers count.
checkin-corrected-all-fine = ✅ Corrected: all fine in { $week }.
checkin-done-correctable = Until the deadline you can correct it: "Correct this check-in".
checkin-answered-correctable = You have submitted the check-in for { $week }; you can still correct it until { $due }.
checkin-correct-nothing = You have not submitted the check-in for { $week } yet: answer it first.
checkin-correct-closed = The check-in for { $week } was due { $due }; it can no longer be corrected.
checkin-correct-no-change = Those are the answers already submitted: nothing to correct.

# --- telling the mentor officer ---
checkin-done-alert = Your mentor officer will see the hazard or request for help you reported in their next digest (at the latest { $at }). If it is urgent, tell them now with the button below.
btn-checkin-urgent = 🚨 Urgent: tell my mentor officer now
checkin-urgent-sent = 🚨 Your mentor officer { $mentor } has been told at once.
alert-already-urgent = Your mentor officer was already told urgently at { $at }.
alert-no-mentor = You have no mentor officer bound now; please contact your unit leader directly.
alert-gone = This answer was corrected; see the corrected check-in.
alert-urgent-title = 🚨 Urgent: one of your auxiliaries asks for your attention now (weekly check-in):
alert-digest-title = ⚠️ From the weekly check-ins, for your attention ({ $count } people):
alert-person = [{ $name } · { $week }]
alert-person-corrected = [{ $name } · { $week } · corrected]
alert-nothing-now = 　After the correction: no hazard and no request for help.
alert-digest-more = …and { $count } more: see "Check-ins of my auxiliaries".

# --- amending the risk register ---
btn-register-edit = ✏️ Change item { $number }
btn-register-amend = ✏️ Amend the filed register
btn-register-file-amendment = 📤 File the amendment
register-filed-version = Amended: this is version { $version } (every version is kept).
register-amendable = Until { $due } it can be amended and filed again.
register-amending = ✏️ Amending the filed register: when done, press "File the amendment" (by { $due }). Changes not filed do not count.
register-unfiled-changes = Changes were not filed before the deadline: the filed version counts.
register-amended-done = ✅ The amended risk register for { $week } is filed (version { $version }, { $rows } item(s)).
register-edit-title = ✏️ Change this item (saved as a new version; the old one is kept). What do you want to change?
register-row-detail = [{ $category }] { $risk }
      Measure: { $measure }; owner: { $owner }; deadline: { $deadline }
register-edit-ask = Type the new "{ $field }" (now: { $current }):
register-row-changed = Changed.
register-error-amend-closed = The register for { $week } is filed and its deadline { $due } has passed: it can no longer be changed.
register-error-nothing-amended = The register is the same as the filed version: there is no amendment to file.
register-error-row-changed = This item was changed meanwhile; please work on the current register.
register-error-unchanged = Nothing changed.
register-error-field = "{ $value }" is not something of the register that can be changed.
register-error-owner-unit = The person picked as owner is not an active member of this unit.

# --- owner and reporter: picked from the unit's people ---
register-person-button = { $name } · { $post }
register-search-found = { $count } found; pick one:
register-search-none = Nobody in this unit matches "{ $query }"; type another name or employee number.
register-search-more = (only the first { $shown } of { $count } are listed; type a name or employee number to search)
btn-register-owner-as-typed = ✍️ Use "{ $name }" as written (not in the list)
