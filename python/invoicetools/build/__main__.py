"""``python -m invoicetools.build [--out DIR]`` builds the add-in and the workbook;
``python -m invoicetools.build --check`` exits 1 when the committed files are stale;
``python -m invoicetools.build text-module`` rewrites ``addin/vba/InvoiceText.bas``;
``python -m invoicetools.build sums DIR`` rewrites a release folder's SHA256SUMS.txt (after the
signed add-in replaced the built one) and ``check-release DIR`` lists what is wrong with it
(exit 1). The release folder itself: ``invoicetools build --release DIR``."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m invoicetools.build", description=__doc__)
    parser.add_argument("what", nargs="?", choices=("all", "text-module", "sums", "check-release"), default="all")
    parser.add_argument("folder", nargs="?", type=Path, help="the release folder (sums, check-release)")
    parser.add_argument("--out", type=Path, help="write both files into this folder")
    parser.add_argument(
        "--check", action="store_true", help="only check that the committed files are current"
    )
    args = parser.parse_args(argv)
    if args.check:
        from invoicetools.build import check_committed

        problems = check_committed()
        for problem in problems:
            print(f"{problem}: run python -m invoicetools.build", file=sys.stderr)
        return 1 if problems else 0
    if args.what in ("sums", "check-release"):
        from invoicetools.build import release, release_check

        if args.folder is None or not args.folder.is_dir():
            parser.error(f"{args.what} needs the release folder")
        if args.what == "sums":
            (args.folder / release_check.SUMS).unlink(missing_ok=True)
            release._write_sums(args.folder)
        problems = release_check.check_release(args.folder)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if args.what == "text-module":
        from invoicetools.build.messages import render_module
        from invoicetools.build.sources import TEXT_MODULE, vba_dir

        path = vba_dir() / f"{TEXT_MODULE}.bas"
        path.write_text(render_module(), encoding="ascii", newline="\n")
        print(path)
        return 0
    from invoicetools.build import main

    for key, path in main(args.out).items():
        print(f"{key}: {path}  sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
