## 政策热线：杂讯提示、各单位联系方式、未解答问题（issue 18）

hotline-noise = 没有看懂「{ $text }」。请用文字写出您的问题，例如「年假有几天」「装备坏了怎么办」。
hotline-not-a-button = 「{ $text }」不是按钮的编号：上面的消息只有 { $count } 个按钮。请输入按钮前的编号，或者用文字写出您的问题。
hotline-your-contact = ☎️ 您单位的政策咨询：电话 { $phone }，邮箱 { $email }，工作日 { $hours }
hotline-error-no-unit = 没有名为「{ $unit }」的单位。
hotline-error-contact = 联系方式「{ $value }」不可用（{ $field }）：电话和时间不超过 64 个字，邮箱形如 name@example.org。

hotline-contact-line = { $unit }：电话 { $phone }，邮箱 { $email }，工作日 { $hours }{ $from }
hotline-contact-from-own = （本单位设置）
hotline-contact-from-unit = （沿用 { $unit }）
hotline-contact-from-bureau = （沿用政治处辅警办）
hotline-contact-set = 已更新 { $unit } 的政策咨询联系方式。
hotline-contact-nothing = 请至少给出 --phone、--email、--hours 中的一项（给空字符串 "" 清除该项）。
hotline-contact-import-done = 已从 { $path } 更新 { $count } 个单位的政策咨询联系方式。
hotline-contact-import-bad = { $path } 第 { $row } 行：{ $problem }
hotline-contact-import-header = { $path } 缺少表头「单位」，以及「电话」「邮箱」「时间」中的至少一列。

kb-gaps-none = 没有知识库未能解答的问题。
kb-gaps-title = 知识库未能解答的问题：{ $questions } 个，归为 { $groups } 组（次数多的在前）：
kb-gaps-group = #{ $number } · { $count } 次 · 最近 { $last } · 转人工 { $tickets } 次 · 最接近的条目：{ $hint }{ $now }
    　例：{ $example }
kb-gaps-now = · 现在的知识库已能回答（{ $faq }）
kb-gaps-no-hint = 无
kb-gaps-exported = 已导出到 { $path }：{ $groups } 组，{ $questions } 个问题。
kb-gaps-sheet-groups = 分组
kb-gaps-sheet-questions = 问题明细
kb-gaps-col-group = 组
kb-gaps-col-count = 次数
kb-gaps-col-example = 例句（最近一次）
kb-gaps-col-hint = 最接近的条目
kb-gaps-col-now = 现在的知识库回答
kb-gaps-col-first = 最早
kb-gaps-col-last = 最近
kb-gaps-col-tickets = 转人工
kb-gaps-col-question = 问题
kb-gaps-col-asked = 提问时间
kb-gaps-col-outcome = 结果
kb-gaps-col-ticket = 问题单
kb-gaps-outcome-none = 无答案
kb-gaps-outcome-suggest = 只给了相近问题
kb-gaps-outcome-person = 转人工
