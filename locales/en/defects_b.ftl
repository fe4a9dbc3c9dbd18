# Issue 19, defects 11-19 (defects-b).
invite-person-bound = { $name } (employee no. { $who }) already has a bound chat account and needs no invite code; to move it to another account run muster unbind { $who } first.
invite-person-inactive = The person with employee no. { $who } is no longer active; no invite code is issued.
