"""Two download buttons for the executive report (PDF and slides), for any dashboard page.

    from dashboard.report.widget import report_downloads
    report_downloads(view.url, view.week, view.platform, tz=view.tz, version=view.version)

The files are made only when a button is clicked (Streamlit runs the callable then), charts
drawn once for both formats and kept until the data version changes. People appear as counts.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from dashboard.report import MIME

CACHE_SECONDS = 600


@st.cache_data(ttl=CACHE_SECONDS, max_entries=16, show_spinner=False)
def report_files(url: str, week: str, platform: str | None, tz: str | None,
                 version: tuple = ()) -> dict[str, bytes]:
    """The report as PDF and PPTX bytes, gathered and drawn once (`version` keys the cache)."""
    from dashboard.report.build import gather
    from dashboard.report.charts import render_png
    from dashboard.report.pdf import write_pdf
    from dashboard.report.pptx import write_pptx

    report = gather(url, week, platform=platform, tz=tz)
    images = render_png(list(report.charts.values()))
    with tempfile.TemporaryDirectory(prefix="rapport-report-") as folder:
        pdf, pptx = Path(folder) / "report.pdf", Path(folder) / "report.pptx"
        write_pdf(report, images, pdf)
        write_pptx(report, images, pptx)
        return {"pdf": pdf.read_bytes(), "pptx": pptx.read_bytes()}


def file_name(week: str, platform: str | None, fmt: str) -> str:
    """rapport-2026-W46[-linkedin].pdf"""
    return f"rapport-{week}{'-' + platform if platform else ''}.{fmt}"


def report_downloads(url: str, week: str, platform: str | None = None, tz: str | None = None,
                     version: tuple = ()) -> None:
    """Draw the two download buttons side by side."""
    labels = {"pdf": ("Executive report (PDF)", ":material/picture_as_pdf:"),
              "pptx": ("Slides (PowerPoint)", ":material/slideshow:")}
    for column, (fmt, (label, icon)) in zip(st.columns(2, gap="small"), labels.items()):
        with column:
            st.download_button(
                label, data=lambda fmt=fmt: report_files(url, week, platform, tz, version)[fmt],
                file_name=file_name(week, platform, fmt), mime=MIME[fmt], icon=icon,
                key=f"report_download_{fmt}", on_click="ignore",
                help="The CEO/CFO pack for this week and platform: outcomes first, social ROI, "
                     "12-week trends, harm, data quality and definitions. People appear only "
                     "as counts. Takes a few seconds to draw the charts.")
