## Policy hotline

menu-hotline-ask = 💬 Ask a policy question
menu-hotline-queue = 📨 Hotline tickets

hotline-ask-prompt = Type your question, for example "how many days of annual leave" or "how do I report a work injury".
hotline-pledge-prompt = Type your question about the pledge. I look in the policy knowledge base first; if nothing fits you can ask a person.
hotline-answer = <b>{ $question }</b>

    { $answer }

    📄 Source: { $title }, { $heading }
hotline-sample-footer = (Sample policy; your unit's own rules apply.)
hotline-suggest = I found no exact answer. Did you mean one of these questions?
hotline-none = The knowledge base has no answer to that, and I will not guess. Press "Ask a person" to hand it to the auxiliary office, call { $phone } or write to { $email } (weekdays { $hours }).
hotline-btn-answered = ✅ This answered my question
hotline-btn-person = 🙋 Ask a person
hotline-thanks = Glad it helped! Type another question any time.
hotline-person-prompt = Type your question for the auxiliary office:
hotline-confirm = Your question:
    "{ $question }"

    It goes to the auxiliary office. How do you want to ask?
    · With my name: the office sees your name and unit;
    · Anonymously: the office sees only a ticket number and can still reply here.
    Mentor officers and unit leaders never see hotline questions.
hotline-btn-named = 👤 Ask with my name
hotline-btn-anonymous = 🕶 Ask anonymously
hotline-btn-cancel = Cancel
hotline-cancelled = Cancelled.
hotline-stale-question = I have no question to hand on. Please type your question again:
hotline-ticket-created = Sent to the auxiliary police office as ticket { $number }. Your name is shown only to office staff who give a reason, and you are told when it is. The reply will arrive here, normally within one working day (office hours: weekdays { $hours }).
hotline-ticket-created-anonymous = Sent anonymously to the auxiliary office as ticket { $number }. The office does not see your name; the reply will still arrive here, normally within one working day (office hours: weekdays { $hours }).

hotline-followup-prompt = Type your follow-up to ticket { $number }:
hotline-followup-sent = Sent to the auxiliary office ({ $number }). The reply will arrive here.
hotline-reply-to-asker = 💬 The auxiliary office replied to your question { $number }:

    { $text }

    To answer back, press "Reply".
hotline-btn-answer-back = ✍️ Reply
hotline-closed-notice = The auxiliary office closed your question { $number }. If anything is still unclear, just type a new question.

hotline-error-empty = The question is empty. Please type some text.
hotline-error-no-entry = That question was changed or removed from the knowledge base. Please type your question again.
hotline-error-no-ticket = There is no such ticket.
hotline-error-kb-invalid = The knowledge base has { $count } error(s) and was not reloaded. First: { $first }

hotline-queue-title = Hotline tickets ({ $count } not closed, waiting ones first):
hotline-queue-empty = There are no open hotline tickets.
hotline-queue-line = { $number } · { $who } · { $status } · { $time }{ $overdue }
    　{ $preview }
hotline-queue-button = { $number } · { $status }
hotline-who-anonymous = anonymous
hotline-status-open = waiting for reply
hotline-status-answered = answered
hotline-status-closed = closed
hotline-overdue-flag = ⚠️ unanswered for over one working day
hotline-ticket-title = Ticket { $number } · { $status }
    Asked by: { $who }
    Asked at: { $time }
hotline-thread-asker = [{ $time }] Asker:
    { $text }
hotline-thread-office = [{ $time }] Office ({ $name }):
    { $text }
hotline-btn-reply = ✍️ Reply
hotline-btn-close = ✔️ Close
hotline-btn-queue = « Back to tickets
hotline-btn-open-ticket = Open ticket
hotline-reply-prompt = Type the reply to ticket { $number } (it goes to the asker):
hotline-reply-sent = Reply sent ({ $number }).
hotline-closed = Ticket { $number } closed; the asker was told.

hotline-office-new = 📨 New hotline question { $number } ({ $who }):
    { $preview }
hotline-office-followup = 📨 Ticket { $number } has a follow-up ({ $who }):
    { $preview }
hotline-office-overdue = ⏰ Hotline question { $number } has waited over one working day for a reply (asked { $since }).
