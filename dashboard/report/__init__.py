"""The executive report: a CEO/CFO pack as a PDF or as editable slides, from the warehouse.

    write_report(Path("w46.pdf"), url, week="2026-W46")      # or .pptx
    report_bytes("pdf", url, week="2026-W46")                  # for a download button

reportlab, python-pptx and kaleido are imported only when a report is made.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

FORMATS = {".pdf": "pdf", ".pptx": "pptx"}
MIME = {"pdf": "application/pdf",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}


class ReportFormatError(ValueError):
    """The output file's extension names no format the report is written in."""


def format_of(out: Path) -> str:
    """'pdf' or 'pptx' from the output file's extension, or ReportFormatError."""
    fmt = FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise ReportFormatError(f"cannot tell the report's format from {str(out)!r}: the file "
                                "name should end in .pdf or .pptx")
    return fmt


def write_report(out: Path, url: str, week: str | None = None, weeks: int = 12,
                 platform: str | None = None, include_names: bool = False,
                 tz: str | None = None) -> dict[str, float]:
    """Write the report to `out` (format from its extension); return the seconds per step."""
    out = Path(out)
    fmt = format_of(out)
    from dashboard.report.build import gather
    from dashboard.report.charts import render_png

    timings: dict[str, float] = {}
    started = time.perf_counter()
    report = gather(url, week, weeks, platform, include_names, tz)
    timings["gather"] = time.perf_counter() - started
    mark = time.perf_counter()
    images = render_png(list(report.charts.values()))
    timings["charts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if fmt == "pdf":
        from dashboard.report.pdf import write_pdf

        write_pdf(report, images, out)
    else:
        from dashboard.report.pptx import write_pptx

        write_pptx(report, images, out)
    timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return timings


def report_bytes(fmt: str, url: str, week: str | None = None, weeks: int = 12,
                 platform: str | None = None, include_names: bool = False,
                 tz: str | None = None) -> bytes:
    """The report as bytes in `fmt` ('pdf' or 'pptx')."""
    if fmt not in MIME:
        raise ReportFormatError(f"unknown report format {fmt!r}: expected pdf or pptx")
    with tempfile.TemporaryDirectory(prefix="rapport-report-") as folder:
        out = Path(folder) / f"report.{fmt}"
        write_report(out, url, week, weeks, platform, include_names, tz)
        return out.read_bytes()
