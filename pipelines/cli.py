"""The rapport command line: load · check · metrics · report · dashboard · demo.

Every command accepts `--db URL` (else RAPPORT_DB_URL, else duckdb:///rapport.duckdb).
Heavy libraries (Great Expectations, Streamlit, plotly) are imported inside the commands
that need them, so that the CLI starts fast; the CLI itself is plain click.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, NoReturn, Optional, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class _Commands(click.Group):
    """The command group: commands in declared order with their whole first line of help,
    and the help on stdout (exit code 2) when no command is given."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(2)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.commands[name].get_short_help_str(limit=200))
                for name in self.list_commands(ctx) if not self.commands[name].hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Commands, no_args_is_help=True,
             help="rapport: are we building relationships, or only collecting an audience?")
def app() -> None:
    """The `rapport` group; each command does its own work."""


def _exit(code: int) -> NoReturn:
    """End the command with `code` as the process exit code."""
    raise click.exceptions.Exit(code)


def db_option(command: F) -> F:
    """The `--db URL` option every warehouse command takes."""
    return click.option("--db", "db", default=None, help="SQLAlchemy URL of the warehouse "
                        "(default: $RAPPORT_DB_URL, else duckdb:///rapport.duckdb).")(command)


def week_option(command: F) -> F:
    """The `--week` option: an ISO week, default the latest complete week with data."""
    return click.option("--week", "week", default=None, help="ISO week like 2026-W46 "
                        "(default: the latest complete week with data).")(command)


PATH = click.Path(path_type=Path)


