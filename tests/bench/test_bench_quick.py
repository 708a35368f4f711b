"""The benchmark's quick mode runs (the CI smoke test): every case prints a row with a numeric ratio.

No thresholds here: timings on a shared CI machine say nothing; ``python bench/run.py``
(full sizes) is where the targets are checked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "bench" / "run.py"


@pytest.mark.timeout(300)
def test_quick_mode_prints_every_case(tmp_path: Path) -> None:
    out_json = tmp_path / "quick.json"
    env = {**os.environ, "INVOICETOOLS_CACHE_DIR": str(tmp_path / "cache"), "INVOICETOOLS_BENCH_DATA": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out_json), "--work", str(tmp_path / "work")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=280,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    listed = subprocess.run([sys.executable, str(RUN), "--list"], capture_output=True, text=True, check=True)
    case_ids = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    assert len(case_ids) >= 8

    result = json.loads(out_json.read_text(encoding="utf-8"))
    rows = result["rows"]
    assert result["mode"] == "quick"
    assert {r["case"] for r in rows} == set(case_ids), "every case has at least one row"
    for row in rows:
        assert row["status"] == "ok", (row["title"], row["notes"])
        assert row["product"]["times"] and all(t > 0 for t in row["product"]["times"])
        assert row["product"]["peak"] > 0
        assert row["verdicts"] == {}, "quick mode checks no thresholds"
    compared = [r for r in rows if r["baseline"] is not None]
    assert {r["case"] for r in compared} == set(case_ids), "every case is compared with a baseline"
    for row in compared:
        assert isinstance(row["ratio"], float) and row["ratio"] > 0, row["title"]

    # the printed table: machine information, one line per row, a number and × in the ratio column
    text = proc.stdout
    assert "machine:" in text and "numpy SIMD:" in text and "versions:" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    ratio_col = header.index("ratio")
    body = table[2:]
    assert len(body) == len(rows)
    for line, row in zip(body, rows, strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == row["title"]
        if row["baseline"] is not None:
            assert re.fullmatch(r"[\d,]+\.\d×", cells[ratio_col]), line
