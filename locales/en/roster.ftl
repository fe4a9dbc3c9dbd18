## Roster import and export (muster roster)

roster-formula = Formulas are not allowed; copy the cells and paste them as values.
roster-required = Must not be empty.
roster-required-auxiliary = Required for an auxiliary.
roster-too-long = Too long (at most { $limit } characters).
roster-bad-gender = Gender "{ $value }" is not valid; use 男 or 女 (male/female).
roster-bad-age = Age "{ $value }" is not valid; it must be a whole number from { $min } to { $max }.
roster-bad-role = Role "{ $value }" is not valid; use 辅警/auxiliary, 带辅民警/mentor, 分管领导/leader or 政治处辅警办/office (several separated by 、).
roster-bad-status = Status "{ $value }" is not valid; use 在职/active or 离职/left.
roster-bad-unit-path = Unit "{ $value }" is not a valid path; separate parent and child with "/", e.g. 示例县公安局/城关派出所.
roster-duplicate-employee-no = Employee number { $employee_no } appears twice (first in row { $first_row }).
roster-unknown-unit = Unit "{ $unit }" does not exist (--units-must-exist is set).
roster-unit-parent-conflict = Unit "{ $unit }" belongs to "{ $actual }", not to "{ $parent }" as written here.
roster-unit-is-top = Unit "{ $unit }" is a top-level unit, not under "{ $parent }" as written here.
roster-unit-cycle = The units around "{ $unit }" are each other's parents.
roster-ref-unknown = "{ $value }" not found: nobody of that name or number is in the file or the database (or they have left).
roster-ref-ambiguous = "{ $value }" matches several people (employee numbers { $employee_nos }); write the employee number instead.
roster-ref-name-mismatch = The name in "{ $value }" does not match the employee number, which belongs to { $name }.
roster-ref-not-mentor = "{ $value }" is not a mentor officer (write 带辅民警 in the role column of their row).
roster-ref-not-leader = "{ $value }" is not a unit leader (write 分管领导 in the role column of their row).
roster-ref-self = A person cannot be their own mentor officer or unit leader.
roster-ref-ignored = Only auxiliaries have a mentor officer and a unit leader; ignored.

roster-problem = row { $row }, column { $column }: { $message }
roster-problem-row = row { $row }: { $message }

roster-report-title = Roster { $path }: { $rows } data rows
roster-report-errors = { $count } error(s):
roster-report-warnings = { $count } warning(s):
roster-report-nothing-written = There are errors; nothing was written. Fix the file and import it again.
roster-report-counts = Created { $created }, updated { $updated }, unchanged { $unchanged }, reactivated { $reactivated }, units created { $units }, bindings new or changed { $bindings }.
roster-report-units = Units created: { $units }
roster-report-updated = Updated { $who }: { $fields }
roster-report-binding = Binding of { $who }: { $before } → { $after }
roster-binding-none = (none)
roster-report-reactivated = Back in the roster and active again: { $who }
roster-report-missing = { $count } active people in the database are not in this file (not deleted; add --mark-missing-left to mark them left):
roster-report-marked-left = { $count } active people in the database are not in this file and were marked left:
roster-report-more = … { $count } more not shown
roster-report-dry-run = Dry run (--dry-run): the changes above were not written.
roster-report-written = Imported.
roster-report-no-changes = Nothing changed; nothing was written.

roster-field-name = name
roster-field-gender = gender
roster-field-age = age
roster-field-post = post
roster-field-post_duties = post duties
roster-field-note = note
roster-field-unit = unit
roster-field-roles = roles
roster-field-status = status

roster-export-xlsx-only = The roster can only be exported as .xlsx; give a file name ending in .xlsx.
roster-exported = Exported { $count } people to { $path }
roster-tasks-assigned = { $count } published tasks were assigned to people new to their audience.
