# Several processes: double presses, process roles (bot/conversation.py, bot/cli/run.py)
notice-already-sent = 通知 #{ $id } 已经发出，不会重复发送。
hotline-already-sent = 您的问题已转交（问题编号 { $number }），不会重复提交。
run-role-sqlite = SQLite 只支持一个进程同时担任所有角色（--role all）。要分开运行 web 和 worker，请使用 PostgreSQL。
run-role-started = muster：本进程角色 { $role }
