"""`rapport metrics`: print every metric of the catalog (or the divergence signals).

Output contract (DESIGN §6): `--format json` prints a JSON list of objects with week, metric,
family, label, unit and value (null where undefined); csv has the same columns, its text cells
neutralised against formula injection; table is aligned for reading.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys

import pandas as pd

from metrics import api
from metrics import catalog as cat
from metrics.weeks import WeekError, parse_week

FORMATS = ("json", "csv", "table")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with a quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


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


def to_json(frame: pd.DataFrame) -> str:
    """The frame as a JSON list of objects (null where undefined)."""
    records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    return json.dumps(records, indent=2, ensure_ascii=False)


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV, text cells neutralised (=, +, -, @ at the start get a quote)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(["" if _plain(v) is None else neutralise(_plain(v)) for v in row])
    return out.getvalue()


def _shown(m: cat.Metric, value: object) -> str:
    value = _plain(value)
    if value is None:
        return "—"
    try:
        return m.fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def to_table(frame: pd.DataFrame) -> str:
    """Metrics as rows, weeks as columns, each value in its metric's format."""
    weeks = list(dict.fromkeys(frame["week"]))
    values = {(r.week, r.metric): r.value for r in frame.itertuples(index=False)}
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


def signals_table(frame: pd.DataFrame) -> str:
    """Divergence signals, one per line, flagged ones marked."""
    if frame.empty:
        return "no signals (not enough weeks of data)"
    return "\n".join(f"{r.week}  {'FLAG' if r.flagged else '    '}  {r.message}"
                     for r in frame.itertuples(index=False))


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
            frame = api.signals(db, week, weeks, platform, account)
        else:
            frame = api.compute(db, week, weeks, platform, account)
    except (WeekError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if fmt == "json":
        print(to_json(frame))
    elif fmt == "csv":
        sys.stdout.write(to_csv(frame))
    else:
        print(signals_table(frame) if signals else to_table(frame))
    return 0
