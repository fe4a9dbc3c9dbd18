## 承诺书

btn-pledge-open = 📄 阅读
btn-pledge-read-current = 📄 阅读最新版本
btn-prev = ◀ 上一页
btn-next = 下一页 ▶
btn-pledge-agree = ✅ 我已阅读并同意
btn-pledge-question = ❓ 我有疑问
btn-cancel = 取消
btn-pledge-back = « 返回承诺书
pledge-page-header = <b>{ $title }</b>（第 { $version } 版）· 第 { $page }/{ $pages } 页 · 截止 { $due }
pledge-question = 如对承诺书内容有疑问，请联系政治处辅警办：{ $contact }
    问题解决后可在「我的任务」中继续签署。
pledge-ask-name = 签署《{ $title }》（第 { $version } 版）：请输入您的完整姓名以确认签署。
pledge-cancelled = 已取消。您可以稍后在「我的任务」中继续签署。
pledge-wrong-name = 姓名与花名册不一致，请输入您本人的完整姓名（还可尝试 { $left } 次）。
pledge-wrong-name-final = 姓名多次不一致，本次签署未完成，已记录。请联系您的带辅民警核对花名册信息，之后可在「我的任务」中重新签署。
pledge-name-too-long = 姓名太长了（超过 { $limit } 字），请只输入您本人的姓名。
pledge-receipt = ✅ 签署成功！
    签署编号：{ $number }
    签署人：{ $name }
    版本：第 { $version } 版
    时间：{ $time }
    文件指纹：{ $hash }
    请妥善保存此回执。
pledge-superseded = 该承诺书第 { $version } 版已被新版本（第 { $current } 版）替代，请阅读并签署最新版本。
pledge-already-signed = 您已签署过《{ $title }》的这一版本，无需重复签署。
pledge-not-yours = 这项任务不属于您，或已不存在。
pledge-error-text-changed = 承诺书 { $key } 第 { $version } 版的文字已被修改。修改内容后必须提高版本号（version）。
pledge-error-content = 内容文件有误：{ $problem }
pledge-error-no-such-key = 没有名为 { $key } 的承诺书。现有：{ $known }
pledge-error-due-past = 截止时间必须晚于现在。
pledge-error-version-older = 文件中的版本号 { $version } 低于已发布的第 { $latest } 版。
pledge-error-not-published = 承诺书 { $key } 尚未发布。
pledge-error-no-such-signature = 没有编号为 { $number } 的签署记录。
