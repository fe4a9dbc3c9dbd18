## The `muster` command line: help text, argparse's own words, what the commands print (bot/cli/)

## argparse's own words (bot/cli/parser.py). Keep argparse's %s, %(prog)s placeholders.
cli-usage = usage:{" "}
cli-positional-arguments = positional arguments
cli-options = options
cli-help-help = show this help message and exit
cli-error = %(prog)s: error: %(message)s
cli-error-required = the following arguments are required: %s
cli-error-unrecognized = unrecognized arguments: %s
cli-error-invalid-choice = invalid choice: %(value)r (choose from %(choices)s)
cli-error-argument = argument %(argument_name)s: %(message)s
cli-error-expected-one = expected one argument
cli-error-expected-at-most-one = expected at most one argument
cli-error-expected-at-least-one = expected at least one argument
cli-error-expected-n-one = expected %s argument
cli-error-expected-n = expected %s arguments
cli-error-invalid-value = invalid %(type)s value: %(value)r
cli-error-ambiguous = ambiguous option: %(option)s could match %(matches)s
cli-error-not-allowed-with = not allowed with argument %s
cli-error-one-required = one of the arguments %s is required
cli-error-ignored-argument = ignored explicit argument %r
cli-error-cannot-open = can't open '%(filename)s': %(error)s

## Every command
cli-config-error = configuration error: { $problem }
cli-schema-missing = The database has no tables yet. Run `muster db upgrade` first.
cli-schema-old = The database schema is an older version ({ $have }); the program needs { $want }. Run `muster db upgrade` first.
cli-error-conflict = Another operation changed the same data at the same time; nothing was changed. Please try again shortly.
cli-error-database = Cannot reach the database ({ $reason }); nothing was changed. Check that the database is running and MUSTER_DATABASE_URL is right, then try again.
cli-error-file = Cannot read or write the file { $path }: { $reason }

