"""How long `muster --help` takes to start, and what the display-width library costs.

    .venv/bin/python bench/bench_cli_start.py [--runs 15] [--extra-path DIR]

Each case is a fresh interpreter (`python -c ...`), run `--runs` times, the cases
interleaved so that a busy machine slows them alike; it prints the median of each and its
ratio to the bare interpreter start measured in the same run:

- `python`: the interpreter alone (`pass`), the baseline;
- `wcwidth`: importing wcwidth and measuring one string (what the CLI uses);
- `rich`: importing rich's console and table (the alternative), when importable: install
  it apart with `pip install --target DIR rich` and pass `--extra-path DIR`;
- `muster --help`: the whole help of the command line, in zh_CN.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "python": "pass",
    "wcwidth": "import wcwidth; wcwidth.width('城关派出所')",
    "rich": "import rich.console, rich.table",
    "muster --help": (
        "from bot.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--extra-path", help="a folder with rich installed (pip --target)")
    args = parser.parse_args()
    path = [str(ROOT), *([args.extra_path] if args.extra_path else [])]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")},
        "PYTHONPATH": os.pathsep.join(path),
        "MUSTER_DEFAULT_LOCALE": "zh_CN",
    }
    cases = dict(CASES)
    if subprocess.run([sys.executable, "-c", cases["rich"]], env=env, check=False).returncode:
        print("rich: not importable here (see --extra-path); left out")
        del cases["rich"]
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, code in cases.items():
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code], env=env, cwd="/", check=True, capture_output=True
            )
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python"])
    for name, seen in times.items():
        median = statistics.median(seen)
        print(
            f"{name:<14} median {median * 1000:7.1f} ms  "
            f"(+{(median - base) * 1000:6.1f} ms over python, ratio {median / base:5.2f})"
        )


if __name__ == "__main__":
    main()
