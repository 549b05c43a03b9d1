"""CSV that is safe to open in a spreadsheet: every CSV rapport writes for people goes through here.

The warehouse stores text exactly as the export gave it, formulas included (DESIGN section 7).
A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets when the file is opened ("CSV injection"), so on the way
out such a cell gets a leading apostrophe, which spreadsheets show as text. Plain numbers
("-5", "+1.5e3") are left alone. Only CSV meant for people (metrics, reports, downloads) goes
through here; the loader's own bulk transfer to the warehouse (`pipelines.merge`) must not.

    from pipelines.csvsafe import neutralise, to_csv, writer
    text = to_csv(frame)                      # a DataFrame, neutralised, as CSV text
    with open(path, "w", newline="") as f:
        w = writer(f); w.writerow(row)        # csv.writer that neutralises every cell
"""
from __future__ import annotations

import csv
import re
from typing import IO, TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import pandas as pd

# The characters that make a spreadsheet evaluate a cell, with their full-width twins.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_dangerous(value: Any) -> bool:
    """True for text that a spreadsheet would run as a formula."""
    if not isinstance(value, str) or not value:
        return False
    stripped = value.lstrip(" ")  # spreadsheets skip leading spaces before a formula
    return stripped.startswith(TRIGGERS) and not _NUMBER.match(stripped)


def neutralise(value: Any) -> Any:
    """The value to write in a CSV cell: dangerous text gets a leading apostrophe."""
    return "'" + value if is_dangerous(value) else value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of a row, neutralised."""
    return [neutralise(v) for v in row]


def neutralise_frame(frame: "pd.DataFrame") -> "pd.DataFrame":
    """A copy of a DataFrame whose text cells and column names are neutralised."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) if isinstance(c, str) else c for c in out.columns]
    for column in out.columns:
        series = out[column]
        if series.dtype == object or str(series.dtype).startswith("str"):
            out[column] = series.map(neutralise)
    return out


def to_csv(frame: "pd.DataFrame", path_or_buf: Any = None, **kwargs: Any) -> str | None:
    """`DataFrame.to_csv` on the neutralised frame (index off unless asked)."""
    kwargs.setdefault("index", False)
    return neutralise_frame(frame).to_csv(path_or_buf, **kwargs)


class _SafeWriter:
    """A `csv.writer` whose rows are neutralised."""

    def __init__(self, inner: Any):
        self._inner = inner

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._inner.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self) -> Any:
        return self._inner.dialect


def writer(f: IO[str], **kwargs: Any) -> _SafeWriter:
    """Like `csv.writer(f, **kwargs)`, neutralising every cell."""
    return _SafeWriter(csv.writer(f, **kwargs))


class DictWriter(csv.DictWriter):
    """Like `csv.DictWriter`, neutralising every cell and the header."""

    def writeheader(self) -> Any:
        return self.writer.writerow(neutralise_row(self.fieldnames))

    def _dict_to_list(self, rowdict: Any) -> Any:  # the one place csv turns a dict into cells
        return neutralise_row(super()._dict_to_list(rowdict))
