"""`rapport report`: write the executive report and say where it went and how long it took."""
from __future__ import annotations

import sys
from pathlib import Path

from dashboard.report import ReportFormatError, format_of, write_report


def run_report(out: Path, week: str | None = None, weeks: int = 12, platform: str | None = None,
               include_names: bool = False, db: str | None = None) -> int:
    """Write the report to `out`; 0 on success, 2 for a bad request, 1 when making it failed."""
    from dashboard.report.build import ReportError
    from dashboard.report.charts import ChartError
    from pipelines.warehouse import resolve_url

    try:
        fmt = format_of(out)
    except ReportFormatError as exc:
        print(f"rapport report: {exc}", file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(f"rapport report: the folder {str(out.parent)!r} does not exist: create it or "
              "choose another --out", file=sys.stderr)
        return 2
    try:
        timings = write_report(out, resolve_url(db), week, weeks, platform, include_names)
    except ReportError as exc:
        print(f"rapport report: {exc}", file=sys.stderr)
        return 2
    except ChartError as exc:
        print(f"rapport report: {exc}", file=sys.stderr)
        return 1
    names = " (with people's handles: internal use only)" if include_names else ""
    print(f"wrote the {fmt.upper()} report to {out}{names} in {timings['total']:.1f} s "
          f"(data {timings['gather']:.1f} s, charts {timings['charts']:.1f} s, "
          f"file {timings['write']:.1f} s)")
    return 0
