# Several processes: double presses, process roles (bot/conversation.py, bot/cli/run.py)
notice-already-sent = Notice #{ $id } has already been sent; it is not sent again.
hotline-already-sent = Your question has already been passed on (ticket { $number }); it is not sent again.
run-role-sqlite = SQLite supports one process doing everything (--role all). To run web and worker processes separately, use PostgreSQL.
run-role-started = muster: this process runs as { $role }
