## Console demo (muster demo)

console-title = Muster demo · console chat (the same conversation as on Telegram)
console-db = Database: { $path }
console-roster-loaded = Loaded the sample roster: { $people } people.
console-roster-kept = Keeping the data of the last demo ({ $people } people); add --reset to start over.
console-pick-title = Who are you? Type a number:
console-pick-new-phone = a new phone (not registered: shows registration)
console-pick-prompt = number ›
console-pick-invalid = Please type a number from 1 to { $max }, or /quit to leave.
console-role-auxiliary = auxiliary
console-role-mentor = mentor officer
console-role-leader = unit leader
console-role-office = auxiliary police office
console-bound = (registered)
console-you-are = You are now { $name } ({ $unit }).
console-new-phone = This is a new phone, not registered to anybody. For the demo, the invite code of { $name } (employee no. { $employee_no }) is { $code }.
    Type that code below to register.
console-new-phone-no-code = This is a new phone. Everybody in the roster is registered already, so there is no invite code to hand out; use --reset to start the demo over.
console-help = Type text to send it. Buttons are shown as [1] label: type the number to press one; a line starting with \ is sent as it is.
    /switch to be somebody else  ·  /quit to leave (or Ctrl-D)
console-unregistered = new phone
console-prompt = { $name } ›
console-document = 📎 File { $filename } ({ $size } bytes) saved to { $path }
console-bye = Goodbye!
console-list-sep = { ", " }
console-work = Sample tasks published: { $tasks }.
console-work-task = “{ $title }” to { $people }
console-inbox-intro = Everybody has a console account; messages for a person (📨) show when you pick them.
console-inbox-intro-unbound = Everybody but { $names } has a console account; messages for a person (📨) show when you pick them. { $names } can register on “a new phone”.
console-inbox = 📨 { $count ->
        [one] 1 new message:
       *[other] { $count } new messages:
    }
