## 通用与注册

error-generic = 抱歉，处理时出了点问题，请稍后再试。如持续出现，请联系政治处辅警办。
error-not-allowed = 您没有执行此操作的权限。
error-not-found = 没有找到相关内容。
error-invalid-input = 输入有误，请检查后重试。
error-too-long = 消息太长了（超过 { $limit } 字），请精简后再发。
error-stale-button = 这个按钮已失效，请发送 /menu 打开最新菜单。
error-unknown-input = 没有理解您的意思。请使用下方菜单。
error-unknown-command = 没有这个命令。请使用下方菜单。
error-person-left = 您的账号已停用。如有疑问请联系：{ $contact }
error-no-such-person = 花名册中没有工号为 { $who } 的人员。
error-no-such-unit = 没有名为「{ $unit }」的单位。

reg-how-to = 您好！这里是「辅警履职助手」。您还没有完成绑定，暂时只能进行注册。
    请向政治处辅警办领取一次性邀请码，然后发送 /start 并输入邀请码。
    联系方式：{ $contact }
reg-ask-code = 欢迎使用「辅警履职助手」！请输入政治处辅警办发给您的邀请码（例如 ABCD-2345）。
    没有邀请码？请联系：{ $contact }
reg-success = 绑定成功，{ $name }，欢迎您！以后通知、承诺书和学习任务都会在这里推送。
reg-code-wrong = 邀请码不正确，请核对后重新输入（还可尝试 { $left } 次）。
reg-code-used = 这个邀请码已经被使用过了。如非本人操作，请立即联系政治处辅警办（还可尝试 { $left } 次）。
reg-code-expired = 这个邀请码已过期，请向政治处辅警办申请新的邀请码（还可尝试 { $left } 次）。
reg-person-has-account = 该人员已在另一部手机上绑定。如更换手机，请联系政治处辅警办解绑（还可尝试 { $left } 次）。
reg-locked = 邀请码错误次数过多，已暂停输入，请 { $minutes } 分钟后再试（{ $until } 起可以重新输入）。
reg-already-bound = 此账号已经完成绑定，不能再使用其他邀请码。如需更换人员，请联系政治处辅警办解绑。

start-welcome-back = { $name }，您好！

menu-title = 主菜单 · { $name }
    请选择：
menu-language = 🌐 语言 / Language
menu-help = ❓ 帮助
btn-back-menu = « 返回主菜单

help-text = 「辅警履职助手」用于接收通知、阅读签署承诺书、参加学习培训和每周报送。
    常用命令：
    { $commands }
    政治处辅警办联系方式：{ $contact }
    辅警政策热线：电话 { $phone }，邮箱 { $email }，工作日 { $hours }
    本助手不会读取您的私人聊天或社交媒体。
help-cmd-menu = /menu 主菜单
help-cmd-tasks = /tasks 我的待办任务
help-cmd-checkin = /checkin 本周报送
help-cmd-records = /records 我的记录（已完成任务、签署回执、培训成绩）
help-cmd-ask = /ask 政策咨询（也可以直接输入问题）
help-cmd-register = /register 本单位每周风险隐患台账
help-cmd-notice = /notice 发布通知
help-cmd-approvals = /approvals 待审批的通知
help-cmd-queue = /queue 待回复的热线问题
help-cmd-status = /status 承诺书签署情况
help-cmd-lang = /lang 切换语言
help-cmd-help = /help 帮助

lang-choose = 请选择语言 / Choose a language:
lang-name-zh_CN = 中文
lang-name-en = English
lang-set = 已切换为中文。
reg-open-tasks = 您有 { $count } 项待办任务，请点「📋 我的任务」查看。
