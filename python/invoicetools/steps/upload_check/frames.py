"""Register and platform input frames from plain lists (tests, doctests, benchmarks).

The frames the check reads are built for real by ``sources.register.prepare_register`` and
``sources.status.platform_input``; these builders give the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .model import DISPLAY_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["platform_frame", "register_frame"]


def register_frame(
    numbers: Sequence[str],
    dates: Sequence[object],
    *,
    status: Sequence[int] | None = None,
    accounts: Sequence[str | None] | None = None,
    b2b: Sequence[bool] | None = None,
    first_row: int = 5,
) -> pd.DataFrame:
    """A register input frame from plain lists (tests, doctests); dates may carry a time of day."""
    import numpy as np
    import pandas as pd

    from ...domain.invoice_number import keys_from_strings

    n = len(numbers)
    keys, _ = keys_from_strings(list(numbers))
    issued = pd.to_datetime(pd.Series(list(dates), dtype="object"))
    frame = pd.DataFrame({
        "key": keys,
        "row": np.arange(first_row, first_row + n),
        "issued": issued.to_numpy(dtype="datetime64[ns]"),
        "timed": (issued != issued.dt.normalize()).to_numpy(dtype=bool),
        "status": np.asarray(status if status is not None else [0] * n, dtype=np.int8),
        "b2b": np.asarray(b2b if b2b is not None else [False] * n, dtype=bool),
        "帳別": pd.array(list(accounts) if accounts is not None else [None] * n, dtype="string"),
        "發票號碼": pd.array(list(numbers), dtype="string"),
    })
    for col in DISPLAY_COLUMNS[1:-1]:
        frame[col] = pd.array([None] * n, dtype="string")
    frame["轉檔日"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    return frame


def platform_frame(
    numbers: Sequence[str],
    states: Sequence[int],
    dates: Sequence[object] | None = None,
    *,
    times: Sequence[object] | None = None,
    details: Sequence[str] | None = None,
    first_row: int = 7,
) -> pd.DataFrame:
    """A platform input frame from plain lists (tests, doctests)."""
    import numpy as np
    import pandas as pd

    from ...domain.invoice_number import keys_from_strings

    n = len(numbers)
    keys, _ = keys_from_strings(list(numbers))
    return pd.DataFrame({
        "key": keys,
        "state": np.asarray(states, dtype=np.int8),
        "date": pd.to_datetime(pd.Series(list(dates) if dates is not None else [None] * n, dtype="object"))
        .dt.normalize().to_numpy(dtype="datetime64[ns]"),
        "time": pd.to_datetime(pd.Series(list(times) if times is not None else [None] * n, dtype="object"))
        .to_numpy(dtype="datetime64[ns]"),
        "detail": pd.array(list(details) if details is not None else [""] * n, dtype="string"),
        "row": np.arange(first_row, first_row + n),
    })
