## muster leave 的帮助（请销假）

cli-help-leave = 请销假：请假期间提醒和督办暂停，销假后待办按剩余时间顺延
cli-help-leave-set = 登记请假（起止日期均含当天）
cli-help-leave-end = 此人现在销假返岗（尚未开始的请假则取消）
cli-help-leave-list = 在休和待休的请假
cli-help-leave-import = 导入请销假表（.xlsx 中名为“请销假”的工作表，否则第一张；或 .csv）
cli-help-leave-employee-no = 工号
cli-help-leave-from = 第一天
cli-help-leave-to = 最后一天
cli-help-leave-category = 假别，写中文名称（年休假、病假、产假/陪产假、工伤假、学习培训、借调、其他）或代码 { $categories }
cli-help-leave-note = 备注，最多 200 字
cli-help-leave-unit = 只看该单位及下级单位
cli-help-leave-all = 也列出已销假的
cli-help-leave-file = 请销假表文件
cli-help-leave-lang = 输出语言（默认 zh_CN）
