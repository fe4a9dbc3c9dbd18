## Training before signing (issue 21): a pledge can require a training module to be passed first

pledge-training-first = 📚 Signing "{ $title }" presupposes the training: please study and pass "{ $training }" first, then come back to sign.
pledge-training-not-assigned = That training is not assigned to you at the moment; please ask your mentor officer or the auxiliary police office.
btn-pledge-to-training = 📚 Study "{ $training }"
btn-pledge-sign-now = ✍️ Sign "{ $title }" now
pledge-receipt-training = Training it rests on: "{ $training }" version { $version }, { $score }%, passed { $time }
pledge-error-training-changed = Version { $version } of pledge { $key } requires another training than when it was published; a changed requirement needs a higher version.
pledge-cli-training = Training to pass before signing, "{ $module }": assigned to { $assigned } more (people who passed it or already have it are not assigned again)
