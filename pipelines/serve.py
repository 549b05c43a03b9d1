"""`rapport demo` and `rapport dashboard`: load the bundled demo, serve the Streamlit app."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from pipelines.warehouse import absolute_url, resolve_url

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def load_demo(db: str | None = None) -> int:
    """Write the demo CSVs to a temporary folder and load them; prints the load summary."""
    from pipelines.demo import write_demo
    from pipelines.load import load_paths
    from pipelines.load_cli import format_summary
    from pipelines.publish import LoaderBusy

    url = resolve_url(db)
    with tempfile.TemporaryDirectory(prefix="rapport-demo-") as tmp:
        folder = Path(tmp)
        counts = write_demo(folder)
        click.echo(f"demo workspace: {', '.join(f'{n} {t}' for t, n in counts.items())}")
        try:
            summaries = load_paths([folder], url)
        except LoaderBusy as exc:
            click.echo(f"rapport demo: {exc}", err=True)
            return 3
    click.echo(format_summary(summaries))
    click.echo(f"loaded into {url}")
    return 1 if any(s.status == "refused" for s in summaries) else 0


def serve_dashboard(port: int = 8501, db: str | None = None) -> int:
    """Run `streamlit run dashboard/app.py` bound to 127.0.0.1; returns its exit code.

    The app runs from the project's folder, so a DuckDB file named relative to the caller's
    folder is passed to it as an absolute path."""
    url = absolute_url(resolve_url(db))
    env = {**os.environ, "RAPPORT_DB_URL": url}
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP),
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    click.echo(f"rapport dashboard on http://127.0.0.1:{port} (warehouse {url}); Ctrl+C stops it")
    try:
        return subprocess.call(cmd, env=env, cwd=str(APP.parents[1]))
    except KeyboardInterrupt:
        return 0
