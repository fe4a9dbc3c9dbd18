"""Sealed values: what must stay unreadable to someone who can read the database.

A hotline asker's route (which person a ticket's replies go to), the messages Muster sends
an asker, his conversation state while he asks and the channels' stored copies of those
messages are kept sealed with MUSTER_HOTLINE_KEY, a key outside the database: AES-256-GCM
(`cryptography`), a fresh 96-bit nonce per value, and a *purpose* bound in as associated
data (e.g. "route:12": a sealed route copied onto another ticket does not open). `tag`
gives a keyed HMAC where a stable value is needed (an outbox dedupe key) without showing
what it is made of.

Two subkeys come from the one secret through HKDF-SHA256, one for sealing and one for tags,
so neither use weakens the other. A sealed value reads `s1.<base64url(nonce | ciphertext)>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "s1."
NONCE = 12


class SealBroken(Exception):
    """A sealed value that does not open: another key, another purpose, or altered."""


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class Sealer:
    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(_derive(secret, b"muster hotline seal v1"))
        self._mac = _derive(secret, b"muster hotline tag v1")

    def seal(self, plaintext: str, *, purpose: str) -> str:
        nonce = os.urandom(NONCE)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def open(self, value: str, *, purpose: str) -> str:
        if not is_sealed(value):
            raise SealBroken("not a sealed value")
        body = value[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            if len(raw) <= NONCE:
                raise SealBroken("too short")
            plain = self._aead.decrypt(raw[:NONCE], raw[NONCE:], purpose.encode("utf-8"))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealBroken(f"does not open for {purpose!r}") from exc
        return plain.decode("utf-8")

    def seal_json(self, value: Any, *, purpose: str) -> str:
        return self.seal(json.dumps(value, ensure_ascii=False, sort_keys=True), purpose=purpose)

    def open_json(self, value: str, *, purpose: str) -> Any:
        return json.loads(self.open(value, purpose=purpose))

    def tag(self, text: str) -> str:
        """A keyed, stable stand-in for `text` (hex HMAC-SHA256, 64 characters)."""
        return hmac.new(self._mac, text.encode("utf-8"), hashlib.sha256).hexdigest()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


# A sealed JSON value stored where a dict is expected (conversation state, a web chat
# log entry): {"sealed": "s1...."}.
SEALED_KEY = "sealed"


def sealed_dict(value: object) -> str | None:
    """The sealed value a dict stands for, or None for an ordinary dict."""
    if isinstance(value, dict) and set(value) == {SEALED_KEY} and is_sealed(value[SEALED_KEY]):
        return str(value[SEALED_KEY])
    return None
