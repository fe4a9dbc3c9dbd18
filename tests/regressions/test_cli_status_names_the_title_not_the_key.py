"""Issue 19: `muster pledge status` and `muster training status` (and `training stats`)
headed their report with the content key ("《confidentiality》", "培训 duties-limits")
where the office expects the title it published. They now name the title of the version,
in the language of the output, with the key after it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actor import Actor
from bot.app import App
from bot.cli import pledge as pledge_cli
from bot.cli import training as training_cli
from tests.factories import make_force

TITLES = {
    "zh_CN": ("《保密承诺书》（confidentiality）", "培训「辅警的职责与边界」（duties-limits）"),
    "en": (
        '"Confidentiality Pledge" (confidentiality)',
        'Training "Auxiliary officers: duties and limits" (duties-limits)',
    ),
}


@pytest.mark.parametrize("lang", TITLES)
async def test_status_and_stats_name_the_title(app: App, lang: str) -> None:
    due = app.clock.now() + timedelta(days=7)
    async with app.unit_of_work() as svc:
        await make_force(svc.session, app.clock)
        await svc.pledges.publish(Actor.cli(), "confidentiality", due_at=due)
        await svc.training.publish(Actor.cli(), "duties-limits", due_at=due)
        pledge = await svc.pledges.status(Actor.cli(), "confidentiality")
        training = await svc.training.status(Actor.cli(), "duties-limits")
        stats = await svc.training.stats(Actor.cli(), "duties-limits", locale=lang)
    t = app.text_translator(lang)
    now = app.clock.now()
    pledge_title, training_title = TITLES[lang]
    assert pledge_cli.render_status(t, pledge, now=now)[0].startswith(pledge_title)
    assert training_cli.render_status(t, training, now=now)[0].startswith(training_title)
    assert training_cli.render_stats(t, stats)[0].startswith(training_title)
