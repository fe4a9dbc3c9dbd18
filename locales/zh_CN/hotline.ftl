## 政策热线

menu-hotline-ask = 💬 政策咨询
menu-hotline-queue = 📨 热线问题单

hotline-ask-prompt = 请直接输入您的问题，例如「年假有几天」「工伤怎么申报」。
hotline-pledge-prompt = 请输入您对承诺书的疑问，我先在政策知识库里查找；找不到可以转人工。
hotline-answer = <b>{ $question }</b>

    { $answer }

    📄 来源：《{ $title }》{ $heading }
hotline-sample-footer = （示例政策，以本单位规定为准）
hotline-suggest = 没有找到完全对应的答案。您想问的是下面哪个问题？
hotline-none = 知识库里暂时没有找到相关答案，不便随意作答。可以点「转人工」交给政治处辅警办，或者打电话 { $phone }、发邮件到 { $email }（工作日 { $hours }）。
hotline-btn-answered = ✅ 这解答了我的问题
hotline-btn-person = 🙋 转人工
hotline-thanks = 很高兴帮到您！还有问题随时可以直接输入。
hotline-person-prompt = 请输入您要咨询政治处辅警办的问题：
hotline-confirm = 您的问题：
    「{ $question }」

    将转交政治处辅警办。请选择提问方式：
    · 署名提问：政治处辅警办能看到您的姓名和单位；
    · 匿名提问：政治处辅警办只看到问题编号，仍然可以在这里回复您。
    带辅民警和分管领导看不到任何热线问题。
hotline-btn-named = 👤 署名提问
hotline-btn-anonymous = 🕶 匿名提问
hotline-btn-cancel = 取消
hotline-cancelled = 已取消。
hotline-stale-question = 没有找到要转交的问题，请重新输入您的问题：
hotline-ticket-created = 已转交政治处辅警办，问题编号 { $number }。您的姓名只有政治处辅警办说明事由后才能查看，查看时会通知您。回复会发到这里，一般在一个工作日内答复（办公时间：工作日 { $hours }）。
hotline-ticket-created-anonymous = 已匿名转交政治处辅警办，问题编号 { $number }。政治处辅警办看不到您的姓名，回复仍会发到这里，一般在一个工作日内答复（办公时间：工作日 { $hours }）。

hotline-followup-prompt = 请输入您对问题 { $number } 的补充或回复：
hotline-followup-sent = 已发送给政治处辅警办（{ $number }），回复会发到这里。
hotline-reply-to-asker = 💬 政治处辅警办回复了您的问题 { $number }：

    { $text }

    如需补充，请点「回复」。
hotline-btn-answer-back = ✍️ 回复
hotline-closed-notice = 您的问题 { $number } 已由政治处辅警办办结。如还有疑问，可以直接输入新的问题。

hotline-error-empty = 问题不能为空，请输入文字。
hotline-error-no-entry = 这个问题已从知识库中更新或删除，请重新输入您的问题。
hotline-error-no-ticket = 没有找到这个问题单。
hotline-error-kb-invalid = 知识库有 { $count } 处错误，未重新加载。第一处：{ $first }

hotline-queue-title = 热线问题单（{ $count } 个未办结，待回复的在前）：
hotline-queue-empty = 目前没有未办结的热线问题。
hotline-queue-line = { $number } · { $who } · { $status } · { $time }{ $overdue }
    　{ $preview }
hotline-queue-button = { $number } · { $status }
hotline-who-anonymous = 匿名
hotline-status-open = 待回复
hotline-status-answered = 已回复
hotline-status-closed = 已办结
hotline-overdue-flag = ⚠️ 超过一个工作日未回复
hotline-ticket-title = 问题单 { $number } · { $status }
    提问人：{ $who }
    提交时间：{ $time }
hotline-thread-asker = [{ $time }] 提问人：
    { $text }
hotline-thread-office = [{ $time }] 政治处辅警办（{ $name }）：
    { $text }
hotline-btn-reply = ✍️ 回复
hotline-btn-close = ✔️ 办结
hotline-btn-queue = « 返回问题单列表
hotline-btn-open-ticket = 打开问题单
hotline-reply-prompt = 请输入给问题 { $number } 的回复（将发送给提问人）：
hotline-reply-sent = 回复已发送（{ $number }）。
hotline-closed = 问题单 { $number } 已办结，已通知提问人。

hotline-office-new = 📨 新的热线问题 { $number }（{ $who }）：
    { $preview }
hotline-office-followup = 📨 问题单 { $number } 有新的补充（{ $who }）：
    { $preview }
hotline-office-overdue = ⏰ 热线问题 { $number } 已超过一个工作日未回复（提问于 { $since }）。
