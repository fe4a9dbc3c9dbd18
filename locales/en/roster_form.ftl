# Roster: the bureau's statistics table, quotas, the post list, change filings (issue 17)
roster-field-employee_no = employee number
roster-problem-sheet = sheet "{ $sheet }", { $line }
roster-binding-missing = Every auxiliary must have a mentor officer and a leader; this cell cannot be empty (import with --allow-unbound if one is truly vacant).
roster-form-officers-created = New mentor officers: { $mentors }, new leaders: { $leaders }, employee numbers missing:
roster-form-officer-line =   { $unit }: { $name } ({ $roles })
roster-form-numbers-completed = Employee numbers completed for { $count }: { $who }
roster-form-bad-employee-no = "{ $value }" is not a valid employee number.
roster-form-no-such-person = There is no person with id { $id }.
roster-form-has-employee-no = This person already has employee number { $employee_no }.
roster-form-employee-no-taken = Employee number { $employee_no } belongs to someone else.
roster-form-role-mentor = mentor officer
roster-form-role-leader = leader
