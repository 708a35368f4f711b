"""The E0402 export on an in-memory workbook: refusals, owners, folders, reruns, changes, limits, password."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaps.gapbook import PERIOD, UBN, make_book, numbers, platform_frame, register_frame, standard_register
from invoicetools.actions.base import Context
from invoicetools.actions.e0402 import export_e0402
from invoicetools.actions.gaps import void_gaps
from invoicetools.actions.host import Host
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.domain.errors import ExitCode, InputError, RefusalError
from invoicetools.mig import e0402
from invoicetools.sources import credentials
from keyring_memory import installed_memory_keyring

E0402 = layout.table("E0402")
SRC = Path("UpCast", "B2PMESSAGE", "E0402", "SRC")
NOW = datetime.datetime(2025, 3, 2, 10, 0)


def ctx_for(book: MemoryBook, *, force: str | None = None, confirm: bool = True, prompts: list[str] | None = None,
            secret: str | None = None, asked: list[str] | None = None) -> Context:
    def answer(prompt: str) -> bool:
        if prompts is not None:
            prompts.append(prompt)
        return confirm

    def ask(prompt: str) -> str | None:
        if asked is not None:
            asked.append(prompt)
        return secret

    return Context(host=Host(confirm=answer, ask_secret=ask), io=book, now=lambda: NOW, user="王會計", force_reason=force)


def name_branch(book: MemoryBook, ubn: str) -> None:
    """機台配號設定 names a branch (分支機構統編), as the accountant does before allocating to it."""
    book.write_table(layout.table("機台配號設定"), pd.DataFrame({"帳別": ["B"], "機台號": ["001"], "組數": [1],
                                                                  "分支機構統編": [ubn]}))


def turnkey(tmp_path: Path) -> Path:
    root = tmp_path / "EINVTurnkey"
    (root / "UpCast").mkdir(parents=True)
    return root


def voided_book(register: list[str] | None = None, **kwargs: object) -> MemoryBook:
    reg = register if register is not None else standard_register()
    book = make_book(reg, reg, **kwargs)  # type: ignore[arg-type]
    void_gaps(ctx_for(book))
    return book


def sheet(book: MemoryBook) -> pd.DataFrame:
    return book.tables[E0402.name]


def tracks_frame(rows: list[tuple[str, int, int, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({
        "營業人統編": UBN, "發票類別代號": "7", "發票類別": "一般稅額計算", "發票期別": "114/01 ~ 114/02",
        "發票字軌名稱": [t for t, _, _, _ in rows], "發票起號": [f"{b:08d}" for _, b, _, _ in rows],
        "發票迄號": [f"{e:08d}" for _, _, e, _ in rows], "申報年月": PERIOD, "擁有者": [o for *_, o in rows]})


# ----------------------------------------------------------------------------------------------
def test_refuses_while_gaps_are_pending_and_points_at_the_sheet(tmp_path: Path) -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    root = turnkey(tmp_path)
    with pytest.raises(RefusalError) as err:
        export_e0402(ctx_for(book), out_dir=root)
    assert "還有 3 組、共 5 張跳號待確認" in str(err.value) and "[跳號作廢]" in str(err.value)
    assert err.value.exit_code == ExitCode.FINDINGS
    assert not (root / SRC).exists()
    forced = export_e0402(ctx_for(book, force="國稅局已同意先申報"), out_dir=root)
    assert forced.exit_code == ExitCode.OK
    assert "強制轉出：仍有 5 張跳號待確認" in forced.message
    assert "force=國稅局已同意先申報" in book.tables[layout.table("執行紀錄").name].iloc[-1]["參數"]


def test_writes_one_file_per_track_into_turnkey_src(tmp_path: Path) -> None:
    book = voided_book()
    root = turnkey(tmp_path)
    result = export_e0402(ctx_for(book), out_dir=root)
    assert result.exit_code == ExitCode.OK
    src = root / SRC
    assert sorted(p.name for p in src.iterdir()) == ["E0402_53212539_11402_KA_07.xml", "E0402_53212539_11402_KB_07.xml"]
    assert not [p for p in (root / "UpCast" / "B2PMESSAGE" / "E0402").iterdir() if p.name.startswith(".")]
    ka = e0402.read(src / "E0402_53212539_11402_KA_07.xml")
    assert (ka.head_ban, ka.branch_ban, ka.invoice_type, ka.year_month, ka.track) == (UBN, UBN, "07", PERIOD, "KA")
    assert ka.ranges == ((12340010, 12340012), (12340050, 12340050), (12340081, 12340099),
                         (12340120, 12340120), (12340151, 12340199))
    rows = {r["發票字軌"]: r for r in result.rows or []}
    assert list(rows["KA"]) == list(E0402.headers)
    assert rows["KA"]["區間數"] == 5 and rows["KA"]["空白張數"] == 3 + 1 + 19 + 1 + 49
    assert rows["KA"]["空白區間"] == "12340010~12340012、12340050、12340081~12340099、12340120、12340151~12340199"
    assert rows["KA"]["期限"] == datetime.date(2025, 3, 10)
    assert rows["KA"]["異動"] == "首次轉出"
    assert rows["KA"]["輸出位置"] == str((root / SRC).resolve())
    assert {o.path.name: o.sha256 for o in result.outputs}["E0402_53212539_11402_KA_07.xml"] == rows["KA"]["sha256"]
    entry = book.tables[layout.table("執行紀錄").name].iloc[-1]
    assert entry["步驟"] == "E0402" and rows["KA"]["sha256"] in entry["sha256"]
    assert book.status["E0402"].startswith("已轉出 114/01 ~ 114/02：2 個 E0402 檔（MIG 4.1）")


def test_a_plain_folder_gets_the_files_directly(tmp_path: Path) -> None:
    book = voided_book()
    out = tmp_path / "out"
    export_e0402(ctx_for(book), out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == ["E0402_53212539_11402_KA_07.xml", "E0402_53212539_11402_KB_07.xml"]


def test_folder_from_settings_and_a_turnkey_setting_without_upcast_is_warned(tmp_path: Path) -> None:
    book = voided_book(settings={"Turnkey資料夾": str(tmp_path / "nope")})
    result = export_e0402(ctx_for(book))
    assert (tmp_path / "nope" / "E0402_53212539_11402_KA_07.xml").is_file()
    assert [f.code for f in result.findings] == ["e0402_not_turnkey"]
    book2 = voided_book()
    with pytest.raises(InputError, match="請指定 E0402 輸出資料夾"):
        export_e0402(ctx_for(book2))


def test_rerun_is_byte_identical_and_shows_no_change(tmp_path: Path) -> None:
    book = voided_book()
    root = turnkey(tmp_path)
    export_e0402(ctx_for(book), out_dir=root)
    first = {p.name: p.read_bytes() for p in (root / SRC).iterdir()}
    prompts: list[str] = []
    again = export_e0402(ctx_for(book, prompts=prompts), out_dir=root)
    assert {p.name: p.read_bytes() for p in (root / SRC).iterdir()} == first
    assert {r["異動"] for r in again.rows or []} == {"無異動"}
    assert prompts == []  # nothing changed: no question
    assert len(sheet(book)) == 2


def test_changes_against_the_last_export_are_shown_and_confirmed(tmp_path: Path) -> None:
    book = voided_book()
    root = turnkey(tmp_path)
    export_e0402(ctx_for(book), out_dir=root)
    # Turnkey picked the files up: the comparison falls back to the sheet's ranges
    for p in (root / SRC).iterdir():
        p.unlink()
    reg = [*standard_register(), "KB56780040"]
    book.write_table(layout.table("發票資料"), register_frame(reg))
    book.write_table(layout.table("平台狀況"), platform_frame(reg))  # issued and uploaded
    void_gaps(ctx_for(book))  # KB56780031-039 are skipped now
    prompts: list[str] = []
    cancelled = export_e0402(ctx_for(book, prompts=prompts, confirm=False), out_dir=root)
    assert cancelled.exit_code == ExitCode.FINDINGS and "沒有寫入任何檔案" in cancelled.message
    assert "--yes" in cancelled.message and "56780031~56780039" in cancelled.message
    assert not list((root / SRC).iterdir())
    assert "字軌 KB：新增 56780031~56780039、56780041~56780049；移除 56780031~56780049" in prompts[0]
    assert "會取代平台上先前的空白號碼" in prompts[0]
    result = export_e0402(ctx_for(book), out_dir=root)
    rows = {r["發票字軌"]: r for r in result.rows or []}
    assert rows["KB"]["異動"] == "新增 2 組、移除 1 組" and rows["KA"]["異動"] == "無異動"
    assert "與上次轉出相比" in result.message


def test_a_track_without_blanks_gets_no_file_and_a_vanished_track_is_reported(tmp_path: Path) -> None:
    book = voided_book()
    root = turnkey(tmp_path)
    export_e0402(ctx_for(book), out_dir=root)
    reg = [*standard_register(), *numbers("KB", 56780031, 56780049)]
    book.write_table(layout.table("發票資料"), register_frame(reg))
    result = export_e0402(ctx_for(book), out_dir=root)
    assert [r["發票字軌"] for r in result.rows or []] == ["KA"]
    assert "字軌 KB：上次有空白號碼，本次沒有（不再產生檔案 E0402_53212539_11402_KB_07.xml）" in result.message
    assert list(sheet(book)["發票字軌"]) == ["KA"]


def test_only_what_this_system_owns_and_split_tracks_are_warned(tmp_path: Path) -> None:
    book = voided_book()
    write_settings(book, {"其他系統開立發票": "是"})  # booklets no machine holds are another system's
    book.write_table(layout.table("字軌配號"), tracks_frame([
        ("KA", 12340000, 12340199, None),
        ("KB", 56780000, 56780099, None),  # 56780050-099 not assigned to a machine → 其他系統
        ("KC", 0, 49, "綠界"),
    ]))
    result = export_e0402(ctx_for(book), out_dir=tmp_path)
    rows = {r["發票字軌"]: r for r in result.rows or []}
    assert set(rows) == {"KA", "KB"}
    assert rows["KB"]["空白區間"] == "56780031~56780049"
    split = [f for f in result.findings if f.code == "e0402_split_track"]
    assert len(split) == 1 and "字軌 KB 分屬不同申報者（本系統 50 張、其他系統 50 張）" in split[0].message
    assert result.exit_code == ExitCode.OK


def test_explicit_owner_on_a_machine_track_wins(tmp_path: Path) -> None:
    book = voided_book()
    book.write_table(layout.table("字軌配號"), tracks_frame([("KA", 12340000, 12340199, None),
                                                          ("KB", 56780000, 56780049, "綠界")]))
    result = export_e0402(ctx_for(book), out_dir=tmp_path)
    assert [r["發票字軌"] for r in result.rows or []] == ["KA"]


def test_a_branch_allocation_is_its_branch_ban(tmp_path: Path) -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    alloc = book.tables[layout.table("配號設定").name]
    alloc.loc[alloc["發票字軌"] == "KB", "營業人統編"] = "04595257"
    name_branch(book, "04595257")  # the branch is named in 機台配號設定 (issue 14.4)
    void_gaps(ctx_for(book))
    export_e0402(ctx_for(book), out_dir=tmp_path)
    kb = e0402.read(tmp_path / "E0402_04595257_11402_KB_07.xml")
    assert (kb.head_ban, kb.branch_ban) == (UBN, "04595257")


def test_more_than_10000_ranges_is_a_clear_error(tmp_path: Path) -> None:
    machines = [("A", "001", "KA", 0, 20_049)]
    reg = [f"KA{n:08d}" for n in range(0, 20_050, 2)]  # every other number: 10,025 single-number gaps
    book = make_book(reg, reg, machines=machines)
    void_gaps(ctx_for(book))
    with pytest.raises(InputError, match=r"最多 10,000 組空白區間，字軌 KA（10,025 組）超過上限，沒有產生任何檔案"):
        export_e0402(ctx_for(book), out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_nothing_blank_means_no_file(tmp_path: Path) -> None:
    reg = numbers("KA", 12340000, 12340199) + numbers("KB", 56780000, 56780049)
    book = make_book(reg, reg)
    result = export_e0402(ctx_for(book), out_dir=tmp_path / "out")
    assert result.exit_code == ExitCode.OK and result.outputs == []
    assert "沒有空白未使用號碼，不需要轉出 E0402" in result.message


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    book = voided_book()
    commits = book.commits
    result = export_e0402(ctx_for(book), out_dir=tmp_path / "out", dry_run=True)
    assert result.message.startswith("預覽（沒有寫入任何檔案）")
    assert [r["檔案名稱"] for r in result.rows or []] == ["E0402_53212539_11402_KA_07.xml", "E0402_53212539_11402_KB_07.xml"]
    assert not (tmp_path / "out").exists() and book.commits == commits and sheet(book).empty


@pytest.mark.parametrize("version", ["4.0", "3.2"])
def test_mig_version(tmp_path: Path, version: str) -> None:
    book = voided_book()
    export_e0402(ctx_for(book), out_dir=tmp_path, mig=version)
    doc = e0402.read(tmp_path / "E0402_53212539_11402_KA_07.xml")
    assert doc.version == version
    with pytest.raises(InputError, match="MIG 版本"):
        export_e0402(ctx_for(book), out_dir=tmp_path, mig="5.0")


def test_other_periods_rows_stay_on_the_sheet(tmp_path: Path) -> None:
    book = voided_book()
    old = pd.DataFrame([{"序號": 1, "檔案名稱": "E0402_53212539_11312_ZZ_07.xml", "申報年月": "11312", "發票字軌": "ZZ"}])
    book.write_table(E0402, old.reindex(columns=list(E0402.headers)))
    export_e0402(ctx_for(book), out_dir=tmp_path)
    assert sheet(book)["申報年月"].tolist() == [PERIOD, PERIOD, "11312"]
    assert sheet(book)["序號"].tolist() == [1, 2, 3]


def test_platform_password_is_asked_once_and_kept_only_in_the_keyring(tmp_path: Path) -> None:
    secret = "S3cret-平台密碼"
    book = voided_book(settings={"加值中心": "ecpay"})
    with installed_memory_keyring() as ring:
        asked: list[str] = []
        result = export_e0402(ctx_for(book, secret=secret, asked=asked), out_dir=tmp_path)
        assert len(asked) == 1 and "不會寫入活頁簿" in asked[0]
        assert credentials.load("ecpay", UBN).password == secret  # type: ignore[union-attr]
        assert "ecpay 平台密碼已存入系統密碼儲存區" in result.message
        again: list[str] = []
        result2 = export_e0402(ctx_for(book, secret="other", asked=again), out_dir=tmp_path)
        assert again == [] and "由系統密碼儲存區取得" in result2.message
        assert credentials.load("ecpay", UBN).password == secret  # type: ignore[union-attr]
        assert ring.entries
    everything = [result.full_message(), result2.full_message()]
    for frame in book.tables.values():
        everything.append(frame.to_csv())
    everything.append(repr(book.params) + repr(book.status))
    assert not any(secret in text for text in everything)


def test_no_provider_no_password_question(tmp_path: Path) -> None:
    book = voided_book()
    asked: list[str] = []
    export_e0402(ctx_for(book, secret="x", asked=asked), out_dir=tmp_path)
    assert asked == []


def test_an_unusable_keyring_does_not_stop_the_export(tmp_path: Path) -> None:
    import keyring
    from keyring.backends import fail

    book = voided_book(settings={"加值中心": "ecpay"})
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = export_e0402(ctx_for(book, secret="x"), out_dir=tmp_path)
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == ExitCode.OK and len(result.outputs) == 2
    assert [f.code for f in result.findings] == ["e0402_keyring"]


def test_a_broken_allocation_row_stops_the_export(tmp_path: Path) -> None:
    reg = standard_register()
    machines = [("A", "001", "KA", 12340000, 12340099), ("A", "002", "KA", 12340100, 12340199),
                ("B", "001", "KB", 56780000, 56780049), ("B", "002", "K1", 1, 2)]
    book = make_book(reg, reg, machines=machines)
    void_gaps(ctx_for(book))
    with pytest.raises(RefusalError, match="配號資料有問題"):
        export_e0402(ctx_for(book), out_dir=tmp_path / "out")


# ----------------------------------------------------------------------------------------------
# property: per track, blanks and used numbers are disjoint and together equal the allocation
# ----------------------------------------------------------------------------------------------
ALLOCATED = {"KA": range(12340000, 12340200), "KB": range(56780000, 56780050)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sets(st.sampled_from([f"KA{n:08d}" for n in ALLOCATED["KA"]] + [f"KB{n:08d}" for n in ALLOCATED["KB"]]),
               max_size=250),
       st.sets(st.sampled_from([f"KA{n:08d}" for n in range(12340000, 12340200, 7)]), max_size=10))
def test_blanks_and_used_partition_the_allocation(tmp_path_factory: pytest.TempPathFactory, register: set[str],
                                                  platform_only: set[str]) -> None:
    out = tmp_path_factory.mktemp("e0402")
    reg = sorted(register)
    book = make_book(reg, sorted(register | platform_only))
    void_gaps(ctx_for(book, force="平台有帳上無另案補匯入"))  # platform-only numbers make 漏上傳檢核 refuse
    export_e0402(ctx_for(book), out_dir=out)
    used = {(n[:2], int(n[2:])) for n in register | platform_only}
    for track, numbers_ in ALLOCATED.items():
        path = out / f"E0402_{UBN}_{PERIOD}_{track}_07.xml"
        blank: set[int] = set()
        if path.exists():
            doc = e0402.read(path)
            assert list(doc.ranges) == sorted(doc.ranges)
            for b, e in doc.ranges:
                blank |= set(range(b, e + 1))
        issued = {n for t, n in used if t == track}
        assert not blank & issued
        assert blank | issued == set(numbers_)
        assert path.exists() == bool(blank)


def test_a_branch_keeps_its_ban_when_tracks_list_the_head_office(tmp_path: Path) -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    alloc = book.tables[layout.table("配號設定").name]
    alloc.loc[alloc["發票字軌"] == "KB", "營業人統編"] = "04595257"
    name_branch(book, "04595257")  # the branch is named in 機台配號設定 (issue 14.4)
    alloc.loc[alloc["機台號"] == "002", "發票類別代號"] = None  # filled from 字軌配號
    book.write_table(layout.table("字軌配號"), tracks_frame([("KA", 12340000, 12340299, "本系統"),
                                                          ("KB", 56780000, 56780049, None)]))
    void_gaps(ctx_for(book))
    result = export_e0402(ctx_for(book), out_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.xml")) == ["E0402_04595257_11402_KB_07.xml",
                                                            "E0402_53212539_11402_KA_07.xml"]
    ka = e0402.read(tmp_path / "E0402_53212539_11402_KA_07.xml")
    assert ka.ranges[-1] == (12340151, 12340299)  # 本系統 booklets no machine holds are blank too
    assert [f.code for f in result.findings] == []


def test_a_voided_number_found_issued_is_left_out_and_reported(tmp_path: Path) -> None:
    book = voided_book()
    book.write_table(layout.table("發票資料"), register_frame([*standard_register(), "KA12340011"]))
    result = export_e0402(ctx_for(book), out_dir=tmp_path)
    assert result.exit_code == ExitCode.FINDINGS and len(result.outputs) == 2
    assert [f.code for f in result.findings] == ["gaps_voided_used"]
    ka = e0402.read(tmp_path / "E0402_53212539_11402_KA_07.xml")
    assert ka.ranges[:2] == ((12340010, 12340010), (12340012, 12340012))
