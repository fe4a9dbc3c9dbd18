## Training

kind-training = Training
btn-training-open = 📚 Learn
btn-training-open-current = 📚 Open the latest version
btn-training-continue = ▶ Continue
btn-training-prev = ◀ Previous lesson
btn-training-next = Next lesson ▶
btn-training-start-quiz = 📝 Start the quiz
btn-training-true = ✔ True
btn-training-false = ✘ False
btn-training-submit = ✅ Submit answer
btn-training-next-question = Next question ▶
btn-training-result = 📊 See the result
btn-training-retry = 🔁 Try again (attempt { $attempt } of { $attempts })
btn-training-review = 📖 Review the lessons

training-restart-published = 📚 "{ $title }" has a new version; the old version you were working on is withdrawn.
    Please start again from the first lesson of the new version and take its quiz by { $due }.
training-lesson-header = <b>{ $title }</b> (version { $version }) · lesson { $lesson }/{ $lessons } · due { $due }
training-question-header = 📝 { $title } · attempt { $attempt_no }/{ $attempts_allowed } · question { $number }/{ $total }
training-type-single = Single choice: pick one answer.
training-type-multiple = Multiple choice: pick every correct option (tap the letters, then "Submit answer"). Missing or extra options score nothing.
training-type-truefalse = True or false?
training-resumed = ⏯ Continuing the quiz where you stopped.
training-sep = { ", " }
training-answer-right = ✅ Correct! Your answer: { $given }
training-answer-wrong = ❌ Wrong. Your answer: { $given }; correct answer: { $correct }
training-explanation = 💡 Why: { $text }
training-result-passed = 🎉 Well done, you passed "{ $title }"!
    Score: { $score }% ({ $correct }/{ $total } right, pass mark { $pass }%)
    Attempt { $attempt } · completed { $time }
    Content fingerprint: { $hash }
training-result-failed = Not passed this time: "{ $title }"
    Score: { $score }% ({ $correct }/{ $total } right, pass mark { $pass }%), attempt { $attempt } of { $attempts }.
    Topics to work on:
    { $topics }
training-result-retry = You have { $left } more attempt(s). Review the lessons on these topics first, then try again.
training-result-exhausted = All { $attempts } attempts are used up. Your mentor officer has been told and will contact you to help you with these topics.

training-not-yours = This training task is not yours, or no longer exists.
training-already-passed = You have already passed "{ $title }".
training-superseded = Version { $version } of "{ $title }" has been replaced by version { $current }; your progress on the old version no longer counts. Please take the latest version.
training-closed = The training task "{ $title }" is closed; nothing more to do.
training-attempts-exhausted = All { $attempts } quiz attempts are used up. Your mentor officer will contact you. You can still review the lessons.
training-already-answered = Question { $number } is already answered; answers cannot be changed.
training-attempt-over = This button belongs to a quiz that has ended or to a question not reached yet.
training-select-first = Tick at least one option, then tap "Submit answer".
training-no-result = You have not finished this quiz yet.

training-error-content = A training content file is wrong: { $problem }
training-error-content-changed = The content of training module { $module } version { $version } has changed. Raise the version number after changing lessons or questions.
training-error-no-such-key = There is no training module { $module }. Known: { $known }
training-error-due-past = The deadline must be in the future.
training-error-version-older = The version { $version } in the files is older than the published version { $latest }.
training-error-not-published = Training module { $module } has not been published.

training-cli-bad-due = The deadline "{ $value }" is not in the form YYYY-MM-DDTHH:MM (local time, { $tz }).
training-cli-published = Published "{ $title }" ({ $module }) version { $version }: { $new ->
        [yes] a new version, content frozen
       *[no] this version was published before
    }
training-cli-assigned = Assigned to { $assigned } people; { $replaced } open task(s) of older versions cancelled, { $restarted } of them had started and begin again.
training-cli-due = Deadline: { $due } ({ $tz })
training-cli-sha = Content SHA-256: { $sha }
training-cli-status-title = Training "{ $title }" ({ $module }) version { $version }, as of { $now }
training-cli-status-empty = Nobody has been assigned this version.
training-cli-pending-none = Everybody has passed.
training-cli-pending-title = Not passed yet ({ $count }):
training-cli-exported = { $count } rows written to { $path }
training-cli-stats-title = Training "{ $title }" ({ $module }) version { $version }, question statistics: { $attempts } attempts by { $people } people
training-cli-stats-empty = Nobody has finished a quiz of this version yet.
training-total = Total
training-sheet = Training
training-sheet-summary = By unit
training-flag-exhausted = no attempts left
training-flag-overdue = overdue
training-status-passed = passed
training-status-pending = not done
training-status-failed-retry = failed, may retry
training-status-exhausted = failed, no attempts left
training-status-overdue = overdue
training-status-excused = excused
training-col-unit = Unit
training-col-name = Name
training-col-employee-no = Employee no.
training-col-mentor = Mentor officer
training-col-status = Status
training-col-attempts = Attempts
training-col-best-score = Best score
training-col-completed-at = Passed at
training-col-version = Version
training-col-sha256 = Content SHA-256
training-col-due = Deadline
training-col-note = Note
training-col-assigned = Assigned
training-col-passed = Passed
training-col-pending = Not passed
training-col-overdue = Overdue
training-col-exhausted = No attempts left
training-col-excused = Excused
training-col-question-no = No.
training-col-wrong-share = Wrong
training-col-wrong = Wrong answers
training-col-answered = Answers
training-col-topic = Topic
training-col-question = Question
