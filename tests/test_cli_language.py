"""Every line the `muster` command prints is in the deployment's language (issue 19, "CLI for
Chinese offices").

The commands are walked from the parser itself (`bot.cli.build_parser`), so a command added
tomorrow is covered at once: it fails `test_every_command_has_a_typical_call` until it has an
entry in TYPICAL below. Each command then runs, in zh_CN and in en (MUSTER_DEFAULT_LOCALE, as
an office sets it), with `--help` and with its typical call(s), in-process, against a copy of
one SQLite database holding the demo's sample roster and work (pledges, training, a check-in
week, a signature, a hotline ticket with a reply, a notice, escalations).

The rule for zh_CN, "no English sentence": a line fails when it holds three or more English
words in a row. Precisely: the line is split at white space; each token is stripped of the
brackets, quotes and punctuation around it; a token is a *word* when what is left is ASCII
letters, optionally joined by `-` or `'` (`check-in`, `isn't`), and not all capitals. Every
other token ends a run of words: options (`--lang`), tokens with a digit or any of
`/ \\ _ . : = @ { } | ,` inside (paths, URLs, files, ids like `zh_CN`, times),
all-capital placeholders and acronyms (`FILE`, `SPEC`, `CSV`), anything with a Chinese
character. Before the split, the few ids the test knows are taken out of the line: every
command as its usage names it (`muster pledge status` is a command, not a sentence) and the
content keys the calls name (`confidentiality`). Besides, argparse's own headings
(`usage:`, `options:`, `positional arguments:`) must not appear: they are one or two words,
below the rule.

The rule for en, "no Chinese left in": with the data removed (every cell of the sample
roster, the texts this test writes and the Chinese names of spreadsheet headers the help
text names as they must be typed), no line holds a Chinese character.

Both languages: the exit code is the expected one, a few calls show what issue 19 found
wrong ("新版本：yes", a ticket's status as the code's word), and no translation is missing
(the autouse fixture of conftest fails a test whose translator logged an error). The
titles instead of content keys: tests/regressions/test_cli_status_names_the_title_not_the_key.py.
"""

from __future__ import annotations

import argparse
import asyncio
import builtins
import csv
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import wcwidth

import bot.cli.run as run_module
from bot.actor import Actor
from bot.cli import build_parser, main
from bot.cli.common import translator
from bot.cli.demo import open_demo
from bot.clock import FrozenClock, SystemClock
from bot.config import Settings
from bot.services.checkins import current_week
from bot.services.notices import Composed
from tests.helpers import sign_pledge, tick

LANGS = ("zh_CN", "en")
ROOT = Path(__file__).resolve().parents[1]
ROSTER = ROOT / "content" / "sample" / "roster.csv"
OFFICE = "MJ005"  # 刘晓燕, 政治处
UNIT = "城关派出所"
ASKED = "借调期间社保由哪个单位缴纳？"
ASKED_ANONYMOUSLY = "有人打击报复怎么办？"
REPLIED = "由借调单位缴纳，详见借调协议第五条。"
NOTICE = "关于开展辅警队伍作风纪律教育整顿的通知\n各单位：请于本周内组织学习。"
PLEDGE = "online-conduct"  # the confidentiality pledge presupposes its training (issue 21)
MODULE = "duties-limits"
DAYS_AGO = 10  # the demo's work was published this long ago: the pledges are overdue


# --- the commands the parser knows ---------------------------------------------------------


def leaf_commands(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], str]:
    """Every runnable command, as its words (`("pledge", "status")`) -> its prog."""
    found: dict[tuple[str, ...], str] = {}

    def walk(p: argparse.ArgumentParser, words: tuple[str, ...]) -> None:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[words] = p.prog
            return
        for sub in subs:
            for name, child in sub.choices.items():
                walk(child, (*words, name))

    walk(parser, ())
    return found


def command_names(parser: argparse.ArgumentParser) -> set[str]:
    """Every command as its usage names it (`muster`, `muster pledge`, `muster pledge status`)."""
    names = set()
    for words in leaf_commands(parser):
        names.update(" ".join((parser.prog, *words[:n])) for n in range(len(words) + 1))
    return names


# --- the English-sentence and Chinese-left rules --------------------------------------------

_AROUND = "()[]{}<>\"'`“”‘’《》「」『』（）【】,.;:!?，。；：！？、…"
_WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ARGPARSE_HEADINGS = ("usage:", "options:", "positional arguments:")