## Help text
cli-help-muster = Muster: the auxiliary police office's command line
cli-help-verbose = debug logging
cli-help-lang = language of the output (default: MUSTER_DEFAULT_LOCALE, zh_CN when unset)
cli-help-out = file to write
cli-help-dry-run = check and report, write nothing
cli-help-due = deadline in local time (MUSTER_TIMEZONE, default Asia/Shanghai)
cli-help-audience = all, or unit:NAME, role:ROLE, post:NAME, emp:NO (comma separated)
cli-help-unit-and-below = only this unit and the units under it
cli-help-unit-name = unit name, e.g. 城关派出所
cli-help-week = ISO week, e.g. 2026-W49 (default: the current week)
cli-help-db = database schema
cli-help-db-upgrade = create or upgrade the schema to the newest version
cli-help-audit = the audit chain
cli-help-audit-verify = check the keyed chain and every evidence table; exit 1 naming what is wrong
cli-help-audit-verify-head = a head recorded earlier with `muster audit head`: prove it is still in the chain
cli-help-audit-head = the newest chained event, to record outside the database
cli-help-invite = issue one-time invite codes for people without a bound chat account
cli-help-invite-unit = only people of this unit
cli-help-invite-person = only this person (employee number)
cli-help-invite-out = CSV file to write the codes to
cli-help-invite-also-bound = people with a chat account too: a code for another channel (the web chat)
cli-help-unbind = unbind a person's chat account (e.g. a lost phone)
cli-help-unbind-reason = why, for the audit log
cli-help-unbind-channel = only the account on this channel (web, ...)
cli-help-doctor = check that each configured chat channel can authenticate
cli-help-login-link = print a one-time login URL for the office web console (10 minutes, single use)
cli-help-roster = import or export the roster (people, units, mentor officer bindings)
cli-help-roster-import = check and apply a roster .xlsx or .csv (UTF-8 or GBK); nothing is written if any row is bad
cli-help-roster-import-file = the roster file
cli-help-roster-mark-missing-left = mark active people who are not in the file as left
cli-help-roster-units-must-exist = treat a unit that is not in the database as an error instead of creating it
cli-help-roster-allow-unbound = import auxiliaries without a mentor officer or unit leader, with a warning per row
cli-help-roster-new-posts = add posts (post name with its duties) that are not on the post list yet
cli-help-roster-export = write everyone, with their current mentor officer and unit leader, to .xlsx
cli-help-roster-export-unit = with --form: that unit and those under it
cli-help-roster-export-one-sheet = with --form: one sheet for all units
cli-help-roster-export-form = the bureau's statistics table of mentor officers and unit leaders in its own layout, one sheet per unit
cli-help-roster-status = active auxiliaries against each unit's approved headcount
cli-help-roster-changes = change filings: mentor officer or post changes since a date
cli-help-roster-changes-since = first day, e.g. 2026-12-01
cli-help-roster-changes-out = also write them to .xlsx
cli-help-unit = unit settings: the approved headcount of auxiliaries
cli-help-unit-quota = set a unit's approved headcount of auxiliaries
cli-help-unit-quota-n = a whole number, or none to clear it
cli-help-run = run the bot: long polling, or a webhook server
cli-help-run-webhook = take Telegram updates by webhook on MUSTER_WEB_LISTEN instead of long polling (needs MUSTER_WEBHOOK_URL and MUSTER_WEBHOOK_SECRET)
cli-help-run-channel = chat library to run (default: MUSTER_CHANNELS)
cli-help-run-role = web: receive updates and handle conversations; worker: scheduled jobs and the outbox sender; all: both (the default, and the only choice on SQLite)
cli-help-demo = try Muster in the terminal: SQLite, a sample roster, a console chat
cli-help-demo-db = SQLite file to use (default ./{ $path }); kept between runs
cli-help-demo-reset = delete the database and start over
cli-help-tick = run one deadline-engine tick (reminders, escalations)
cli-help-tick-now = local time to run at, e.g. 2026-12-01T12:00 (default: now)
cli-help-tick-simulate = only compute and print what the tick would do; write nothing
cli-help-escalations = open escalations with their level and who was told
cli-help-pledge = publish pledges, see who signed, export, receipts
cli-help-pledge-key = pledge key, e.g. confidentiality
cli-help-pledge-publish = freeze the current text as a version and assign it to an audience
cli-help-pledge-status = counts per unit and who is pending (latest version)
cli-help-pledge-export = one row per assigned person and a summary per unit
cli-help-pledge-receipt = a printable receipt of one signature: PDF (FILE.pdf) or HTML (FILE.html)
cli-help-pledge-receipt-number = signature number, e.g. QS00000042
cli-help-training = publish training modules, see who passed, export, question statistics
cli-help-training-key = module key, e.g. duties-limits
cli-help-training-publish = freeze the module's content as a version and assign it to an audience
cli-help-training-status = counts per unit and who has not passed (latest version)
cli-help-training-export = one row per person: attempts, best score, completed at, version
cli-help-training-stats = for each question, the share of answers that were wrong
cli-help-training-stats-version = a published version (default: the latest)
cli-help-notice = send notices, see delivery and confirmations, nudge
cli-help-notice-wait = show a progress bar until the running bot has delivered every message
cli-help-notice-id = notice number
cli-help-notice-send = send a notice to an audience (delivered by the bot)
cli-help-notice-text-file = the text (UTF-8 or GBK); its first line is the title unless --title is given
cli-help-notice-title = title shown in bold above the text
cli-help-notice-attach = a file people can download from the message (up to { $limit })
cli-help-notice-ack-by = ask for confirmation by this local time; late ones are escalated
cli-help-notice-dry-run = show the preview, send nothing
cli-help-notice-sensitive = it goes out only once another office staffer approves it (as a notice to more than MUSTER_NOTICE_APPROVAL_OVER people does)
cli-help-notice-list = recent notices with their counts
cli-help-notice-limit = how many to list (default 20)
cli-help-notice-stats = per unit: targeted, delivered, failed, not reachable, confirmed
cli-help-notice-nudge = send the notice again to those who have not confirmed it
cli-help-notice-nudge-dry-run = only say how many would get it
cli-help-checkins = the weekly check-in of auxiliaries
cli-help-checkins-open = open a week's check-in and unit register now (running it again creates nothing)
cli-help-checkins-status = check-in counts per unit and who has not answered
cli-help-checkins-care = difficulties written in a week's check-ins, with their hotline tickets
cli-help-register = the unit's weekly risk register
cli-help-register-export = all units' registers: a summary sheet and one sheet per unit
cli-help-register-import = check a unit's register sheet and file it; nothing is written if any row is bad
cli-help-register-file = the register .xlsx file
cli-help-register-unit = the unit the register belongs to
cli-help-register-reporter = designate who files a unit's register
cli-help-register-reporter-who = the reporter's employee number
cli-help-register-reporter-clear = the unit leaders file it again
cli-help-kb = the hotline knowledge base (content/kb)
cli-help-kb-check = validate FAQ entries and policy documents; non-zero exit on errors
cli-help-kb-reload = validate, then make every running bot load the content (no restart)
cli-help-kb-search = show what the hotline would answer to a question
cli-help-kb-search-locale = language of the entries to answer with (default: the output's)
cli-help-kb-gaps = questions with no confident answer or handed to a person, grouped, largest first
cli-help-kb-gaps-since = only questions asked since this local date (YYYY-MM-DD)
cli-help-kb-gaps-out = also export the groups and questions (.xlsx)
cli-help-kb-gaps-limit = groups listed (default 20)
cli-help-hotline = hotline tickets handed to the auxiliary police office
cli-help-hotline-queue = tickets not closed, waiting ones first
cli-help-hotline-queue-all = closed tickets too
cli-help-hotline-show = one ticket with its thread
cli-help-hotline-show-number = ticket number, e.g. H000012
cli-help-hotline-contact = set a unit's own policy phone, mailbox and hours (its people see them)
cli-help-hotline-contact-unit = unit name, e.g. 城关派出所
cli-help-hotline-contact-phone = policy phone ("" clears it: the parent unit's or the bureau's apply)
cli-help-hotline-contact-email = policy mailbox
cli-help-hotline-contact-hours = hours on working days, e.g. 8:30-17:30
cli-help-hotline-contacts = every unit's policy contacts as its people see them; --import a sheet of them
cli-help-hotline-contacts-import = .xlsx (its sheet 政策咨询, else the first) or .csv with columns 单位, 电话, 邮箱, 时间 (all rows or none)

## muster db | invite | unbind (bot/cli/core.py)
cli-db-upgraded = The database schema is up to date.
cli-invite-written = { $count ->
        [one] 1 invite code written to { $path }
       *[other] { $count } invite codes written to { $path }
    }
cli-invite-col-employee-no = Employee no.
cli-invite-col-name = Name
cli-invite-col-unit = Unit
cli-invite-col-code = Invite code
cli-invite-col-expires = Valid until
cli-invite-col-link = Link
cli-invite-col-web-link = Web link
cli-unbound = { $count ->
        [one] 1 chat account unbound for { $employee_no }.
       *[other] { $count } chat accounts unbound for { $employee_no }.
    }

## muster tick | escalations (bot/cli/tasks.py)
cli-tick-bad-now = "{ $value }" is not a time: use local time, e.g. 2026-12-01T12:00 (time zone { $tz }).
cli-tick-done = Tick at { $at }: { $due } due, { $reminders } reminders; escalated to mentor officers { $mentors }, unit leaders { $leaders }, the auxiliary police office { $office }; { $digests } digests; { $left } cancelled (left); { $unreachable } cannot-reach notes.
cli-escalations-none = No open escalations.
cli-escalations-count = { $count ->
        [one] 1 open escalation.
       *[other] { $count } open escalations.
    }
cli-escalations-office = auxiliary police office
cli-escalations-col-unit = Unit
cli-escalations-col-name = Name
cli-escalations-col-employee-no = Employee no.
cli-escalations-col-level = Level
cli-escalations-col-due = Due
cli-escalations-col-since = Since
cli-escalations-col-notified = Told
cli-escalations-col-task = Task
cli-escalations-level-1 = mentor officer
cli-escalations-level-2 = unit leader
cli-escalations-level-3 = office

## muster kb | hotline (bot/cli/hotline.py)
cli-kb-error = error: { $path }: { $message }
cli-kb-warning = warning: { $path }: { $message }
cli-kb-errors = { $count ->
        [one] The knowledge base has 1 error.
       *[other] The knowledge base has { $count } errors.
    }
cli-kb-ok = Knowledge base OK: { $entries } entries, { $documents } documents, { $articles } articles in all languages.
cli-kb-ok-sample = Knowledge base OK: { $entries } entries, { $documents } documents, { $articles } articles in all languages. This is sample content: replace it with the unit's own rules.
cli-kb-reloaded = Knowledge base generation { $generation }: { $entries } entries (new content); running bots load it with their next question.
cli-kb-reloaded-unchanged = Knowledge base generation { $generation }: { $entries } entries (content unchanged); running bots load it with their next question.
cli-kb-confidence-answer = Confidence: answers directly
cli-kb-confidence-suggest = Confidence: suggests the closest entries
cli-kb-confidence-none = Confidence: not confident, hands it to a person
cli-kb-col-entry = Entry
cli-kb-col-score = Score
cli-kb-col-coverage = Coverage
cli-kb-col-question = Question
cli-kb-gaps-bad-since = "{ $value }" is not a date: write it like 2026-12-01.
cli-hotline-queue-none = No hotline tickets.
cli-hotline-queue-count = { $count } tickets, { $waiting } waiting for a reply, { $late } over one working day.
cli-hotline-late = {" "}(late)
cli-hotline-col-ticket = Ticket
cli-hotline-col-status = Status
cli-hotline-col-asker = Asker
cli-hotline-col-last-activity = Last activity
cli-hotline-col-due = Reply due
cli-hotline-col-question = Question
cli-hotline-bad-number = "{ $value }" is not a ticket number (e.g. H000012).
cli-hotline-ticket = { $number }  { $status }  asked { $at } by { $asker }
cli-hotline-faq-hint = Closest FAQ entry: { $entry }
cli-hotline-message = [{ $at }] { $who }:
cli-hotline-from-asker = asker
cli-hotline-from-office = office ({ $name })

## muster run (bot/cli/run.py)
cli-run-unknown-channel = There is no chat channel "{ $channel }": MUSTER_CHANNELS may name { $channels }.
cli-run-two-libraries = Name one Telegram library in MUSTER_CHANNELS: aiogram or ptb.
cli-run-wecom-missing = MUSTER_CHANNELS names wecom but { $vars } not set.
cli-run-no-token = MUSTER_TELEGRAM_TOKEN is not set (the token from @BotFather).
cli-run-webhook-no-telegram = --webhook needs a Telegram channel in MUSTER_CHANNELS.
cli-run-webhook-no-url = --webhook needs MUSTER_WEBHOOK_URL (the public HTTPS address).
cli-run-webhook-no-secret = --webhook needs MUSTER_WEBHOOK_SECRET.
cli-run-webhook-bad-secret = MUSTER_WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -.
cli-run-no-audit-key = MUSTER_AUDIT_KEY is not set (the key of the audit chain, kept secret).
cli-run-no-hotline-key = MUSTER_HOTLINE_KEY is not set (the key that seals hotline askers, kept secret).
cli-run-second-process = Another Muster process already runs on this SQLite database. SQLite supports one process; use PostgreSQL to run several.
cli-run-cannot-listen = Cannot listen on { $where }: { $why }
cli-run-console-at = Office web console: { $url }
cli-run-wecom-at = WeCom callback on { $url }
cli-run-webhook = Webhook server on { $where } for { $url } ({ $library }); Ctrl+C stops.
cli-run-polling = Long polling ({ $library }); Ctrl+C stops.
cli-run-web-only = No Telegram channel: web server only; Ctrl+C stops.
cli-run-cannot-start = Cannot start the bot: { $reason }
cli-hotline-who-named = named (the console or the chat shows the asker, with a reason)
