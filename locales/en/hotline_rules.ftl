## Policy hotline: noise hints, per-unit contacts, unanswered questions (issue 18)

hotline-noise = I could not read "{ $text }" as a question. Please type it in words, for example "how many days of annual leave" or "my equipment is broken".
hotline-not-a-button = "{ $text }" is not a button number: the message above has only { $count } buttons. Type the number in front of a button, or type your question in words.
hotline-your-contact = ☎️ Your unit's policy hotline: phone { $phone }, mailbox { $email }, weekdays { $hours }
hotline-error-no-unit = There is no unit named "{ $unit }".
hotline-error-contact = The contact "{ $value }" cannot be used ({ $field }): phone and hours at most 64 characters, a mailbox like name@example.org.

hotline-contact-line = { $unit }: phone { $phone }, mailbox { $email }, weekdays { $hours } { $from }
hotline-contact-from-own = (set by the unit)
hotline-contact-from-unit = (from { $unit })
hotline-contact-from-bureau = (the bureau's)
hotline-contact-set = The policy contacts of { $unit } are updated.
hotline-contact-nothing = Give at least one of --phone, --email, --hours (an empty "" clears it).
hotline-contact-import-done = Policy contacts of { $count } unit(s) updated from { $path }.
hotline-contact-import-bad = { $path } row { $row }: { $problem }
hotline-contact-import-header = { $path } needs a header "unit" and at least one of "phone", "email", "hours".

kb-gaps-none = No questions the knowledge base left unanswered.
kb-gaps-title = Questions the knowledge base did not answer: { $questions }, in { $groups } group(s), largest first:
kb-gaps-group = #{ $number } · { $count } time(s) · last { $last } · to a person { $tickets } · closest entry: { $hint }{ $now }
    　e.g. { $example }
kb-gaps-now = · the knowledge base answers it now ({ $faq })
kb-gaps-no-hint = none
kb-gaps-exported = Exported to { $path }: { $groups } group(s), { $questions } question(s).
kb-gaps-sheet-groups = Groups
kb-gaps-sheet-questions = Questions
kb-gaps-col-group = Group
kb-gaps-col-count = Count
kb-gaps-col-example = Example (latest)
kb-gaps-col-hint = Closest entry
kb-gaps-col-now = Answered now by
kb-gaps-col-first = First
kb-gaps-col-last = Last
kb-gaps-col-tickets = To a person
kb-gaps-col-question = Question
kb-gaps-col-asked = Asked at
kb-gaps-col-outcome = Outcome
kb-gaps-col-ticket = Ticket
kb-gaps-outcome-none = no answer
kb-gaps-outcome-suggest = closest questions only
kb-gaps-outcome-person = handed to a person
