# Fixes of issue 19 (defects 1-10): the tick's simulation, lockouts, excusing.

tick-future-refused = Refused: --now { $at } is in the future. A real tick would change data (escalate, hold digests); to see what would happen add --simulate (computes and prints, writes nothing).
tick-simulated = Simulation: this is what the tick would do; nothing was written.
reg-code-replaced = This invite code was replaced by a newer one. Please use the latest code the auxiliary police office sent you ({ $left } tries left).
esc-reminded-already = You already recorded reminding { $name } in person this round: no further reminder is sent and the next level is not postponed again.
