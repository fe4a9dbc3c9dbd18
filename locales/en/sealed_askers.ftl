## Sealed hotline askers: anonymous askers' routes and messages kept sealed; a named asker's name shown only for a reason

hotline-who-named-hidden = named (name hidden)
hotline-btn-show-asker = 👤 Show asker
hotline-show-asker-prompt = To see who asked { $number }, give a reason. The view is recorded in the audit log and the asker is told. Type the reason:
hotline-asker-shown = 👤 Ticket { $number } was asked by { $name } (employee no. { $employee_no }, { $unit }, post: { $post })
    Reason: { $reason }
    This view is recorded in the audit log and the asker has been told.
hotline-asker-viewed = 🔔 { $viewer } of the auxiliary police office viewed your name on your question { $number } at { $time }.
    Reason: { $reason }
hotline-error-anonymous-asker = Ticket { $number } was asked anonymously: there is no name to show.
hotline-error-reason-empty = Please give the reason for showing the asker.
hotline-error-route = The asker's route of ticket { $number } does not open: MUSTER_HOTLINE_KEY is not the key it was sealed with. Nothing was sent; please contact the system administrator.
hotline-error-no-key = The policy hotline is not available: MUSTER_HOTLINE_KEY is not configured. Please contact the auxiliary police office.

web-named-hidden = named (name hidden)
web-asker-reason = Reason for showing the asker (recorded in the audit log; the asker is told)
web-show-asker = Show asker
web-asker-shown = Asked by { $name } (employee no. { $employee_no }, { $unit }). Reason: { $reason }. This view is recorded in the audit log and the asker has been told.
