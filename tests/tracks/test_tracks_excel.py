"""The 配號設定 buttons: resolvable from ``invoicetools.excel``; their bodies driven with a stub context."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from trackdata import ALLOCATION, BRANCH, e0501_envelope, write_mof_csv

import invoicetools.excel as excel
from invoicetools.actions.base import Context
from invoicetools.actions.host import Host
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import ExitCode
from invoicetools.excel import tracks as buttons


def test_every_button_of_the_sheet_has_its_function() -> None:
    for button in layout.sheet("配號設定").buttons:
        function = layout.action(button.action).function
        assert callable(getattr(excel, function)), function
    assert set(buttons.__all__) == {"tracks_import", "tracks_fetch", "tracks_allocate", "e0401_export"}


def test_import_button_files_then_folder_then_cancel(book: MemoryBook, tmp_path: Path) -> None:
    csv_path = write_mof_csv(tmp_path / "invnoapply.csv")
    seen: list[tuple[str, str, bool]] = []

    def choose(title: str, kinds: str, many: bool) -> list[Path]:
        seen.append((title, kinds, many))
        return [csv_path]

    result = buttons._import(Context(host=Host(choose_files=choose), io=book))
    assert result.exit_code == ExitCode.OK and len(book.read_table(layout.table("字軌配號"))) == 3
    assert seen[0][2] is True and "*.xml" in seen[0][1]
    folder = tmp_path / "DownCast"
    folder.mkdir()
    (folder / "E0501.xml").write_bytes(e0501_envelope(ALLOCATION))
    result = buttons._import(Context(host=Host(choose_folder=lambda title: folder), io=book))
    assert "沒有變更" in result.message
    result = buttons._import(Context(io=book))
    assert result.message == "沒有選擇檔案，未匯入任何資料。"


def test_e0401_button_asks_for_a_folder_when_none_is_set(book: MemoryBook, tmp_path: Path) -> None:
    ctx = Context(io=book)
    assert buttons._import(Context(host=Host(choose_files=lambda *a: [write_mof_csv(tmp_path / "a.csv")]), io=book)
                           ).exit_code == ExitCode.OK
    machines = pd.DataFrame([{"帳別": "Z", "機台號": "1", "組數": 1, "分支機構統編": BRANCH}],
                            columns=list(layout.table("機台配號設定").headers))
    book.write_table(layout.table("機台配號設定"), machines)
    from invoicetools.actions.tracks import allocate_tracks

    assert allocate_tracks(ctx).exit_code == ExitCode.OK
    assert "沒有選擇輸出資料夾" in buttons._e0401(ctx).message
    out = tmp_path / "out"
    result = buttons._e0401(Context(host=Host(choose_folder=lambda title: out), io=book))
    assert result.exit_code == ExitCode.OK and [o.path.parent for o in result.outputs] == [out]
