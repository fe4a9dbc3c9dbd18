# The responsibility letter and its successor: the successor carries the responsibility (issue 21)
successor-letters-given = { $count } of the new mentor officers and unit leaders had not signed the responsibility letter and were given it.
successor-letter-signed = The successor signed "{ $title }" (version { $version }, { $at })
successor-letter-pending = The successor has not signed "{ $title }" yet; it was given to him
successor-letter-pending-due = The successor has not signed "{ $title }" yet; it was given to him, due { $due }
successor-letter-unsigned = The successor has not signed "{ $title }"
successor-letter-unpublished = The responsibility letter has not been published
roster-changes-kind-leader = unit leader changed
roster-changes-col-letter = successor's letter
