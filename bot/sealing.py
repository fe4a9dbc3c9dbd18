"""The sealer of a deployment: storage.sealed.Sealer over MUSTER_HOTLINE_KEY.

`muster run` refuses to start without the key and the demo keeps one next to its database,
so a missing key only shows where something is built by hand: sealing then refuses
(HotlineKeyMissing) rather than keep an asker's route or messages readable.
"""

from __future__ import annotations

import functools

from bot.config import Settings
from bot.errors import DomainError
from storage.sealed import Sealer


class HotlineKeyMissing(DomainError, key="hotline-error-no-key"):
    """MUSTER_HOTLINE_KEY is not set: nothing for a hotline asker can be sealed."""


@functools.lru_cache(maxsize=8)
def _sealer(secret: bytes) -> Sealer:
    return Sealer(secret)


def sealer_for(settings: Settings) -> Sealer:
    key = settings.hotline_key
    if key is None:
        raise HotlineKeyMissing()
    return _sealer(key.get_secret_value().encode("utf-8"))
