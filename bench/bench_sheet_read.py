"""Benchmark: read small .xlsx files that reach row 300,003, next to full reads.

Each file is a register sheet: a title line, the header, one risk, and then 300,000 rows
of nothing, as Excel or WPS leave when a whole column range was formatted:

  gap       one formatted, empty cell at row 300,003 (about 5 KB);
  rows      300,000 empty `<row>` elements with a height (under 1 MB).

Each reader runs in a fresh process so its peak RSS is its own:

  baseline  openpyxl.load_workbook (not read-only) and every row of the sheet, as the
            register import read before bot/sheets;
  streamed  openpyxl read-only over every row, as the roster import read before;
  toolkit   bot.sheets.reader.read_table: read-only, stops after MAX_BLANK_RUN blank rows.

Prints rows read, wall time and peak RSS of each, and the ratios baseline / toolkit.

    python bench/bench_sheet_read.py
Not part of the test suite.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAR_ROW = 300_003
HEADER = ["编号", "类别", "风险隐患", "整改措施", "责任人", "整改期限", "状态", "备注", "上周编号"]


def make_file(path: Path, kind: str) -> None:
    import openpyxl  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["城关派出所 风险排查登记表"])
    ws.append(HEADER)
    ws.append(["", "其他", "岗亭漏雨", "维修", "王民警", "2026-12-31", "整改中", "", ""])
    if kind == "gap":
        ws.cell(row=FAR_ROW, column=9).font = Font(bold=True)
        wb.save(path)
        return
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = "".join(f'<row r="{n}" ht="15" customHeight="1"/>' for n in range(4, FAR_ROW + 1))
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            out.writestr(item, data)


def run_one(mode: str, path: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    import openpyxl  # noqa: PLC0415

    from bot.sheets.reader import XLSX_TYPES, Aliases, read_table  # noqa: PLC0415

    start = time.perf_counter()
    if mode == "baseline":
        wb = openpyxl.load_workbook(path, data_only=False)
        rows = sum(1 for _ in wb.worksheets[0].iter_rows())
    elif mode == "streamed":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # type: ignore[union-attr]
        rows = sum(1 for _ in ws.iter_rows())
        wb.close()
    else:
        aliases = Aliases.of({f"c{i}": [h] for i, h in enumerate(HEADER)})
        table = read_table(
            path, aliases, max_bytes=5 * 2**20, max_rows=500, types=XLSX_TYPES, empty_ok=True
        )
        rows = table.rows_read
    seconds = time.perf_counter() - start
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child
    would report the parent's peak (the parent built a 12 MB sheet in memory)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], Path(sys.argv[3]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("gap", "rows"):
            path = Path(tmp) / f"{kind}.xlsx"
            make_file(path, kind)
            print(f"{kind}: {path.stat().st_size:,} bytes, down to row {FAR_ROW:,}")
            results = {}
            for mode in ("baseline", "streamed", "toolkit"):
                out = subprocess.run(
                    [sys.executable, __file__, "--one", mode, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                results[mode] = r = json.loads(out)
                print(
                    f"  {mode:<9} rows read {int(r['rows']):>8,}  {r['seconds']:7.2f} s  "
                    f"peak RSS {r['peak_mb']:6.0f} MB"
                )
            base, new = results["baseline"], results["toolkit"]
            print(
                f"  baseline / toolkit: time {base['seconds'] / new['seconds']:.0f}x, "
                f"peak RSS {base['peak_mb'] / new['peak_mb']:.1f}x, "
                f"rows read {int(base['rows']):,} / {int(new['rows']):,}"
            )


if __name__ == "__main__":
    main()
