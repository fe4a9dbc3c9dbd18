# 花名册：按局里的统计表导入导出、员额、岗位清单、变更备案（issue 17）
roster-field-employee_no = 警号
roster-problem-sheet = 工作表「{ $sheet }」{ $line }
roster-binding-missing = 每名辅警都应当明确带辅责任民警和分管责任领导，此项不能为空（确需暂缺时加 --allow-unbound 导入）。
roster-form-officers-created = 新建责任民警 { $mentors } 人、责任领导 { $leaders } 人，缺少警号：
roster-form-officer-line =   { $unit }：{ $name }（{ $roles }）
roster-form-numbers-completed = 补全警号 { $count } 人：{ $who }
roster-form-bad-employee-no = 警号“{ $value }”无效。
roster-form-no-such-person = 没有编号为 { $id } 的人员。
roster-form-has-employee-no = 此人已有警号 { $employee_no }，无需补全。
roster-form-employee-no-taken = 警号 { $employee_no } 已被他人使用。
roster-form-role-mentor = 责任民警
roster-form-role-leader = 责任领导
