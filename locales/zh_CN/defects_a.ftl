# Fixes of issue 19 (defects 1-10): the tick's simulation, lockouts, excusing.

tick-future-refused = 拒绝执行：--now { $at } 在将来。真实执行会改动数据（升级、推迟汇总）；只想看会发生什么，请加 --simulate（只计算并打印，不写入任何数据）。
tick-simulated = 模拟执行：以下是这次执行会做的事，未写入任何数据。
reg-code-replaced = 这个邀请码已被新的邀请码替换，请使用政治处辅警办最新发给您的邀请码（还可尝试 { $left } 次）。
esc-reminded-already = 本轮已记录过您当面提醒了 { $name }，无需重复：不会再发提醒，下一级督办也不会再推迟。
