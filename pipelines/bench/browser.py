"""The dashboard's weekly page in a real browser: `rapport dashboard` and headless Chromium.

Ready means everything the weekly page shows is drawn: Streamlit's script has finished (the
app's `data-test-script-state` is `notRunning`), every metric tile has its figure and its
sparkline image decoded, every sparkline image on the page is decoded, the funnel is there and
any plotly chart has drawn its SVG. Cold is the first visit after the server starts (imports,
first queries); warm is a fresh browser page after that (the app's caches filled), in a new
browser context each time, so with nothing cached; returning is a new page in a browser context
that has visited once before, as a user's own browser is, with Streamlit's scripts in its cache.

The weekly page is the app's default page, served at the root (and at `/weekly`, the same
script). `bare_page` serves a title and one metric the same way: what Streamlit itself costs.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipelines.bench.measure import BenchError, bench_env, median, rapport_command

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHART = "img.spark"  # the sparklines: static SVG images, one per metric
DRAWN = """() => {
  if (!document.querySelector('%s')) return false;
  const tiles = [...document.querySelectorAll('.result-tile')];
  const sparks = [...document.querySelectorAll('%s')];
  const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return tiles.length > 0 && document.querySelector('.funnel') !== null
    && tiles.every(t => t.querySelector('.result-value') && t.querySelector('%s'))
    && sparks.every(i => i.complete && i.naturalHeight > 0)
    && plots.every(p => p.querySelector('svg.main-svg'));
}""" % (READY, CHART, CHART)


def available() -> str | None:
    """Why the browser measurement cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"rapport dashboard exited with {server.returncode} before serving")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"rapport dashboard did not answer on port {port} within {timeout:.0f} s")


VIEWPORT = {"width": 1400, "height": 1000}


def _visit(opener, url: str, ready: str = DRAWN, timeout_ms: int = 120_000) -> float:
    """Seconds from navigation to the page being ready, in a fresh page of `opener`: the browser
    (each page in a new context, nothing cached) or one context (pages share its HTTP cache)."""
    page = opener.new_page(**({} if hasattr(opener, "browser") else {"viewport": VIEWPORT}))
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        page.wait_for_function(ready, timeout=timeout_ms)
        return time.perf_counter() - started
    finally:
        page.close()


def _stop(server: subprocess.Popen) -> None:
    """Stop `rapport dashboard` and the `streamlit run` it started (one process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):  # the second for whatever is left of it
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    server.wait()


BARE_APP = """import streamlit as st
st.title("Weekly check")
st.metric("Two-way conversations", "1,234", delta="+12")
"""
BARE_READY = """() => document.querySelector('%s') !== null
  && document.querySelector('[data-testid="stMetric"]') !== null""" % READY


def _measure(argv: list[str], cwd: Path, ready: str, path: str, warm_visits: int,
             env: dict[str, str] | None = None) -> dict:
    """Serve argv (it takes --port after it), then time a cold visit and `warm_visits` warm ones."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen([*argv, str(port)], cwd=cwd, env=env or bench_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        started = time.perf_counter()
        _wait_healthy(port, server)
        serving = time.perf_counter() - started
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                url = f"http://127.0.0.1:{port}/{path}"
                cold = _visit(browser, url, ready)
                warm = [_visit(browser, url, ready) for _ in range(warm_visits)]
                returning = browser.new_context(viewport=VIEWPORT)  # has been here before
                _visit(returning, url, ready)  # fills its HTTP cache; not counted
                again = [_visit(returning, url, ready) for _ in range(warm_visits)]
            finally:
                browser.close()
    finally:
        _stop(server)
    return {"server_ready_seconds": serving, "cold_seconds": cold, "warm_seconds": median(warm),
            "warm_visits": warm, "returning_seconds": median(again), "returning_visits": again}


def weekly_page(db_url: str, cwd: Path, warm_visits: int = 3, path: str = "") -> dict:
    """Cold and warm (median) seconds until the weekly page is ready in Chromium (at the root,
    the app's default page, unless another `path` is given)."""
    argv = [*rapport_command(), "dashboard", "--db", db_url, "--port"]
    return _measure(argv, cwd, DRAWN, path, warm_visits)


def bare_page(folder: Path, warm_visits: int = 3) -> dict:
    """The same figures for a page of a title and one metric, served by `streamlit run` with the
    dashboard's configuration: what Streamlit itself costs in this browser on this machine."""
    app = folder / "bare_app.py"
    app.write_text(BARE_APP)
    root = Path(__file__).resolve().parents[2]  # where .streamlit/config.toml is
    argv = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.port"]
    return _measure(argv, root, BARE_READY, "", warm_visits)
