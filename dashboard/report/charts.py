"""The dashboard's own plotly figures as PNG images, drawn offline by kaleido with Chromium.

Nothing is fetched: plotly.js comes from the installed plotly package, MathJax is off, and the
browser is pointed at a proxy that does not exist, so any network request fails instead of
leaving the machine. The browser is Debian's Chromium (`RAPPORT_CHROMIUM`, else `BROWSER_PATH`,
else /usr/bin/chromium); kaleido is never asked to download one.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
NO_NETWORK_PROXY = "127.0.0.1:9"  # the discard port: every request made through it fails
RENDER_TIMEOUT_SECONDS = 90


class ChartError(RuntimeError):
    """The charts could not be drawn (no browser, or the browser failed)."""


@dataclass(frozen=True)
class Chart:
    """A figure to draw and how big: width and height in CSS pixels at scale 1."""

    key: str
    title: str
    figure: go.Figure
    width: int = 1000
    height: int = 380


PRINT_FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def for_print(fig: go.Figure) -> go.Figure:
    """A copy of a dashboard figure for paper: its title moves into the page's own text (so it
    cannot collide with the legend), and fonts name what a server has installed."""
    printed = go.Figure(fig)
    printed.update_layout(title=None, font_family=PRINT_FONT,
                          margin=dict(t=36 if printed.layout.showlegend is not False else 8))
    return printed


def chromium_path() -> str:
    """The Chromium to draw with, or ChartError saying how to provide one."""
    for name in ("RAPPORT_CHROMIUM", "BROWSER_PATH"):
        chosen = os.environ.get(name)
        if chosen:
            if Path(chosen).is_file() and os.access(chosen, os.X_OK):
                return chosen
            raise ChartError(f"{name}={chosen!r} is not an executable file: point it at a "
                             "Chromium or Chrome binary (Debian: apt-get install chromium)")
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise ChartError("the report draws its charts with Chromium, which was not found: install "
                     "it (Debian: apt-get install chromium) or set RAPPORT_CHROMIUM to its path")


def _plotly_js() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ChartError(f"plotly.js is missing from the installed plotly package ({path}); "
                         "reinstall plotly")
    return path


async def _render(charts: list[Chart], scale: float, browser: str) -> list[bytes]:
    import kaleido

    async with kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_SECONDS, plotlyjs=str(_plotly_js()),
                               mathjax=False, path=browser,
                               proxy_server=NO_NETWORK_PROXY) as k:
        return [await k.calc_fig(for_print(c.figure), opts=dict(format="png", width=c.width,
                                                     height=c.height, scale=scale))
                for c in charts]


def render_png(charts: list[Chart], scale: float = 1.6) -> dict[str, bytes]:
    """PNG bytes of each chart, by key, drawn in one browser session."""
    if not charts:
        return {}
    browser = chromium_path()
    try:
        images = asyncio.run(_render(charts, scale, browser))
    except ChartError:
        raise
    except Exception as exc:  # kaleido and choreographer raise many kinds
        raise ChartError(f"drawing the report's charts with {browser} failed: {exc}") from exc
    return {c.key: image for c, image in zip(charts, images)}
