# 教育管理责任书与继任人：若责任人工作调整，由继任人继续履行责任（issue 21）
successor-letters-given = 继任的带辅民警、分管领导中有 { $count } 人尚未签署教育管理责任书，已向其派发。
successor-letter-signed = 继任人已签署《{ $title }》（第 { $version } 版，{ $at }）
successor-letter-pending = 继任人尚未签署《{ $title }》，已派发
successor-letter-pending-due = 继任人尚未签署《{ $title }》，已派发，{ $due } 截止
successor-letter-unsigned = 继任人尚未签署《{ $title }》
successor-letter-unpublished = 教育管理责任书尚未发布
roster-changes-kind-leader = 分管领导变更
roster-changes-col-letter = 继任人责任书
