## 学习培训

kind-training = 学习培训
btn-training-open = 📚 学习
btn-training-open-current = 📚 学习最新版本
btn-training-continue = ▶ 继续
btn-training-prev = ◀ 上一课
btn-training-next = 下一课 ▶
btn-training-start-quiz = 📝 开始测验
btn-training-true = ✔ 正确
btn-training-false = ✘ 错误
btn-training-submit = ✅ 提交答案
btn-training-next-question = 下一题 ▶
btn-training-result = 📊 查看结果
btn-training-retry = 🔁 重新测验（第 { $attempt }/{ $attempts } 次）
btn-training-review = 📖 复习课程

training-restart-published = 📚 「{ $title }」已更新为新版本，您正在学习的旧版本已停用。
    请从新版本的第一课开始学习并完成测验，截止时间：{ $due }。
training-lesson-header = <b>{ $title }</b>（第 { $version } 版）· 第 { $lesson }/{ $lessons } 课 · 截止 { $due }
training-question-header = 📝 { $title } · 第 { $attempt_no }/{ $attempts_allowed } 次测验 · 第 { $number }/{ $total } 题
training-type-single = 单选题：请选择一个答案。
training-type-multiple = 多选题：选出全部正确选项（点字母勾选，再点「提交答案」）。少选、多选都不得分。
training-type-truefalse = 判断题：这句话对吗？
training-resumed = ⏯ 接着上次的进度继续测验。
training-sep = 、
training-answer-right = ✅ 回答正确！您的答案：{ $given }
training-answer-wrong = ❌ 回答错误。您的答案：{ $given }；正确答案：{ $correct }
training-explanation = 💡 解析：{ $text }
training-result-passed = 🎉 恭喜，您已通过「{ $title }」！
    得分：{ $score }%（答对 { $correct }/{ $total } 题，及格线 { $pass }%）
    第 { $attempt } 次测验 · 完成时间 { $time }
    内容指纹：{ $hash }
training-result-failed = 本次测验未通过：「{ $title }」
    得分：{ $score }%（答对 { $correct }/{ $total } 题，及格线 { $pass }%），第 { $attempt }/{ $attempts } 次。
    需要加强的内容：
    { $topics }
training-result-retry = 您还有 { $left } 次机会。建议先复习相关课程，再重新测验。
training-result-exhausted = { $attempts } 次测验机会已全部用完。已通知您的带辅民警，他会与您联系，帮助您掌握这些内容。

training-not-yours = 这项学习任务不属于您，或已不存在。
training-already-passed = 您已通过「{ $title }」，无需重复学习。
training-superseded = 「{ $title }」第 { $version } 版已被新版本（第 { $current } 版）替代，之前的进度不再有效。请学习最新版本。
training-closed = 「{ $title }」这项学习任务已关闭，无需继续。
training-attempts-exhausted = { $attempts } 次测验机会已全部用完。您的带辅民警会与您联系。课程仍可随时复习。
training-already-answered = 第 { $number } 题已经作答，答案不能更改。
training-attempt-over = 这个按钮属于已经结束的测验或尚未到达的题目。
training-select-first = 请先勾选至少一个选项，再点「提交答案」。
training-no-result = 您还没有完成过这项测验。

training-error-content = 培训内容文件有误：{ $problem }
training-error-content-changed = 培训模块 { $module } 第 { $version } 版的内容已被修改。修改课程或题目后必须提高版本号（version）。
training-error-no-such-key = 没有名为 { $module } 的培训模块。现有：{ $known }
training-error-due-past = 截止时间必须晚于现在。
training-error-version-older = 文件中的版本号 { $version } 低于已发布的第 { $latest } 版。
training-error-not-published = 培训模块 { $module } 尚未发布。

training-cli-bad-due = 截止时间「{ $value }」格式不对，请用 YYYY-MM-DDTHH:MM（{ $tz } 本地时间）。
training-cli-published = 已发布「{ $title }」（{ $module }）第 { $version } 版：{ $new ->
        [yes] 新版本，已冻结内容
       *[no] 该版本此前已发布
    }
training-cli-assigned = 新分配 { $assigned } 人；取消旧版本未完成任务 { $replaced } 项，其中 { $restarted } 人需从新版本重新开始。
training-cli-due = 截止时间：{ $due }（{ $tz }）
training-cli-sha = 内容指纹 SHA-256：{ $sha }
training-cli-status-title = 培训「{ $title }」（{ $module }）第 { $version } 版完成情况（截至 { $now }）
training-cli-status-empty = 尚无人分配到这一版本。
training-cli-pending-none = 全部人员均已通过。
training-cli-pending-title = 尚未通过（{ $count } 人）：
training-cli-exported = 已导出 { $count } 行到 { $path }
training-cli-stats-title = 培训「{ $title }」（{ $module }）第 { $version } 版答题统计：{ $attempts } 次测验，{ $people } 人
training-cli-stats-empty = 还没有人完成过这一版本的测验。
training-total = 合计
training-sheet = 培训完成情况
training-sheet-summary = 各单位汇总
training-flag-exhausted = 机会用完
training-flag-overdue = 已逾期
training-status-passed = 已通过
training-status-pending = 未完成
training-status-failed-retry = 未通过，可重考
training-status-exhausted = 未通过，机会用完
training-status-overdue = 已逾期
training-status-excused = 已免除
training-col-unit = 单位
training-col-name = 姓名
training-col-employee-no = 工号
training-col-mentor = 带辅民警
training-col-status = 状态
training-col-attempts = 测验次数
training-col-best-score = 最高分
training-col-completed-at = 通过时间
training-col-version = 版本
training-col-sha256 = 内容指纹
training-col-due = 截止时间
training-col-note = 备注
training-col-assigned = 应学
training-col-passed = 已通过
training-col-pending = 未通过
training-col-overdue = 逾期
training-col-exhausted = 机会用完
training-col-excused = 已免除
training-col-question-no = 题号
training-col-wrong-share = 错误率
training-col-wrong = 答错
training-col-answered = 作答
training-col-topic = 主题
training-col-question = 题目
