# Roster: the statistics table exported as it is, the console's quota and filing pages (issue 17)
roster-form-exported = Wrote the statistics table to { $path }: { $count } active auxiliaries on { $sheets } sheet(s).
roster-form-export-empty = There are no active auxiliaries: the statistics table would be empty.
