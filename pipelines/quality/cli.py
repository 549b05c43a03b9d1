"""The printed side of `rapport check`: run the warehouse checks, print a table, choose the exit code.

Exit codes: 0 when no error-level check failed (warnings are printed, not fatal); 1 when an
error-level check failed; 2 when an error-level check could not run (or there is nothing to
check), since an unknown verdict is not a pass; 3 when a load holds the warehouse.
"""
from __future__ import annotations

import json
from datetime import datetime

import click

from pipelines.quality.runner import CheckRun, NoWarehouse, run_checks
from pipelines.quality.warehouse_checks import Result

_STATUS_ORDER = {"could_not_run": 0, "failed": 1, "passed": 2}
_SEVERITY_ORDER = {"error": 0, "warning": 1}


def _example(result: Result) -> str:
    if result.status == "could_not_run":
        return str((result.details or {}).get("error", ""))
    shown = ", ".join(result.offending[:3])
    more = len(result.offending) - 3
    return shown + (f" (+{more} more listed)" if more > 0 else "")


def format_run(run: CheckRun, show_passed: bool = False) -> str:
    """The results as an aligned text table, problems first."""
    rows = sorted(run.results, key=lambda r: (_STATUS_ORDER.get(r.status, 9),
                                              _SEVERITY_ORDER.get(r.severity, 9), r.check,
                                              r.platform or ""))
    failed = [r for r in rows if r.status == "failed"]
    crashed = [r for r in rows if r.status == "could_not_run"]
    errors = sum(1 for r in failed if r.severity == "error")
    head = (f"rapport check: week {run.week}: {len(rows)} results, {len(failed)} failed "
            f"({errors} error), {len(crashed)} could not run, {run.seconds:.2f} s")
    shown = rows if show_passed else [r for r in rows if r.status != "passed"]
    table = [("severity", "status", "check", "platform", "observed", "offending / error")]
    for r in shown:
        status = r.status.replace("_", " ")
        table.append((r.severity, status.upper() if r.severity == "error" and r.status != "passed"
                      else status, r.check, r.platform or "-",
                      "" if r.observed is None else str(r.observed), _example(r)[:100]))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    lines = [head, ""] if shown else [head]
    for row in table if shown else []:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row[:5], widths)) + "  " + row[5])
    passed = len(rows) - len(failed) - len(crashed)
    if not show_passed:
        lines.append(f"{'' if not shown else chr(10)}{passed} passed (--all lists them)")
    return "\n".join(lines)


def exit_code(run: CheckRun) -> int:
    """1 when an error-level check failed, 2 when one could not run, else 0."""
    if run.errors_failed:
        return 1
    if any(r.severity == "error" for r in run.could_not_run):
        return 2
    return 0


def run_check(*, week: str | None, db: str | None, fmt: str = "table", show_passed: bool = False,
              now: datetime | None = None) -> int:
    """`rapport check`: returns the exit code."""
    from metrics.weeks import WeekError, parse_week
    from pipelines.publish import LoaderBusy

    if fmt not in ("table", "json"):
        raise click.BadParameter(f"--format {fmt!r}: expected table or json")
    if week is not None:
        try:
            parse_week(week)
        except WeekError as exc:
            raise click.BadParameter(str(exc)) from None
    try:
        run = run_checks(db, week, now=now)
    except NoWarehouse as exc:
        click.echo(f"rapport check: {exc}", err=True)
        return 2
    except LoaderBusy as exc:
        click.echo(f"rapport check: {exc}", err=True)
        return 3
    if fmt == "json":
        click.echo(json.dumps([{"week": run.week, "check": r.check, "platform": r.platform,
                                "severity": r.severity, "status": r.status, "observed": r.observed,
                                "offending": r.offending, "details": r.details}
                               for r in run.results], default=str, indent=1))
    else:
        click.echo(format_run(run, show_passed))
    return exit_code(run)
