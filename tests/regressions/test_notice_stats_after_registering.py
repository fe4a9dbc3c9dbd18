"""`notice stats` still counted a person under 无法送达 / 未绑定 after he registered and
acknowledged the notice. He now counts as delivered and acknowledged."""

from __future__ import annotations

from bot.actor import Actor
from bot.app import App
from tests.chat import ChatUser
from tests.test_notices import Channel, _deliver, _send, _setup


async def test_a_person_who_registered_and_acknowledged_is_no_longer_unreachable(
    app: App,
) -> None:
    users = await _setup(app)  # A004 (交警大队) has not registered
    notice_id = await _send(app, audience="all")
    await _deliver(app, Channel())
    async with app.unit_of_work() as svc:
        traffic = {u.unit: u for u in (await svc.notices.stats(Actor.cli(), notice_id)).units}
    assert (traffic["交警大队"].unreachable, traffic["交警大队"].no_account) == (1, 1)

    async with app.unit_of_work() as svc:
        (issued,) = await svc.registration.issue_codes(Actor.cli(), employee_no="A004")
    ouyang = ChatUser(app.conversation(), "tg-a004")
    await ouyang.send(f"/start {issued.code}")
    assert "欧阳娜娜" in ouyang.text
    await ouyang.tap(f"nt:ack:{notice_id}")

    async with app.unit_of_work() as svc:
        stats = await svc.notices.stats(Actor.cli(), notice_id)
    traffic = {u.unit: u for u in stats.units}["交警大队"]
    assert (traffic.targeted, traffic.delivered, traffic.unreachable, traffic.no_account) == (
        1,
        1,
        0,
        0,
    )
    assert traffic.acknowledged == 1
    assert (stats.total.unreachable, stats.total.no_account) == (0, 0)

    await users["O001"].tap(f"nt:st:{notice_id}")
    assert "【交警大队】目标 1 · 送达 1 · 失败 0 · 无法送达 0 · 已确认 1" in users["O001"].text
