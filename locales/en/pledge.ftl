## Pledges

btn-pledge-open = 📄 Read
btn-pledge-read-current = 📄 Read the current version
btn-prev = ◀ Previous
btn-next = Next ▶
btn-pledge-agree = ✅ I have read and agree
btn-pledge-question = ❓ I have a question
btn-cancel = Cancel
btn-pledge-back = « Back to the pledge
pledge-page-header = <b>{ $title }</b> (version { $version }) · page { $page }/{ $pages } · due { $due }
pledge-question = If you have a question about the pledge, contact the auxiliary police office: { $contact }
    You can come back to sign it under "My tasks".
pledge-ask-name = Signing "{ $title }" (version { $version }): please type your full name to confirm.
pledge-cancelled = Cancelled. You can sign later under "My tasks".
pledge-wrong-name = The name does not match the roster. Please type your own full name ({ $left } tries left).
pledge-wrong-name-final = The name did not match several times, so the pledge is not signed; this was recorded. Please ask your mentor officer to check the roster, then sign again under "My tasks".
pledge-name-too-long = That name is too long (over { $limit } characters). Please type only your own name.
pledge-receipt = ✅ Signed!
    Signature number: { $number }
    Signed by: { $name }
    Version: { $version }
    Time: { $time }
    Document fingerprint: { $hash }
    Please keep this receipt.
pledge-superseded = Version { $version } of this pledge has been replaced by version { $current }. Please read and sign the current version.
pledge-already-signed = You have already signed this version of "{ $title }"; there is nothing more to do.
pledge-not-yours = This task is not yours, or no longer exists.
pledge-error-text-changed = The text of pledge { $key } version { $version } was changed. A changed text needs a higher version number.
pledge-error-content = A content file is wrong: { $problem }
pledge-error-no-such-key = There is no pledge named { $key }. Known: { $known }
pledge-error-due-past = The deadline must be in the future.
pledge-error-version-older = The file's version { $version } is older than the published version { $latest }.
pledge-error-not-published = Pledge { $key } has not been published yet.
pledge-error-no-such-signature = There is no signature number { $number }.
