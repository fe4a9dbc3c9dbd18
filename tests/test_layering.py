"""Handlers, services, storage and scheduled jobs know no chat library.

Only bot/channels/ may import aiogram or python-telegram-bot (`telegram`): that is what
lets either adapter run the same handlers (MUSTER_CHANNEL=aiogram|ptb).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAT_LIBRARIES = {"aiogram", "telegram"}
PACKAGES = ["handlers", "bot/services", "storage", "scheduled", "bot/channels/wecom"]
CORE_MODULES = [
    "bot/core.py",
    "bot/conversation.py",
    "bot/router.py",
    "bot/channels/base.py",
    "bot/channels/common.py",  # what both Telegram adapters share
]


def chat_imports(path: Path) -> list[str]:
    """`line: module` for every import of a chat library in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if m.split(".")[0] in CHAT_LIBRARIES]
    return found


def _files() -> list[Path]:
    files = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    return files + [ROOT / module for module in CORE_MODULES]


def test_the_scan_covers_the_layers() -> None:
    for package in PACKAGES:
        assert list((ROOT / package).rglob("*.py")), f"{package} has no Python files"
    for module in CORE_MODULES:
        assert (ROOT / module).is_file(), module


def test_no_chat_library_below_the_channels() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found for path in _files() if (found := chat_imports(path))
    }
    assert offenders == {}


def test_the_scan_finds_every_form_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "import aiogram\n"
        "import telegram.ext as tx\n"
        "from telegram import Update\n"
        "from aiogram.types import Message\n"
        "from . import telegram\n"  # a sibling module that happens to be called so
        "from telegram_helpers import x\n"
        "def f():\n"
        "    from telegram.error import RetryAfter\n",
        encoding="utf-8",
    )
    assert chat_imports(sample) == [
        "2: aiogram",
        "3: telegram.ext",
        "4: telegram",
        "5: aiogram.types",
        "9: telegram.error",
    ]
