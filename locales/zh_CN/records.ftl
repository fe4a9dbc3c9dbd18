## 我的记录（辅警、带辅民警、分管领导都可查看自己的记录），每周报到的更正，
## 带辅民警收到的隐患与求助提示，风险排查登记表的修改与补正、责任人和填报人的选择

menu-records = 📂 我的记录
records-title = 📂 我的记录 · { $name }
records-counts = 已完成任务 { $done } 项 · 签署承诺书 { $signatures } 份 · 培训测试 { $attempts } 次
btn-records-done = ✅ 已完成的任务
btn-records-pledges = 🖊 承诺书与回执
btn-records-training = 🎓 培训成绩
btn-records-checkins = 📝 历次每周报到
btn-records-questions = 💬 我的问题
btn-records-back = « 我的记录
btn-records-prev = « 上一页
btn-records-next = 下一页 »

records-done-none = 还没有已完成的任务。
records-done-title = ✅ 已完成的任务（共 { $count } 项，第 { $page }/{ $pages } 页）：
records-done-line = • [{ $kind }] { $title } · 完成于 { $at }{ $late }
records-done-excused = • [{ $kind }] { $title } · { $at } 已免除（{ $reason }）
records-late-flag = （逾期完成）

records-pledges-none = 您还没有签署过承诺书。
records-pledges-title = 🖊 我签署的承诺书（{ $count } 份）：
records-pledge-line = • 《{ $title }》第 { $version } 版 · { $signature_no } · { $at }
btn-records-receipt = 🧾 回执 { $number }
records-receipt = 🧾 签署回执：《{ $title }》
    签署编号：{ $number }
    签署人：{ $name }
    版本：第 { $version } 版
    时间：{ $time }
    文件指纹：{ $hash }
    签署渠道：{ $channel }
btn-records-receipt-file = 📄 下载回执页（可打印）
records-receipt-file = 📄 签署回执 { $number }：打开后可直接打印，页面中是所签署的完整原文。
records-error-no-receipt = 没有找到这份签署回执。

records-training-none = 您还没有参加过培训测试。
records-training-title = 🎓 我的培训成绩（{ $count } 次测试，最近的在前）：
records-training-passed = • ✅ { $title }（第 { $version } 版）第 { $attempt_no }/{ $attempts } 次：{ $score } 分（及格 { $pass_mark }）通过 · { $at } · 指纹 { $hash }
records-training-failed = • ❌ { $title }（第 { $version } 版）第 { $attempt_no }/{ $attempts } 次：{ $score } 分（及格 { $pass_mark }）未通过 · { $at }

records-checkins-none = 还没有每周报到记录。
records-checkins-title = 📝 我的每周报到（{ $count } 周，最近的在前）：
records-checkin-all_fine = • { $week }：✅ 一切正常 · { $at } 提交{ $late }{ $corrected }
records-checkin-answered = • { $week }：📝 已逐项填写（报告隐患 { $hazards } 项）· { $at } 提交{ $late }{ $corrected }
records-checkin-open = • { $week }：⏳ 待填写，截止 { $due }
records-checkin-missing = • { $week }：❌ 未报到
records-checkin-excused = • { $week }：➖ 已免除
records-checkin-detail = 📝 我的 { $week } 每周报到：
records-corrected-flag = （已更正，原记录保留）
btn-records-checkin = 📝 { $week } 的回答
records-correctable = 截止 { $due } 前可以更正；更正后原来的回答仍保留在记录中。
records-alert-pending = 带辅民警将在下一期汇总中看到您报告的情况。
records-alert-digest = 已在汇总中告知带辅民警。
records-alert-urgent = 已紧急告知带辅民警。
records-alert-superseded = （这次回答已被更正。）
records-alert-no_mentor = 您目前没有绑定带辅民警，请直接联系单位。

records-questions-none = 您还没有转人工的政策咨询问题。
records-questions-title = 💬 我的问题（{ $count } 个，最近有动态的在前）：
records-question-line = • { $number } · { $status } · { $time } · 回复 { $replies } 条{ $anonymous }
    　{ $preview }
records-anonymous-flag = （匿名）
records-question-title = 💬 问题 { $number } · { $status }{ $anonymous }
    提交时间：{ $time }
records-thread-me = [{ $time }] 我：
    { $text }
records-thread-office = [{ $time }] 政治处辅警办：
    { $text }
