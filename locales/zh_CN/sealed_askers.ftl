## 热线提问人保护：匿名提问人的路由与消息加密保存；实名提问人的姓名须说明事由才能查看

hotline-who-named-hidden = 实名（姓名已隐藏）
hotline-btn-show-asker = 👤 查看提问人
hotline-show-asker-prompt = 查看问题 { $number } 的提问人姓名需要说明事由。查看会记入审计日志，并通知提问人。请输入事由：
hotline-asker-shown = 👤 问题 { $number } 的提问人：{ $name }（工号 { $employee_no }，{ $unit }，岗位：{ $post }）
    事由：{ $reason }
    本次查看已记入审计日志，并已通知提问人。
hotline-asker-viewed = 🔔 政治处辅警办 { $viewer } 于 { $time } 查看了您的问题 { $number } 的提问人姓名。
    事由：{ $reason }
hotline-error-anonymous-asker = 问题 { $number } 是匿名提问，没有可以查看的姓名。
hotline-error-reason-empty = 请说明查看提问人的事由。
hotline-error-route = 问题 { $number } 的提问人联系方式无法解密：MUSTER_HOTLINE_KEY 与当初加密时的密钥不同。什么都没有发送，请联系系统管理员。
hotline-error-no-key = 政策咨询暂不可用：系统没有配置 MUSTER_HOTLINE_KEY。请联系政治处辅警办。

web-named-hidden = 实名（姓名已隐藏）
web-asker-reason = 查看提问人的事由（记入审计日志，并通知提问人）
web-show-asker = 查看提问人
web-asker-shown = 提问人：{ $name }（工号 { $employee_no }，{ $unit }）。事由：{ $reason }。本次查看已记入审计日志，并已通知提问人。