@app.command("metrics")
@week_option
@click.option("--weeks", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many weeks ending with --week.")
@click.option("--platform", default=None, help="Only this platform.")
@click.option("--account", default=None, help="Only this account of ours (a person_id).")
@click.option("--format", "fmt", default="table", show_default=True, help="json, csv or table.")
@click.option("--signals", is_flag=True, default=False,
              help="Print divergence signals instead of metrics.")
@db_option
def metrics_command(week: Optional[str], weeks: int, platform: Optional[str],
                    account: Optional[str], fmt: str, signals: bool, db: Optional[str]) -> None:
    """Print every metric of the catalog for the N weeks ending with --week."""
    from metrics.cli import run_metrics

    _exit(run_metrics(week=week, weeks=weeks, platform=platform, account=account,
                      fmt=fmt, signals=signals, db=db))


@app.command("report")
@click.option("--out", type=PATH, required=True,
              help="Where to write the report: FILE.pdf or FILE.pptx.")
@week_option
@click.option("--weeks", type=click.IntRange(min=1), default=12, show_default=True,
              help="How many weeks the trend charts show.")
@click.option("--platform", default=None, help="Only this platform.")
@click.option("--include-names", is_flag=True, default=False, help="Name people by handle "
              "(internal use); by default people appear only as counts.")
@db_option
def report_command(out: Path, week: Optional[str], weeks: int, platform: Optional[str],
                   include_names: bool, db: Optional[str]) -> None:
    """Write the executive report (CEO/CFO pack) for a week as a PDF or as slides."""
    from dashboard.report.cli import run_report

    _exit(run_report(out, week=week, weeks=weeks, platform=platform,
                     include_names=include_names, db=db))


@app.command("load")
@click.argument("paths", nargs=-1, required=True, type=PATH,
                help="Export files, folders or zips to load.")
@click.option("--ours", multiple=True, help="Also count PLATFORM:HANDLE as ours "
              "(repeatable), e.g. --ours twitter:@acme.")
@db_option
def load_command(paths: tuple[Path, ...], ours: tuple[str, ...], db: Optional[str]) -> None:
    """Detect each export's format and load it; print a summary per file."""
    from pipelines.load_cli import run_load

    _exit(run_load(list(paths), ours=list(ours), db=db))


@app.command("check")
@week_option
@click.option("--format", "fmt", default="table", show_default=True, help="table or json.")
@click.option("--all", "show_passed", is_flag=True, default=False,
              help="Also list the checks that passed.")
@db_option
def check_command(week: Optional[str], fmt: str, show_passed: bool, db: Optional[str]) -> None:
    """Run the data quality checks on what is loaded; exit 1 when an error-level check fails."""
    from pipelines.quality.cli import run_check

    _exit(run_check(week=week, db=db, fmt=fmt, show_passed=show_passed))


@app.command("team")
@db_option
def team_command(db: Optional[str]) -> None:
    """Apply the team file (rapport.toml) to people.is_ours without reloading anything."""
    from pipelines.team_cli import run_team

    _exit(run_team(db))


def port_option(command: F) -> F:
    """The `--port` option of the commands that serve the dashboard."""
    return click.option("--port", type=int, default=8501, show_default=True,
                        help="Port to serve on (127.0.0.1 only).")(command)


@app.command("dashboard")
@port_option
@db_option
def dashboard_command(port: int, db: Optional[str]) -> None:
    """Serve the dashboard on http://127.0.0.1:PORT."""
    from pipelines.serve import serve_dashboard

    _exit(serve_dashboard(port=port, db=db))


@app.command("demo")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the dashboard after loading.")
@port_option
@db_option
def demo_command(serve: bool, port: int, db: Optional[str]) -> None:
    """Build the bundled demo workspace (a year of data), load it, and serve the dashboard."""
    from pipelines.serve import load_demo, serve_dashboard

    code = load_demo(db=db)
    if code or not serve:
        _exit(code)
    _exit(serve_dashboard(port=port, db=db))


@app.command("bench")
@click.option("--sizes", default="1000000,10000000", show_default=True,
              help="Numbers of interactions, comma-separated.")
@click.option("--out", type=PATH, default=Path("bench-results/bench.json"), show_default=True,
              help="JSON file to write.")
@click.option("--work", type=PATH, default=Path("bench-results/work"), show_default=True,
              help="Folder for the generated CSVs (kept) and warehouses.")
@click.option("--skip-postgres", is_flag=True, default=False, help="Do not measure PostgreSQL.")
@click.option("--skip-dashboard", is_flag=True, default=False,
              help="Do not measure the dashboard in Chromium.")
@click.option("--catalog-runs", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs of the catalog (the median is kept).")
@click.option("--startup-runs", type=click.IntRange(min=1), default=5, show_default=True,
              help="Runs of each start-up command (the median is kept).")
@click.option("--pg-timeout", type=float, default=900, show_default=True,
              help="Seconds after which a PostgreSQL stage is stopped and recorded as such.")
def bench_command(sizes: str, out: Path, work: Path, skip_postgres: bool, skip_dashboard: bool,
                  catalog_runs: int, startup_runs: int, pg_timeout: float) -> None:
    """Benchmark load, catalog, weekly check and start-up at each size; print and write JSON."""
    from pipelines.bench.cli import run_bench_command

    _exit(run_bench_command(sizes, out, work, skip_postgres, skip_dashboard,
                            catalog_runs, startup_runs, pg_timeout))


@app.command("forget")
@click.argument("persons", nargs=-1, metavar="[PERSON]...", help="People to erase everywhere: "
                "a person_id (twitter:12345) or PLATFORM:@HANDLE.")
@click.option("--quarantine-older-than", type=click.IntRange(min=0), default=None,
              metavar="DAYS", help="Also delete quarantined records older than DAYS days.")
@click.option("--retention", is_flag=True, default=False, help="Apply the retention "
              "section's quarantine_days from the team file (rapport.toml).")
@db_option
def forget_command(persons: tuple[str, ...], quarantine_older_than: Optional[int],
                   retention: bool, db: Optional[str]) -> None:
    """Erase people everywhere (rows, quarantine, files), or apply the quarantine retention."""
    from pipelines.retention import run_forget

    _exit(run_forget(list(persons), quarantine_older_than=quarantine_older_than,
                     retention=retention, db=db))


def _end_without_teardown(status: list[int]) -> None:
    """Registered first, so it runs after every other exit handler: flush, then end the process.

    DuckDB's bindings (nanobind) check at interpreter teardown that their objects were freed.
    Once Great Expectations has been imported beside duckdb-engine, some module globals outlive
    that check, and every load ended with forty lines of "nanobind: leaked ..." on stderr
    (typing's caches, nanobind's documented culprit, are not the only holder here). The command
    is over by then: the threads have been joined, the exit handlers (logging, executors) have
    run and the connections are closed. Only the teardown of module globals is skipped; the
    operating system frees the memory.
    """
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the reader has gone
            pass
    os._exit(status[0])


def main() -> None:
    import atexit

    status = [1]
    atexit.register(_end_without_teardown, status)
    try:
        app()
    except SystemExit as stop:
        code = stop.code
        status[0] = 0 if code is None else code if isinstance(code, int) else 1
        raise


if __name__ == "__main__":
    main()
