## Pledge office views: command line, export workbook, signature receipt, /status in the bot

pledge-cli-published = "{ $title }" ({ $pledge }) version { $version }: { $new ->
        [yes] new version, text frozen
       *[no] this version was published before
    }
pledge-cli-assigned = Newly assigned: { $assigned } people; unsigned tasks of older versions cancelled: { $replaced }
pledge-cli-due = Due: { $due } ({ $tz })
pledge-cli-sha = Text SHA-256 ({ $locale }): { $sha }
pledge-cli-bad-due = The due time "{ $value }" is not valid: use local time YYYY-MM-DDTHH:MM, e.g. 2026-12-15T12:00 (time zone { $tz }).
pledge-cli-status-title = "{ $title }" ({ $pledge }) version { $version }: signing status (as of { $now })
pledge-cli-status-empty = Nobody in this scope has the task.
pledge-cli-pending-title = Pending: { $count } people
pledge-cli-pending-none = Nobody is pending.
pledge-cli-exported = Exported { $count } rows to { $path }
pledge-cli-receipt-written = Receipt { $number } written to { $path } (open it in a browser to print)

report-col-unit = Unit
report-col-name = Name
report-col-employee-no = Employee no.
report-col-mentor = Mentor officer
report-col-leader = Unit leader
report-col-status = Status
report-col-signed-at = Signed at
report-col-version = Version
report-col-sha256 = Document hash
report-col-signature-no = Signature no.
report-col-note = Note
report-col-due = Due
report-col-assigned = Assigned
report-col-signed = Signed
report-col-pending = Pending
report-col-overdue = Overdue
report-col-excused = Excused
report-col-signed-pct = Signed %
report-total = Total
report-status-signed = Signed
report-status-pending = Pending
report-status-overdue = Overdue
report-status-excused = Excused
report-overdue-flag = OVERDUE
report-sheet-detail = Signatures
report-sheet-summary = Summary by unit

receipt-title = Pledge signature receipt
receipt-document = Document
receipt-signature-no = Signature no.
receipt-signer = Signer
receipt-employee-no = Employee no.
receipt-unit = Unit
receipt-typed-name = Name typed when signing
receipt-version = Version
receipt-version-value = Version { $version } ({ $locale })
receipt-sha256 = Document SHA-256
receipt-signed-at = Signed at (local)
receipt-signed-at-utc = Signed at (UTC)
receipt-channel = Channel
receipt-channel-user = Channel user ID
receipt-message-id = Message ID
receipt-audit-hash = Audit event hash
receipt-generated = Receipt generated at { $time }
receipt-text-heading = Full text of the signed pledge
receipt-verify-heading = How to verify
receipt-verify-text = 1. The document SHA-256 is the SHA-256 of the full text in the box below (UTF-8, nothing outside the box). It must equal the "Document SHA-256" above and the fingerprint (first 12 characters) shown on the phone when signing.
    2. The audit event hash is the record written to the audit chain when signing; run muster audit verify on the server to check that the chain is intact.
    3. Run muster pledge receipt { $number } on the server to produce this receipt again at any time.

menu-office-status = 📊 Signing status
office-status-choose = Choose a pledge to see its signing status:
office-status-none = No pledge has been published yet.
office-status-button = "{ $title }" v{ $version }
office-status-title = 📊 "{ $title }" version { $version }: signing status (as of { $now })
office-status-total = Total: assigned { $assigned } · signed { $signed } · pending { $pending } · overdue { $overdue } · excused { $excused }
office-status-unit = [{ $unit }] assigned { $assigned } · signed { $signed } · pending { $pending } · overdue { $overdue } · excused { $excused }
office-status-units-more = …and { $count } more units; export the full data on a computer: muster pledge export
office-status-pending-title = Pending (first { $shown } of { $count }):
office-status-pending-line = • { $unit } { $name } ({ $employee_no }) due { $due }
office-status-pending-line-overdue = • ⚠️ { $unit } { $name } ({ $employee_no }) overdue since { $due }
office-status-pending-none = Nobody is pending. 👍
btn-office-status-back = « Back to the pledge list
