"""`rapport metrics`: print every metric of the catalog (or the divergence signals).

Output contract (DESIGN §6): `--format json` prints a JSON list of objects with week, metric,
family, label, unit and value (null where undefined); csv has the same columns, its text cells
neutralised against formula injection; table is aligned for reading. The metrics are formatted
from plain records, so the command runs without importing pandas (only --signals needs it).
"""
from __future__ import annotations

import io
import json
import math
import os
import sys
from typing import Any, Mapping, Sequence

from metrics import api
from metrics import catalog as cat
from metrics.weeks import WeekError, parse_week
from pipelines import csvsafe, warehouse

FORMATS = ("json", "csv", "table")


def _plain(value: object) -> object:
    """A JSON-ready value: NaN and None become null, numpy numbers become Python ones."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


Records = Sequence[Mapping[str, Any]]


def to_json(records: Records) -> str:
    """The records as a JSON list of objects (null where undefined)."""
    plain = [{k: _plain(v) for k, v in row.items()} for row in records]
    return json.dumps(plain, indent=2, ensure_ascii=False)


def to_csv(records: Records, columns: Sequence[str]) -> str:
    """The records as CSV with these columns, through `pipelines.csvsafe`: text that a
    spreadsheet would run as a formula gets a quote, numbers are written as they are."""
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in records:
        writer.writerow(["" if _plain(row[c]) is None else _plain(row[c]) for c in columns])
    return out.getvalue()


def _shown(m: cat.Metric, value: object) -> str:
    value = _plain(value)
    if value is None:
        return "—"
    try:
        return m.fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def to_table(records: Records) -> str:
    """Metrics as rows, weeks as columns, each value in its metric's format."""
    weeks = list(dict.fromkeys(r["week"] for r in records))
    values = {(r["week"], r["metric"]): r["value"] for r in records}
    header = ["family", "metric", *weeks]
    rows = [[m.family, m.name, *(_shown(m, values.get((w, m.name))) for w in weeks)]
            for m in cat.CATALOG]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(str(h).ljust(w) if i < 2 else str(h).rjust(w)
                       for i, (h, w) in enumerate(zip(header, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def signals_table(records: Records) -> str:
    """Divergence signals, one per line, flagged ones marked."""
    if not records:
        return "no signals (not enough weeks of data)"
    return "\n".join(f"{r['week']}  {'FLAG' if r['flagged'] else '    '}  {r['message']}"
                     for r in records)


def out_of_memory(exc: BaseException) -> str | None:
    """What to say when DuckDB ran out of the memory it may use, else None."""
    if type(getattr(exc, "orig", exc)).__name__ != "OutOfMemoryException":
        return None
    bound = os.environ.get(warehouse.READ_MEMORY_ENV, "").strip()
    advice = (f"raise {warehouse.READ_MEMORY_ENV} (it is {bound}) or unset it" if bound else
              f"set {warehouse.READ_MEMORY_ENV} (like 2GB) so that it spills to disk instead")
    return f"DuckDB ran out of memory computing the metrics: {advice}"


def run_metrics(week: str | None, weeks: int, platform: str | None, account: str | None,
                fmt: str, signals: bool, db: str | None) -> int:
    """Print the metrics (or signals) and return the exit code (2 for bad input)."""
    if fmt not in FORMATS:
        print(f"error: unknown --format {fmt!r}: expected one of {', '.join(FORMATS)}",
              file=sys.stderr)
        return 2
    if weeks < 1:
        print(f"error: --weeks must be at least 1, not {weeks}", file=sys.stderr)
        return 2
    try:
        if week is None:
            week = api.default_week(db)
            if week is None:
                print("error: no interactions loaded, so there is no default week: "
                      "pass --week like 2026-W46 or load data first", file=sys.stderr)
                return 2
        parse_week(week)
        if signals:
            records = api.signals(db, week, weeks, platform, account).to_dict("records")
            columns = api.SIGNAL_COLUMNS
        else:
            records = api.compute_records(db, week, weeks, platform, account)
            columns = api.COLUMNS
    except (WeekError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        message = out_of_memory(exc)
        if not message:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    if fmt == "json":
        print(to_json(records))
    elif fmt == "csv":
        sys.stdout.write(to_csv(records, columns))
    else:
        print(signals_table(records) if signals else to_table(records))
    return 0
