# Issue 19, defects 11-19 (defects-b).
invite-person-bound = { $name }（工号 { $who }）已绑定聊天账号，无需邀请码；如需换绑，请先执行 muster unbind { $who }。
invite-person-inactive = 工号 { $who } 的人员已不在岗，不发放邀请码。