def english_runs(line: str, ids: set[str]) -> list[str]:
    """Runs of 3+ English words in `line` (the rule of the module docstring)."""
    for name in sorted(ids, key=len, reverse=True):
        line = line.replace(name, " | ")
    runs: list[str] = []
    current: list[str] = []
    for raw in line.split():
        token = raw.strip(_AROUND)
        is_word = bool(_WORD.fullmatch(token)) and not raw.startswith("-") and not token.isupper()
        if is_word:
            current.append(token)
            continue
        if len(current) >= 3:
            runs.append(" ".join(current))
        current = []
    if len(current) >= 3:
        runs.append(" ".join(current))
    return runs


def sample_data() -> list[str]:
    """Every cell of the sample roster (and each part of a unit path), longest first."""
    cells: set[str] = set()
    with ROSTER.open(encoding="utf-8") as f:
        for row in csv.reader(f):
            for cell in row:
                cells.add(cell)
                cells.update(cell.split("/"))
                cells.update(re.split(r"[()（）]", cell))
    cells.update((ASKED, ASKED_ANONYMOUSLY, REPLIED, *NOTICE.splitlines()))
    # spreadsheet headers and sheet names the help asks for as they must be typed
    cells.update(("政策咨询", "单位", "电话", "邮箱", "时间", "责任民警", "责任领导"))
    cells.update(("岗位名称", "岗位职责", "员额", "备案"))
    cells.update(("语言", "中文"))  # the language button and picker name both, by design
    return sorted((c for c in cells if c.strip()), key=len, reverse=True)


DATA = sample_data()


def chinese_left(line: str) -> str | None:
    """The line with the data removed, when a Chinese character is left in it."""
    rest = line
    for value in DATA:
        rest = rest.replace(value, " ")
    return rest if _CJK_CHAR.search(rest) else None


def check_language(lang: str, output: str, ids: set[str]) -> list[str]:
    """What is wrong with `output` for `lang` (empty when nothing is)."""
    problems = []
    for line in output.splitlines():
        if lang == "zh_CN":
            problems += [f"English sentence {run!r} in: {line}" for run in english_runs(line, ids)]
            if line.strip().lower().startswith(ARGPARSE_HEADINGS):
                problems.append(f"argparse heading in English: {line}")
        elif (left := chinese_left(line)) is not None:
            problems.append(f"Chinese left in: {line}  (without the data: {left.strip()})")
    return problems


def test_the_rules_catch_what_issue_19_saw() -> None:
    """The rules are not vacuous: lines the CLI used to print fail them."""
    ids = {"muster", "muster hotline", "muster hotline queue"}
    assert english_runs("2 tickets, 2 waiting for a reply, 0 over one working day", ids)
    assert english_runs("H000001  answered  (anonymous)  借调 [answered] no hotline tickets", ids)
    assert english_runs("  -h, --help  show this help message and exit", ids)
    assert not english_runs("用法：muster hotline queue [-h] [--all] [--lang {zh_CN,en}]", ids)
    assert not english_runs("已写入 /tmp/x/codes.csv；链接 https://t.me/MusterBot?start=AB", ids)
    assert not english_runs("Telegram：@MusterBot 可用；WeCom：企业微信 可用", ids)
    assert not english_runs("--audience SPEC  all 或 unit:NAME,role:ROLE", ids)
    assert chinese_left("Published 《保密承诺书》") is not None
    assert chinese_left("FJ0001 张明辉 城关派出所 2026-12-01 12:00") is None


# --- the database every call starts from ----------------------------------------------------


@dataclass
class Ctx:
    """One test's copy of the template database, and the values its calls name."""

    tmp: Path
    db: Path
    week: str
    signature_no: str
    notice_id: int
    env: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> str:
        return str(self.tmp / name)


@dataclass(frozen=True)
class Template:
    db: Path
    key: str
    week: str
    signature_no: str
    notice_id: int


async def _build_template(db: Path) -> Template:
    now = SystemClock().now()
    clock = FrozenClock(now - timedelta(days=DAYS_AGO))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    app, loaded = await open_demo(settings, db, clock=clock)
    try:
        assert loaded.fresh
        week = current_week(clock.now(), app.settings).key
        async with app.unit_of_work() as svc:
            office = Actor.of(await svc.people.get(Actor.cli(), OFFICE))
            signature_no = await sign_pledge(svc, "FJ0001", PLEDGE)
            asker = await svc.people.get(Actor.cli(), "FJ0002")
            ticket = await svc.hotline.ask(Actor.of(asker), ASKED, anonymous=False)
            await svc.hotline.reply(office, ticket.id, REPLIED)
            await svc.hotline.ask(Actor.of(asker), ASKED_ANONYMOUSLY, anonymous=True)
            sent = await svc.notices.send(
                office, Composed(audience="all", text=NOTICE, ack_by=now + timedelta(days=3))
            )
        clock.set(now)  # the deadlines of the pledges have passed: escalate them
        await tick(app)
        key = app.settings.audit_key
    finally:
        await app.close()
    assert key is not None
    return Template(db, key.get_secret_value(), week, signature_no, sent.notice_id)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = tmp_path_factory.mktemp("cli-template")
    return asyncio.run(_build_template(folder / "demo.db"))