btn-records-follow-up = ✍️ 补充或回复
btn-records-reopen = ↩️ 重新打开并补充

# --- 每周报到的更正 ---
btn-checkin-correct = ✏️ 更正本周报到
btn-checkin-correct-fine = ✅ 改为：本周一切正常
btn-checkin-correct-step = ✏️ 逐项重新填写
checkin-correct-intro = ✏️ 更正 { $week } 每周报到（截止 { $due } 前可以更正）。
    原来的回答会保留在记录中，以更正后的为准。
checkin-summary-title-correction = 请核对更正后的回答，确认后提交（原回答保留在记录中）：
checkin-corrected = ✅ 已更正 { $week } 每周报到，以更正后的回答为准。
checkin-corrected-all-fine = ✅ 已更正：{ $week } 本周一切正常。
checkin-done-correctable = 截止前如需更正，可点「更正本周报到」。
checkin-answered-correctable = 您已提交 { $week } 的每周报到，截止 { $due } 前还可以更正。
checkin-correct-nothing = 您还没有提交 { $week } 的每周报到，请直接填写。
checkin-correct-closed = { $week } 的每周报到已于 { $due } 截止，不能再更正。
checkin-correct-no-change = 回答与已提交的一样，没有更正。

# --- 告知带辅民警 ---
checkin-done-alert = 您报告的隐患或求助，带辅民警会在下一期汇总中看到（最迟 { $at }）。如情况紧急，请点下方按钮立即告知。
btn-checkin-urgent = 🚨 紧急：立即告知带辅民警
checkin-urgent-sent = 🚨 已立即告知带辅民警 { $mentor }。
alert-already-urgent = 已于 { $at } 紧急告知过带辅民警，无需重复。
alert-no-mentor = 您目前没有绑定带辅民警，请直接联系分管领导。
alert-gone = 这次回答已被更正，请查看更正后的报到。
alert-urgent-title = 🚨 紧急：您联系的辅警在每周报到中请您立即关注：
alert-digest-title = ⚠️ 每周报到中需要您关注的情况（{ $count } 人）：
alert-person = 【{ $name } · { $week }】
alert-person-corrected = 【{ $name } · { $week } · 已更正】
alert-nothing-now = 　更正后已无隐患或求助。
alert-digest-more = ……另有 { $count } 条，请在「辅警每周报到情况」中查看。

# --- 风险排查登记表：修改与补正 ---
btn-register-edit = ✏️ 修改第 { $number } 项
btn-register-amend = ✏️ 修改已报送的登记表
btn-register-file-amendment = 📤 报送修改
register-filed-version = 已修改报送，现为第 { $version } 版（各版均保留）。
register-amendable = 截止 { $due } 前可以修改，修改后须重新报送。
register-amending = ✏️ 正在修改已报送的登记表：修改完成后请点「报送修改」（截止 { $due }）。未报送的修改不生效。
register-unfiled-changes = 有修改未在截止前报送，以已报送的版本为准。
register-amended-done = ✅ 已报送修改后的 { $week } 风险排查登记（第 { $version } 版，共 { $rows } 项）。
register-edit-title = ✏️ 修改这一项（修改另存为新版本，原记录保留），请选择要修改的内容：
register-row-detail = [{ $category }] { $risk }
      措施：{ $measure }；责任人：{ $owner }；期限：{ $deadline }
register-edit-ask = 请输入新的「{ $field }」（当前：{ $current }）：
register-row-changed = 已修改。
register-error-amend-closed = { $week } 的登记表已报送，截止时间 { $due } 已过，不能再修改。
register-error-nothing-amended = 登记表与已报送的版本相同，没有需要报送的修改。
register-error-row-changed = 这一项已经被修改过，请在最新的登记表上操作。
register-error-unchanged = 内容没有变化。
register-error-field = 「{ $value }」不是登记表中可以修改的内容。
register-error-owner-unit = 所选责任人不是本单位的在职人员。

# --- 责任人与填报人：从本单位人员中选择 ---
register-person-button = { $name } · { $post }
register-search-found = 找到 { $count } 人，请选择：
register-search-none = 本单位没有找到「{ $query }」，可以重新输入姓名或工号搜索。
register-search-more = （只列出前 { $shown } 人，共 { $count } 人；可输入姓名或工号搜索）
btn-register-owner-as-typed = ✍️ 直接填写「{ $name }」（不在名单中）
