## The auxiliary police office in the chat: audience and deadline buttons, the escalation list, export files sent into the chat

notice-aud-none-yet = Nothing ticked yet.
notice-aud-picked = Units: { $units }; roles: { $roles }. { $count ->
        [one] { $count } person
       *[other] { $count } people
    }.
notice-aud-list-sep = {", "}
btn-notice-aud-done = ➡️ Next ({ $count ->
        [one] { $count } person
       *[other] { $count } people
    })
btn-notice-aud-prev = ◀ Previous
btn-notice-aud-next-page = Next page ▶
btn-notice-aud-page = Page { $page }/{ $pages }
btn-due-today = Today { $time }
btn-due-tomorrow = Tomorrow { $time }
btn-due-3days = In 3 days ({ $date } { $time })
btn-due-week = In a week ({ $date } { $time })

menu-office-escalations = ⏫ Escalations
menu-office-exports = 📤 Export files
office-esc-none = No open escalations.
office-esc-title = ⏫ Open escalations (as of { $now }): { $count }
office-esc-levels = Level 1 (mentor officer told) { $mentor } · level 2 (unit leader told) { $leader } · level 3 (auxiliary police office told) { $office }
office-esc-unit = [{ $unit }]
office-esc-line = · { $name } ({ $employee_no }) "{ $title }" due { $due } · level { $level } · told { $notified }
office-esc-more = …and { $count } more: export the escalation list for all of them.
office-esc-notified-office = auxiliary police office
office-esc-sheet = Escalations
office-esc-level = Level { $level }
office-esc-col-unit = Unit
office-esc-col-name = Name
office-esc-col-employee-no = Employee no.
office-esc-col-task = Task
office-esc-col-level = Level
office-esc-col-due = Due
office-esc-col-since = Escalated at
office-esc-col-notified = Told

office-exports-choose = 📤 Choose a file to export; it is sent here:
office-export-caption = 📎 { $name }
office-export-roster = 📇 Roster (Excel)
office-export-pledge = 📝 "{ $title }" signing status (Excel)
office-export-training = 🎓 "{ $title }" training status (Excel)
office-export-register = 📋 Risk register { $week } (Excel)
office-export-escalations = 📥 Escalation list (Excel)
office-export-gaps = ❓ Hotline knowledge-base gaps (Excel)
office-export-notice = 📢 Notice #{ $id } { $title }: who read it (CSV)
office-export-readers = 📥 Read / unread list (CSV)