@pytest.fixture
def ctx(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    db = tmp_path / "muster.db"
    shutil.copyfile(template.db, db)
    monkeypatch.chdir(tmp_path)  # no developer's .env; relative files land here
    env = {
        "MUSTER_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "MUSTER_AUDIT_KEY": template.key,
        "MUSTER_WEB_LISTEN": f"127.0.0.1:{free_port()}",
        "MUSTER_QUIET_HOURS": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("MUSTER_CHANNELS", "MUSTER_CHANNEL", "MUSTER_TELEGRAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return Ctx(tmp_path, db, template.week, template.signature_no, template.notice_id, env)


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the typical calls ---------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    argv: list[str]
    code: int = 0
    expect: dict[str, str] = field(default_factory=dict)  # language -> text shown
    before: list[list[str]] = field(default_factory=list)  # commands run first, unchecked
    env: dict[str, str] = field(default_factory=dict)
    stdin: list[str] = field(default_factory=list)  # lines typed at a prompt


def _notice_file(c: Ctx) -> str:
    path = c.tmp / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    return str(path)


def _empty_db(c: Ctx) -> str:
    return f"sqlite+aiosqlite:///{c.tmp / 'empty.db'}"


FUTURE = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT12:00")
LEAVE_FROM = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
LEAVE_TO = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%d")
LEAVE_SET = ["leave", "set", "--from", LEAVE_FROM, "--to", LEAVE_TO]


def _leave_file(c: Ctx) -> str:
    path = c.tmp / "leave.csv"
    path.write_text(
        f"工号,姓名,类别,开始日期,结束日期,事由\nFJ0006,钱志远,年休假,{LEAVE_FROM},{LEAVE_TO},\n",
        encoding="utf-8",
    )
    return str(path)


TYPICAL: dict[tuple[str, ...], Callable[[Ctx], list[Call]]] = {
    ("db", "upgrade"): lambda c: [
        # what it is for: a command on a database without the schema says to run it
        Call(["roster", "status"], code=3, env={"MUSTER_DATABASE_URL": _empty_db(c)}),
        Call(["db", "upgrade"]),
    ],
    ("audit", "verify"): lambda c: [Call(["audit", "verify"])],
    ("audit", "head"): lambda c: [Call(["audit", "head"])],
    ("invite",): lambda c: [Call(["invite", "--out", c.path("codes.csv")])],
    ("unbind",): lambda c: [
        Call(["unbind", "FJ0003", "--reason", "换手机"]),
        Call(["unbind", "NOBODY"], code=1),
    ],
    ("doctor",): lambda c: [Call(["doctor"], code=1)],
    ("login-link",): lambda c: [Call(["login-link", OFFICE])],
    ("roster", "import"): lambda c: [Call(["roster", "import", str(ROSTER), "--dry-run"])],
    ("roster", "export"): lambda c: [Call(["roster", "export", c.path("roster.xlsx")])],
    ("roster", "status"): lambda c: [Call(["roster", "status"])],
    ("roster", "changes"): lambda c: [Call(["roster", "changes", "--since", "2020-01-01"])],
    ("unit", "quota"): lambda c: [Call(["unit", "quota", UNIT, "12"])],
    ("leave", "set"): lambda c: [Call([*LEAVE_SET, "FJ0004", "--category", "病假"])],
    ("leave", "end"): lambda c: [
        Call([*LEAVE_SET, "FJ0005", "--category", "sick"]),
        Call(["leave", "end", "FJ0005"]),
    ],
    ("leave", "list"): lambda c: [Call(["leave", "list"])],
    ("leave", "import"): lambda c: [Call(["leave", "import", _leave_file(c)])],
    ("run",): lambda c: [
        Call(["run"], env={"MUSTER_CHANNELS": ""}),
        Call(["run"], code=2, env={"MUSTER_CHANNELS": "aiogram"}),
        Call(["run", "--role", "worker"], code=2, env={"MUSTER_CHANNELS": ""}),
    ],
    # a new demo database: what the demo enqueues is in its language from the start
    ("demo",): lambda c: [Call(["demo", "--db", c.path("demo.db")], stdin=["1", "/quit"])],
    ("tick",): lambda c: [Call(["tick"]), Call(["tick", "--now", FUTURE, "--simulate"])],
    ("escalations",): lambda c: [Call(["escalations"])],
    ("pledge", "publish"): lambda c: [
        Call(
            ["pledge", "publish", "online-conduct", "--audience", "all", "--due", FUTURE],
            expect={"zh_CN": "网络社交行为承诺书", "en": "Online Conduct Pledge"},
        )
    ],
    ("pledge", "status"): lambda c: [Call(["pledge", "status", PLEDGE])],
    ("pledge", "export"): lambda c: [
        Call(["pledge", "export", PLEDGE, "--out", c.path("pledge.xlsx")])
    ],
    ("pledge", "receipt"): lambda c: [
        Call(["pledge", "receipt", c.signature_no, "--out", c.path("receipt.html")])
    ],
    ("notice", "send"): lambda c: [
        Call(
            [
                "notice",
                "send",
                "--audience",
                f"unit:{UNIT}",
                "--text-file",
                _notice_file(c),
                "--ack-by",
                FUTURE,
            ]
        )
    ],
    ("notice", "list"): lambda c: [Call(["notice", "list"])],
    ("notice", "stats"): lambda c: [Call(["notice", "stats", str(c.notice_id)])],
    ("notice", "nudge"): lambda c: [Call(["notice", "nudge", str(c.notice_id)])],
    ("training", "publish"): lambda c: [
        Call(
            ["training", "publish", MODULE, "--audience", "role:auxiliary"],
            expect={"zh_CN": "该版本此前已发布", "en": "this version was published before"},
        )
    ],
    ("training", "status"): lambda c: [Call(["training", "status", MODULE])],
    ("training", "export"): lambda c: [
        Call(["training", "export", MODULE, "--out", c.path("training.xlsx")])
    ],
    ("training", "stats"): lambda c: [Call(["training", "stats", MODULE])],
    ("checkins", "open"): lambda c: [Call(["checkins", "open"])],
    ("checkins", "status"): lambda c: [Call(["checkins", "status", "--week", c.week])],
    ("checkins", "care"): lambda c: [Call(["checkins", "care", "--week", c.week])],
    ("register", "export"): lambda c: [
        Call(["register", "export", "--out", c.path("register.xlsx"), "--week", c.week])
    ],
    ("register", "import"): lambda c: [
        Call(
            ["register", "import", c.path("register.xlsx"), "--unit", UNIT, "--week", c.week],
            before=[["register", "export", "--out", c.path("register.xlsx"), "--week", c.week]],
        )
    ],
    ("register", "reporter"): lambda c: [Call(["register", "reporter", UNIT, "FJ0004"])],
    ("kb", "check"): lambda c: [Call(["kb", "check"])],
    ("kb", "reload"): lambda c: [Call(["kb", "reload"])],
    ("kb", "search"): lambda c: [Call(["kb", "search", "年休假有几天"])],
    ("kb", "gaps"): lambda c: [Call(["kb", "gaps"])],
    ("hotline", "queue"): lambda c: [
        Call(["hotline", "queue", "--all"], expect={"zh_CN": "已回复", "en": "answered"})
    ],
    ("hotline", "show"): lambda c: [Call(["hotline", "show", "H000001"])],
    ("hotline", "contact"): lambda c: [
        Call(["hotline", "contact", UNIT, "--phone", "0571-87654321"])
    ],
    ("hotline", "contacts"): lambda c: [Call(["hotline", "contacts"])],
}


# --- the tests ------------------------------------------------------------------------------

PARSER = build_parser(translator(Settings(_env_file=None), "en"))  # type: ignore[call-arg]
COMMANDS = leaf_commands(PARSER)
IDS = command_names(PARSER) | {PLEDGE, MODULE}


def test_every_command_has_a_typical_call() -> None:
    missing = sorted(" ".join(words) for words in COMMANDS if words not in TYPICAL)
    stale = sorted(" ".join(words) for words in TYPICAL if words not in COMMANDS)
    assert missing == [], "add a typical call to TYPICAL for each"
    assert stale == []


def _typing(lines: list[str]) -> Callable[[str], str]:
    """input() that reads `lines`, as a person types them at the prompt."""
    typed = iter(lines)
    return lambda prompt="": next(typed)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # --help, and argparse's usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


TERMINAL = 60  # columns of a narrow terminal window
HELP_WORDS = [(" ".join(words), lang) for words in COMMANDS for lang in LANGS]


@pytest.mark.parametrize(("command", "lang"), [("", lang) for lang in LANGS] + HELP_WORDS)
def test_help_is_in_the_language(
    command: str, lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSTER_DEFAULT_LOCALE", lang)
    monkeypatch.setenv("COLUMNS", str(TERMINAL))
    code, out = _run([*command.split(), "--help"], capsys)
    assert code == 0
    assert "muster" in out
    # a wrap may fall between two Chinese characters (as it may in Chinese text): the
    # language is checked on the text as written, the width on the lines as printed
    unwrapped = re.sub(r"(?<=[\u4e00-\u9fff])\n\s+(?=[\u4e00-\u9fff])", "", out)
    assert check_language(lang, unwrapped, IDS) == []
    # wrapped by display width: a Chinese character takes two columns
    assert [line for line in out.splitlines() if wcwidth.width(line) > TERMINAL] == []


@pytest.mark.parametrize("lang", LANGS)
def test_lang_option_chooses_the_help_language(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "en" if lang == "zh_CN" else "zh_CN"
    monkeypatch.setenv("MUSTER_DEFAULT_LOCALE", other)
    code, out = _run(["pledge", "status", "--lang", lang, "--help"], capsys)
    assert code == 0
    assert check_language(lang, out, IDS) == []
    assert check_language(other, out, IDS) != []


@pytest.mark.parametrize(
    ("command", "lang"), [(" ".join(words), lang) for words in TYPICAL for lang in LANGS]
)
def test_typical_call_is_in_the_language(
    command: str,
    lang: str,
    ctx: Ctx,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MUSTER_DEFAULT_LOCALE", lang)

    async def pressed_ctrl_c() -> None:
        return None

    monkeypatch.setattr(run_module, "until_signal", pressed_ctrl_c)
    problems: list[str] = []
    for call in TYPICAL[tuple(command.split())](ctx):
        for before in call.before:
            assert _run(before, capsys)[0] == 0, before
        with monkeypatch.context() as m:
            for name, value in call.env.items():
                m.setenv(name, value)
            m.setattr(builtins, "input", _typing(call.stdin))
            code, out = _run(call.argv, capsys)
        assert code == call.code, f"{call.argv}: exit {code}\n{out}"
        assert out.strip(), f"{call.argv} printed nothing"
        if lang in call.expect:
            assert call.expect[lang] in out, out
        problems += check_language(lang, out, IDS)
    assert problems == []


def test_table_columns_line_up_around_chinese_text(
    ctx: Ctx, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19: columns padded by characters drifted by one column per Chinese character.
    In the hotline queue the asker column holds 匿名 on one row and 孙浩然 FJ0002 on the
    other: the next column (the time of the last activity) must start at the same terminal
    column on both rows, and under its heading."""
    monkeypatch.setenv("MUSTER_DEFAULT_LOCALE", "zh_CN")
    code, out = _run(["hotline", "queue", "--all"], capsys)
    assert code == 0
    header, *rows = [line for line in out.splitlines() if line.startswith(("编号", "H0"))]
    starts = {wcwidth.width(header[: header.index("最近动态")])}
    for row in rows:
        first_time = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row)
        assert first_time is not None, row
        starts.add(wcwidth.width(row[: first_time.start()]))
    assert len(rows) == 2 and len(starts) == 1, out


USAGE_ERRORS = {  # a mistyped command line -> what argparse says, in each language
    ("pledge", "status"): {"zh_CN": "缺少必需的参数：KEY", "en": "arguments are required: KEY"},
    ("notice", "stats", "seven"): {"zh_CN": "无效的 int 值：'seven'", "en": "invalid int value"},
    ("tick", "--soon"): {"zh_CN": "无法识别的参数：--soon", "en": "unrecognized arguments"},
    ("pledge", "status", "x", "--lang", "fr"): {"zh_CN": "无效的选择：'fr'", "en": "choose from"},
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("argv", USAGE_ERRORS)
def test_usage_errors_are_in_the_language(
    argv: tuple[str, ...],
    lang: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MUSTER_DEFAULT_LOCALE", lang)
    code, out = _run(list(argv), capsys)
    assert code == 2
    assert USAGE_ERRORS[argv][lang] in out, out
    assert check_language(lang, out, IDS) == []
