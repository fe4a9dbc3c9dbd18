#!/usr/bin/env python3
"""Set up and run Muster from a fresh clone: `python3 dev.py demo` or `python3 dev.py test`.

Standard library only, so it runs on a machine that has nothing but Python 3.11 and npm.
It keeps a virtual environment in .venv and reinstalls the project there whenever
pyproject.toml changes; the end-to-end tests' npm packages are reinstalled whenever
tests/e2e/package-lock.json changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
INSTALL_STAMP = VENV / ".muster-install"  # hash of the pyproject.toml last installed
E2E = ROOT / "tests" / "e2e"
NPM_STAMP_NAME = ".muster-install"  # inside node_modules: hash of the lock file installed
CI_REQUIRED = ("MUSTER_TEST_PG_URL", "MUSTER_TEST_REDIS_URL")

USAGE = """\
usage: python3 dev.py demo [ARGS...]   set up .venv, then run `muster demo ARGS...`
       python3 dev.py test [ARGS...]   set up .venv and tests/e2e, then run pytest ARGS...
"""


class SetupError(Exception):
    """A step of the set-up failed; the message says which and what to do."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _digest(*paths: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        if path.exists():
            sha.update(path.name.encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def _run(cmd: list[str], *, cwd: Path, what: str) -> None:
    print(f"dev.py: {what}", file=sys.stderr, flush=True)
    try:
        result = subprocess.run(cmd, cwd=cwd, check=False)
    except FileNotFoundError as exc:
        raise SetupError(f"{what} failed: {exc}") from None
    if result.returncode != 0:
        raise SetupError(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}")


def ensure_venv() -> Path:
    """Create .venv when missing and install the project when pyproject.toml changed."""
    want = _digest(ROOT / "pyproject.toml")
    if (
        VENV_PYTHON.exists()
        and INSTALL_STAMP.exists()
        and INSTALL_STAMP.read_text(encoding="utf-8").strip() == want
    ):
        return VENV_PYTHON
    if not VENV_PYTHON.exists():
        _run([sys.executable, "-m", "venv", str(VENV)], cwd=ROOT, what="creating .venv")
    INSTALL_STAMP.unlink(missing_ok=True)  # an interrupted install must be redone
    # -qq: pip's errors still show, its warnings about this machine's index setup do not.
    _run(
        [
            str(VENV_PYTHON),
            "-m",
            "pip",
            "install",
            "-qq",
            "--disable-pip-version-check",
            "-e",
            ".[test]",
        ],
        cwd=ROOT,
        what="installing Muster and its dependencies into .venv (the first time takes a minute)",
    )
    INSTALL_STAMP.write_text(want + "\n", encoding="utf-8")
    return VENV_PYTHON


def ensure_node_modules() -> None:
    """Install the end-to-end tests' npm packages when missing or when the lock changed."""
    package_json = E2E / "package.json"
    if not package_json.exists():
        return  # no end-to-end tests (yet): nothing to install
    lock = E2E / "package-lock.json"
    modules = E2E / "node_modules"
    stamp = modules / NPM_STAMP_NAME
    want = _digest(package_json, lock)
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == want:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("npm is not installed; the end-to-end tests in tests/e2e need it")
    # `npm ci` installs exactly the lock file; without one, `npm install` writes it.
    verb = ["ci"] if lock.exists() else ["install"]
    _run(
        [npm, *verb, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=E2E,
        what=f"npm {verb[0]} in tests/e2e",
    )
    modules.mkdir(exist_ok=True)
    stamp.write_text(want + "\n", encoding="utf-8")


def cmd_demo(args: list[str]) -> int:
    """Run the console demo on a local SQLite database."""
    python = ensure_venv()
    muster = python.parent / "muster"
    os.execv(muster, [str(muster), "demo", *args])
    return 0  # not reached


def cmd_test(args: list[str]) -> int:
    """Run the whole test suite; in CI, missing services or a skipped test fail it."""
    if in_ci():
        missing = [name for name in CI_REQUIRED if not os.environ.get(name)]
        if missing:
            raise SetupError(
                f"CI=true but {', '.join(missing)} not set: the PostgreSQL and Redis tests "
                "are required in CI (run it through .ci/run)"
            )
    python = ensure_venv()
    ensure_node_modules()
    os.chdir(ROOT)
    if not args:  # the whole suite: lint and type checks first (seconds, not minutes)
        for check in (["ruff", "check", "."], ["mypy"]):
            print(f"dev.py: {' '.join(check)}", flush=True)
            done = subprocess.run([str(python), "-m", *check], check=False)  # noqa: S603
            if done.returncode != 0:
                return done.returncode
    # The whole suite in worker processes (pytest-xdist): most of its time is waiting on
    # the emulator, the databases and subprocesses, so more workers than the 2 cores
    # still help (MUSTER_TEST_WORKERS; 0 runs it in this process). Each worker has its
    # own databases (named after its pid) and its own emulator.
    workers = os.environ.get("MUSTER_TEST_WORKERS", "3")
    parallel = ["-n", workers] if not args and workers != "0" else []
    # tests.ci_strict turns skipped tests into a failing exit status when CI=true.
    cmd = [str(python), "-m", "pytest", "-p", "tests.ci_strict", *parallel, *args]
    os.chdir(ROOT)
    os.execv(python, cmd)
    return 0  # not reached


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is
        print("dev.py: Muster needs Python 3.11 or newer", file=sys.stderr)
        return 2
    if not argv or argv[0] not in {"demo", "test"}:
        print(USAGE, file=sys.stderr, end="")
        return 2
    command, rest = argv[0], argv[1:]
    try:
        return cmd_demo(rest) if command == "demo" else cmd_test(rest)
    except SetupError as exc:
        print(f"dev.py: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
