## Common and registration

error-generic = Sorry, something went wrong. Please try again later; if it keeps happening, contact the auxiliary police office.
error-not-allowed = You are not allowed to do this.
error-not-found = Nothing was found.
error-invalid-input = That input is not valid. Please check it and try again.
error-too-long = That message is too long (over { $limit } characters). Please shorten it.
error-stale-button = This button no longer works. Send /menu to open the current menu.
error-unknown-input = Sorry, I did not understand that. Please use the menu below.
error-unknown-command = There is no such command. Please use the menu below.
error-person-left = Your account is no longer active. Questions: { $contact }
error-no-such-person = There is nobody with employee number { $who } in the roster.
error-no-such-unit = There is no unit named "{ $unit }".

reg-how-to = Hello! This is Muster, the auxiliary police duty assistant. Your account is not registered yet, so only registration is available.
    Get a one-time invite code from the office, then send /start and type the code.
    Contact: { $contact }
reg-ask-code = Welcome to Muster! Please type the invite code the office gave you (for example ABCD-2345).
    No code? Contact: { $contact }
reg-success = You are registered, { $name }. Welcome! Notices, pledges and training will arrive here.
reg-code-wrong = That invite code is not correct. Please check it and try again ({ $left } tries left).
reg-code-used = That invite code has already been used. If it was not you, contact the office at once ({ $left } tries left).
reg-code-expired = That invite code has expired. Please ask the office for a new one ({ $left } tries left).
reg-person-has-account = This person is already registered on another phone. To change phones, ask the office to unbind the old one ({ $left } tries left).
reg-locked = Too many wrong codes; entry is paused. Please try again after { $until } (in about { $minutes } minutes).
reg-already-bound = This account is already registered and cannot take another code. To change the person, ask the office to unbind it.

start-welcome-back = Hello, { $name }!

menu-title = Main menu · { $name }
    Please choose:
menu-language = 🌐 Language / 语言
menu-help = ❓ Help
btn-back-menu = « Back to menu

help-text = Muster delivers notices, pledges to read and sign, training and the weekly check-in.
    Commands:
    { $commands }
    Office contact: { $contact }
    Auxiliary policy hotline: phone { $phone }, mailbox { $email }, weekdays { $hours }
    Muster never reads your private chats or social media.
help-cmd-menu = /menu main menu
help-cmd-tasks = /tasks my open tasks
help-cmd-checkin = /checkin this week's check-in
help-cmd-records = /records my records (completed tasks, receipts, training results)
help-cmd-ask = /ask ask a policy question (or just type it)
help-cmd-register = /register my unit's weekly risk register
help-cmd-notice = /notice send a notice
help-cmd-approvals = /approvals notices waiting for approval
help-cmd-queue = /queue hotline questions waiting for a reply
help-cmd-status = /status pledge signing status
help-cmd-lang = /lang switch language
help-cmd-help = /help this help

lang-choose = 请选择语言 / Choose a language:
lang-name-zh_CN = 中文
lang-name-en = English
lang-set = Language set to English.
reg-open-tasks = You have { $count } open tasks: tap "📋 My tasks" to see them.
