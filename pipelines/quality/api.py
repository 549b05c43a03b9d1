"""Read the stored check results: for the dashboard's Data quality page and the report.

All functions open a short-lived read-only connection, run one small query in the engine and
return a pandas DataFrame (empty, with its columns, when nothing is stored yet). None imports
Great Expectations. Columns of result frames:

  week, platform, check, severity, status, observed, offending (list), details (dict),
  checked_at, load_id, description

`platform` is None for a check that concerns every platform (mixed currencies) or a week
without rows; such a result applies to every platform's figures.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pipelines.warehouse import duckdb_path, is_duckdb, loads, make_engine, quality_results, resolve_url

RESULT_COLUMNS = ["week", "platform", "check", "severity", "status", "observed", "offending",
                  "details", "checked_at", "load_id", "description"]
HEALTH_COLUMNS = ["week", "platform", "health", "errors_failed", "warnings_failed",
                  "could_not_run", "failed_checks", "checked_at"]


def checks_catalog() -> pd.DataFrame:
    """Every check rapport runs: name, table, severity, where it runs (scope), description."""
    from pipelines.quality.suites import all_checks
    from pipelines.quality.warehouse_checks import cross_row_checks

    rows = [(c.name, c.table, c.severity, c.scope, c.description) for c in all_checks()]
    rows += [(c.name, c.name.split(".")[0], c.severity, "warehouse", c.description)
             for c in cross_row_checks()]
    rows += [(f"{t}.{name}", t, severity, "load", text) for t in _TABLES
             for name, severity, text in _LOADER_CHECKS]
    return pd.DataFrame(rows, columns=["check", "table", "severity", "scope", "description"])


_TABLES = ("people", "interactions", "audience_daily", "referrals", "costs")
_LOADER_CHECKS = (
    ("values_parse", "error", "every value parses as its column's type (times with an offset)"),
    ("csv_well_formed", "error", "every line of a canonical CSV is a well-formed record"),
    ("known_columns", "warning", "a canonical CSV has no column rapport does not know"),
    ("gx_suite", "error", "Great Expectations ran on a sample of the load and agrees with the "
                          "loader's rules"),
)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _engine(url: str | None) -> sa.Engine | None:
    url = resolve_url(url)
    if is_duckdb(url) and duckdb_path(url) != ":memory:" and not Path(duckdb_path(url)).exists():
        return None
    return make_engine(url, read_only=True)


def _read(url: str | None, query: sa.Select) -> list[Any] | None:
    engine = _engine(url)
    if engine is None:
        return None
    try:
        with engine.connect() as conn:
            return conn.execute(query).all()
    except sa.exc.DBAPIError as exc:
        if _missing_table(exc):
            return None
        raise
    finally:
        engine.dispose()


def _missing_table(exc: Exception) -> bool:
    text = str(exc).lower()
    return "quality_results" in text and ("does not exist" in text or "no such table" in text)


def _frame(rows: list[Any] | None) -> pd.DataFrame:
    if not rows:
        return _empty(RESULT_COLUMNS)
    described = dict(checks_catalog()[["check", "description"]].itertuples(index=False))
    frame = pd.DataFrame([{
        "week": r.week, "platform": r.platform, "check": r.check, "severity": r.severity,
        "status": r.status, "observed": r.observed,
        "offending": json.loads(r.offending) if r.offending else [],
        "details": json.loads(r.details) if r.details else {},
        "checked_at": r.checked_at, "load_id": r.load_id,
        "description": described.get(r.check),
    } for r in rows], columns=RESULT_COLUMNS, dtype=object)  # object: None stays None
    return frame


def _latest_per_check(week: str | None = None, platform: str | None = None) -> sa.Select:
    q = quality_results
    ranked = sa.select(
        q, sa.func.row_number().over(partition_by=(q.c.week, q.c.platform, q.c.check),
                                     order_by=q.c.checked_at.desc()).label("rn"),
    ).where(q.c.week.is_not(None))
    if week is not None:
        ranked = ranked.where(q.c.week == week)
    if platform is not None:
        ranked = ranked.where(sa.or_(q.c.platform == platform, q.c.platform.is_(None)))
    sub = ranked.subquery()
    return sa.select(sub).where(sub.c.rn == 1).order_by(sub.c.week, sub.c.check, sub.c.platform)


def latest_results(url: str | None = None, week: str | None = None,
                   platform: str | None = None) -> pd.DataFrame:
    """The latest result of every warehouse check, per week and platform (optionally filtered)."""
    return _frame(_read(url, _latest_per_check(week, platform)))


def failed_checks(url: str | None, week: str, platform: str | None = None) -> pd.DataFrame:
    """The checks whose latest result for `week` failed or could not run (errors first).

    With `platform`, that platform's results and those that concern every platform.
    """
    frame = latest_results(url, week, platform)
    frame = frame[frame["status"] != "passed"]
    order = {"error": 0, "warning": 1}
    return (frame.sort_values(by=["severity", "status", "check", "platform"],
                              key=lambda s: s.map(order) if s.name == "severity" else s.fillna(""))
            .reset_index(drop=True))


def week_health(url: str | None, weeks: list[str], platform: str | None = None) -> pd.DataFrame:
    """One row per week (and platform): `health` is error, warning, unknown (not checked) or ok.

    `could_not_run` counts checks whose verdict is unknown; a week with only those is
    `unknown`, never `ok`. Use it to mark every figure with the health of its data.
    """
    frame = latest_results(url, None, platform)
    frame = frame[frame["week"].isin(weeks)]
    rows = []
    for week in weeks:
        part = frame[frame["week"] == week]
        failed = part[part["status"] == "failed"]
        errors = int((failed["severity"] == "error").sum())
        warnings = int((failed["severity"] == "warning").sum())
        crashed = int((part["status"] == "could_not_run").sum())
        if part.empty:
            health = "unknown"
        elif errors:
            health = "error"
        elif warnings:
            health = "warning"
        elif crashed:
            health = "unknown"
        else:
            health = "ok"
        rows.append({"week": week, "platform": platform, "health": health, "errors_failed": errors,
                     "warnings_failed": warnings, "could_not_run": crashed,
                     "failed_checks": sorted(set(failed["check"]) | set(
                         part[part["status"] == "could_not_run"]["check"])),
                     "checked_at": part["checked_at"].max() if not part.empty else None})
    return pd.DataFrame(rows, columns=HEALTH_COLUMNS)


def load_results(url: str | None = None, load_id: str | None = None,
                 failed_only: bool = True) -> pd.DataFrame:
    """The checks run while loading (per file): with the file and when it was loaded."""
    q = quality_results
    query = (sa.select(q, loads.c.file, loads.c.started_at)
             .join(loads, loads.c.load_id == q.c.load_id)
             .order_by(loads.c.started_at.desc(), q.c.check))
    if load_id is not None:
        query = query.where(q.c.load_id == load_id)
    if failed_only:
        query = query.where(q.c.status != "passed")
    rows = _read(url, query)
    frame = _frame(rows)
    frame["file"] = [r.file for r in rows] if rows else pd.Series(dtype=object)
    frame["loaded_at"] = [r.started_at for r in rows] if rows else pd.Series(dtype=object)
    return frame
