"""Timing check (not a test): build + XSD-validate 1,000 E0402 documents of 10 ranges each.

    python tests/mig/perf_e0402.py

Target (issue): well under 0.5 s on the project machine. Prints the best of 5 runs, plus
parse-back and the cold import/compile costs, so regressions are easy to see.
"""

from __future__ import annotations

import subprocess
import sys
import time


def main() -> None:
    from invoicetools.mig import e0402, schema

    docs = [
        {
            "head_ban": "12345675",
            "branch_ban": "12345675",
            "invoice_type": "07",
            "year_month": "11402",
            "track": chr(65 + i // 26 % 26) + chr(65 + i % 26),
            "ranges": [(i * 1000 + j * 50, i * 1000 + j * 50 + 17) for j in range(10)],
        }
        for i in range(1000)
    ]
    e0402.build(**docs[0])  # compile the schema once

    def best(fn: object, repeat: int = 5) -> float:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append(time.perf_counter() - t)
        return min(times)

    built = [e0402.build(**d) for d in docs]
    t_build = best(lambda: [e0402.build(**d) for d in docs])
    t_validate = best(lambda: [schema.validate("E0402", "4.1", b) for b in built])
    t_parse = best(lambda: [e0402.parse(b) for b in built])
    print(
        f"build + validate 1,000 E0402 (10 ranges each): {t_build * 1000:7.1f} ms  ({t_build * 1e3:.1f} µs/file)"
    )
    print(f"validate only (safe parse + lxml XSD):          {t_validate * 1000:7.1f} ms")
    print(f"parse back (safe parse + XSD + values):         {t_parse * 1000:7.1f} ms")

    big = [(i * 10, i * 10 + 4) for i in range(10_000)]
    t_big = best(lambda: e0402.build(**{**docs[0], "ranges": big}))
    print(f"build + validate one E0402 with 10,000 ranges:  {t_big * 1000:7.1f} ms")

    code = (
        "import time; t=time.perf_counter(); import invoicetools.mig.e0402 as m; t1=time.perf_counter();"
        "import sys; lx='lxml' in sys.modules;"
        "m.build(head_ban='12345675', branch_ban='12345675', invoice_type='07', year_month='11402', track='AB',"
        " ranges=[(1, 2)]); t2=time.perf_counter();"
        "print(f'cold import e0402: {(t1-t)*1000:.1f} ms (lxml loaded: {lx}); first build incl. lxml import"
        " + XSD compile: {(t2-t1)*1000:.1f} ms')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


if __name__ == "__main__":
    main()
