"""The rapport command line: load · check · metrics · report · dashboard · demo.

Every command accepts `--db URL` (else RAPPORT_DB_URL, else duckdb:///rapport.duckdb).
Heavy libraries (Great Expectations, Streamlit, plotly) are imported inside the commands
that need them, so that the CLI starts fast.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="rapport: are we building relationships, or only collecting an audience?",
)

DbOption = typer.Option(None, "--db", help="SQLAlchemy URL of the warehouse "
                        "(default: $RAPPORT_DB_URL, else duckdb:///rapport.duckdb).")


@app.command("metrics")
def metrics_command(
    week: Optional[str] = typer.Option(None, "--week", help="ISO week like 2026-W46 "
                                       "(default: the latest complete week with data)."),
    weeks: int = typer.Option(1, "--weeks", min=1, help="How many weeks ending with --week."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Only this platform."),
    account: Optional[str] = typer.Option(None, "--account", help="Only this account of ours (a person_id)."),
    fmt: str = typer.Option("table", "--format", help="json, csv or table."),
    signals: bool = typer.Option(False, "--signals", help="Print divergence signals instead of metrics."),
    db: Optional[str] = DbOption,
) -> None:
    """Print every metric of the catalog for the N weeks ending with --week."""
    from metrics.cli import run_metrics

    raise typer.Exit(run_metrics(week=week, weeks=weeks, platform=platform, account=account,
                                 fmt=fmt, signals=signals, db=db))


@app.command("report")
def report_command(
    out: Path = typer.Option(..., "--out", help="Where to write the report: FILE.pdf or FILE.pptx."),
    week: Optional[str] = typer.Option(None, "--week", help="ISO week like 2026-W46 "
                                       "(default: the latest complete week with data)."),
    weeks: int = typer.Option(12, "--weeks", min=1, help="How many weeks the trend charts show."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Only this platform."),
    include_names: bool = typer.Option(False, "--include-names", help="Name people by handle "
                                       "(internal use); by default people appear only as counts."),
    db: Optional[str] = DbOption,
) -> None:
    """Write the executive report (CEO/CFO pack) for a week as a PDF or as slides."""
    from dashboard.report.cli import run_report

    raise typer.Exit(run_report(out, week=week, weeks=weeks, platform=platform,
                                include_names=include_names, db=db))


@app.command("load")
def load_command(
    paths: list[Path] = typer.Argument(..., help="Export files, folders or zips to load."),
    ours: list[str] = typer.Option([], "--ours", help="Also count PLATFORM:HANDLE as ours "
                                   "(repeatable), e.g. --ours twitter:@acme."),
    db: Optional[str] = DbOption,
) -> None:
    """Detect each export's format and load it; print a summary per file."""
    from pipelines.load_cli import run_load

    raise typer.Exit(run_load(paths, ours=ours, db=db))


@app.command("check")
def check_command(
    week: Optional[str] = typer.Option(None, "--week", help="ISO week like 2026-W46 "
                                       "(default: the latest complete week with data)."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    show_passed: bool = typer.Option(False, "--all", help="Also list the checks that passed."),
    db: Optional[str] = DbOption,
) -> None:
    """Run the data quality checks on what is loaded; exit 1 when an error-level check fails."""
    from pipelines.quality.cli import run_check

    raise typer.Exit(run_check(week=week, db=db, fmt=fmt, show_passed=show_passed))


@app.command("team")
def team_command(db: Optional[str] = DbOption) -> None:
    """Apply the team file (rapport.toml) to people.is_ours without reloading anything."""
    from pipelines.team_cli import run_team

    raise typer.Exit(run_team(db))


@app.command("dashboard")
def dashboard_command(
    port: int = typer.Option(8501, "--port", help="Port to serve on (127.0.0.1 only)."),
    db: Optional[str] = DbOption,
) -> None:
    """Serve the dashboard on http://127.0.0.1:PORT."""
    from pipelines.serve import serve_dashboard

    raise typer.Exit(serve_dashboard(port=port, db=db))


@app.command("demo")
def demo_command(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the dashboard after loading."),
    port: int = typer.Option(8501, "--port", help="Port to serve on (127.0.0.1 only)."),
    db: Optional[str] = DbOption,
) -> None:
    """Build the bundled demo workspace (a year of data), load it, and serve the dashboard."""
    from pipelines.serve import load_demo, serve_dashboard

    code = load_demo(db=db)
    if code or not serve:
        raise typer.Exit(code)
    raise typer.Exit(serve_dashboard(port=port, db=db))


@app.command("bench")
def bench_command(
    sizes: str = typer.Option("1000000,10000000", "--sizes", help="Numbers of interactions, "
                              "comma-separated."),
    out: Path = typer.Option(Path("bench-results/bench.json"), "--out", help="JSON file to write."),
    work: Path = typer.Option(Path("bench-results/work"), "--work", help="Folder for the "
                              "generated CSVs (kept) and warehouses."),
    skip_postgres: bool = typer.Option(False, "--skip-postgres", help="Do not measure PostgreSQL."),
    skip_dashboard: bool = typer.Option(False, "--skip-dashboard", help="Do not measure the "
                                        "dashboard in Chromium."),
    catalog_runs: int = typer.Option(3, "--catalog-runs", min=1, help="Runs of the catalog "
                                     "(the median is kept)."),
    startup_runs: int = typer.Option(5, "--startup-runs", min=1, help="Runs of each start-up "
                                     "command (the median is kept)."),
    pg_timeout: float = typer.Option(900, "--pg-timeout", help="Seconds after which a "
                                     "PostgreSQL stage is stopped and recorded as such."),
) -> None:
    """Benchmark load, catalog, weekly check and start-up at each size; print and write JSON."""
    from pipelines.bench.cli import run_bench_command

    raise typer.Exit(run_bench_command(sizes, out, work, skip_postgres, skip_dashboard,
                                       catalog_runs, startup_runs, pg_timeout))


@app.command("forget")
def forget_command(
    persons: list[str] = typer.Argument(None, metavar="PERSON...", help="People to erase "
                                        "everywhere: a person_id (twitter:12345) or "
                                        "PLATFORM:@HANDLE."),
    quarantine_older_than: Optional[int] = typer.Option(
        None, "--quarantine-older-than", min=0, metavar="DAYS",
        help="Also delete quarantined records older than DAYS days."),
    retention: bool = typer.Option(False, "--retention", help="Apply the retention "
                                   "section's quarantine_days from the team file (rapport.toml)."),
    db: Optional[str] = DbOption,
) -> None:
    """Erase people everywhere (rows, quarantine, files), or apply the quarantine retention."""
    from pipelines.retention import run_forget

    raise typer.Exit(run_forget(persons or [], quarantine_older_than=quarantine_older_than,
                                retention=retention, db=db))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
