"""Button action tokens: "feature:verb:arg1:arg2", at most 64 bytes (Telegram's limit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
SEP = ":"
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL)
_NUMBER = re.compile(r"[0-9]{1,10}")


class BadAction(ValueError):
    """A token that is not ours, too long, or malformed."""


@dataclass(frozen=True, slots=True)
class Action:
    feature: str
    verb: str
    args: tuple[str, ...] = ()

    @property
    def route(self) -> str:
        return f"{self.feature}{SEP}{self.verb}"

    def arg(self, i: int = 0) -> str:
        try:
            return self.args[i]
        except IndexError:
            raise BadAction(f"missing argument {i} in {self.encode()}") from None

    def int_arg(self, i: int = 0) -> int:
        """A number argument: ASCII digits of a value a database id can hold. Anything
        else ("²", a 20-digit id) is a forged or broken token, so a stale button."""
        value = self.arg(i)
        if not _NUMBER.fullmatch(value) or int(value) > MAX_ID:
            raise BadAction(f"argument {i} is not a number in {self.encode()}")
        return int(value)

    def encode(self) -> str:
        return encode(self.feature, self.verb, *self.args)


def encode(feature: str, verb: str, *args: object) -> str:
    parts = [feature, verb, *(str(a) for a in args)]
    for part in parts:
        if SEP in part:
            raise BadAction(f"separator inside part {part!r}")
    token = SEP.join(parts)
    if len(token.encode()) > MAX_BYTES:
        raise BadAction(f"action token longer than {MAX_BYTES} bytes: {token!r}")
    return token


def decode(token: str) -> Action:
    if not token or len(token.encode()) > MAX_BYTES:
        raise BadAction(f"bad action token {token!r}")
    parts = token.split(SEP)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise BadAction(f"bad action token {token!r}")
    return Action(parts[0], parts[1], tuple(parts[2:]))


class Btn(StrEnum):
    """Every button route ("feature:verb") in one table, named for what the button does.

    The tokens stay short: Telegram allows 64 bytes of callback data and the arguments
    (ids, page numbers) follow the route. Handlers register with `@flow.button(Btn.X)`
    and buttons carry `Btn.X` or `Btn.X.token(*args)`; tests/test_actions.py checks that
    every route a handler registers is here and every entry here has a handler.
    """

    # main menu, language, my tasks
    MENU_HOME = "m:home"
    MENU_HELP = "m:help"
    MENU_LANGUAGE = "m:lang"
    LANGUAGE_SET = "lang:set"
    TASKS_LIST = "tk:list"
    # pledges
    PLEDGE_OPEN = "pl:o"
    PLEDGE_PAGE = "pl:p"
    PLEDGE_QUESTION = "pl:q"
    PLEDGE_AGREE = "pl:a"
    PLEDGE_CANCEL = "pl:x"
    PLEDGE_RECEIPT = "pl:r"
    OFFICE_PLEDGES = "of:st"
    OFFICE_PLEDGE_STATUS = "of:pk"
    OFFICE_ESCALATIONS = "of:esc"
    OFFICE_EXPORTS = "of:ex"
    OFFICE_EXPORT = "of:x"
    # training
    TRAINING_OPEN = "tr:o"
    TRAINING_LESSON = "tr:l"
    TRAINING_START_QUIZ = "tr:q"
    TRAINING_NEXT_QUESTION = "tr:n"
    TRAINING_TOGGLE_OPTION = "tr:t"
    TRAINING_ANSWER = "tr:a"
    TRAINING_SUBMIT_CHOICES = "tr:s"
    TRAINING_RESULT = "tr:r"
    # weekly check-in
    CHECKIN_OPEN = "ci:o"
    CHECKIN_MINE = "ci:me"
    CHECKIN_ALL_FINE = "ci:f"
    CHECKIN_STEP_BY_STEP = "ci:s"
    CHECKIN_ANSWER = "ci:a"
    CHECKIN_SKIP = "ci:k"
    CHECKIN_SUBMIT = "ci:ok"
    CHECKIN_CANCEL = "ci:x"
    CHECKIN_TEAM = "ci:team"
    CHECKIN_CORRECT = "ci:fix"
    CHECKIN_CORRECT_ALL_FINE = "ci:fixf"
    CHECKIN_CORRECT_STEP = "ci:fixs"
    CHECKIN_URGENT = "ci:urg"
    # a mentor's or leader's team and escalations
    TEAM_OVERVIEW = "esc:team"
    TEAM_REMINDED_IN_PERSON = "esc:rip"
    TEAM_EXCUSE = "esc:exc"
    TEAM_EXCUSE_TOGGLE = "esc:ext"
    TEAM_EXCUSE_NEXT = "esc:exn"
    TEAM_EXCUSE_CONFIRM = "esc:exy"
    TEAM_EXCUSE_CANCEL = "esc:exx"
    # policy hotline
    HOTLINE_ASK = "hl:ask"
    HOTLINE_SUGGESTION = "hl:f"
    HOTLINE_ANSWERED = "hl:ok"
    HOTLINE_TO_PERSON = "hl:p"
    HOTLINE_SEND_NAMED = "hl:sn"
    HOTLINE_SEND_ANONYMOUS = "hl:sa"
    HOTLINE_CANCEL = "hl:x"
    HOTLINE_FOLLOW_UP = "hl:ar"
    HOTLINE_QUEUE = "hl:q"
    HOTLINE_TICKET = "hl:t"
    HOTLINE_REPLY = "hl:r"
    HOTLINE_CLOSE = "hl:c"
    HOTLINE_SHOW_ASKER = "hl:who"
    # notices
    NOTICE_MENU = "nt:menu"
    NOTICE_NEW = "nt:new"
    NOTICE_AUDIENCE = "nt:aud"
    NOTICE_AUDIENCE_TYPED = "nt:spec"
    NOTICE_AUDIENCE_PAGE = "nt:audp"
    NOTICE_AUDIENCE_DONE = "nt:audok"
    NOTICE_DUE = "nt:due"
    NOTICE_ACK_YES = "nt:ya"
    NOTICE_ACK_NO = "nt:na"
    NOTICE_SEND = "nt:send"
    NOTICE_CANCEL = "nt:x"
    NOTICE_STATS = "nt:st"
    NOTICE_NUDGE_ASK = "nt:ng"
    NOTICE_NUDGE_SEND = "nt:ngo"
    NOTICE_OPEN = "nt:o"
    NOTICE_ACK = "nt:ack"
    NOTICE_ACKED = "nt:done"
    NOTICE_FILE = "nt:file"
    # a notice waiting for a second office staffer's approval (issue 21)
    APPROVAL_LIST = "na:list"
    APPROVAL_OPEN = "na:o"
    APPROVAL_APPROVE = "na:ok"
    APPROVAL_RETURN = "na:ret"
    APPROVAL_CANCEL = "na:x"
    # weekly risk register
    REGISTER_HOME = "rg:home"
    REGISTER_OPEN = "rg:o"
    REGISTER_WEEK = "rg:w"
    REGISTER_CHECKINS = "rg:ci"
    REGISTER_CARRY = "rg:c"
    REGISTER_CARRY_RESOLVED = "rg:cr"
    REGISTER_CARRY_OPEN = "rg:co"
    REGISTER_ADD = "rg:add"
    REGISTER_CATEGORY = "rg:cat"
    REGISTER_DEADLINE = "rg:dl"
    REGISTER_CONFIRM = "rg:ok"
    REGISTER_DELETE = "rg:d"
    REGISTER_NO_NEW = "rg:none"
    REGISTER_FILE = "rg:file"
    REGISTER_REPORTER = "rg:rep"
    REGISTER_REPORTER_CLEAR = "rg:repx"
    REGISTER_OFFICE = "rg:of"
    REGISTER_EDIT = "rg:e"
    REGISTER_EDIT_FIELD = "rg:ef"
    REGISTER_EDIT_CATEGORY = "rg:ec"
    REGISTER_OWNER = "rg:own"
    REGISTER_OWNER_TEXT = "rg:ownt"
    REGISTER_AMEND = "rg:am"
    REGISTER_REPORTER_PICK = "rg:repp"
    # my records
    RECORDS_HOME = "rc:home"
    RECORDS_DONE = "rc:done"
    RECORDS_PLEDGES = "rc:pl"
    RECORDS_RECEIPT = "rc:rcpt"
    RECORDS_RECEIPT_FILE = "rc:file"
    RECORDS_TRAINING = "rc:tr"
    RECORDS_CHECKINS = "rc:ci"
    RECORDS_CHECKIN = "rc:cw"
    RECORDS_QUESTIONS = "rc:q"
    RECORDS_QUESTION = "rc:qt"

    def token(self, *args: object) -> str:
        """The button's callback data: this route and its arguments."""
        feature, verb = self.value.split(SEP)
        return encode(feature, verb, *args)
