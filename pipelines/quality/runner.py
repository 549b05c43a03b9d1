"""Run the warehouse checks for a week and store their results in `quality_results`.

A check that raises (a missing table, an engine error) is recorded as `could_not_run` with
its error, never as passed: each check runs on its own connection, so one failure cannot
abort the others (PostgreSQL aborts a whole transaction after an error).
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from metrics.weeks import previous_week, week, week_of_instant
from pipelines.quality.reported import ensure_tables
from pipelines.quality.warehouse_checks import (
    COULD_NOT_RUN, MAX_OFFENDING, Context, Result, Settings, warehouse_checks,
)
from pipelines.warehouse import (
    duckdb_path, interactions, is_duckdb, make_engine, quality_results, resolve_url,
)


class NoWarehouse(Exception):
    """There is nothing to check at the URL given."""


@dataclass
class CheckRun:
    """The results of one run of the warehouse checks."""

    week: str | None
    checked_at: datetime
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors_failed(self) -> list[Result]:
        return [r for r in self.results if r.severity == "error" and r.status == "failed"]

    @property
    def could_not_run(self) -> list[Result]:
        return [r for r in self.results if r.status == COULD_NOT_RUN]


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def default_week(conn: sa.Connection, now: datetime, tz: str | None = None) -> str:
    """The latest complete week by the clock that is not after the week of the latest interaction."""
    complete = previous_week(week_of_instant(now, tz))
    latest = conn.execute(sa.select(sa.func.max(interactions.c.occurred_at))).scalar()
    if latest is None:
        return complete
    return min(complete, week_of_instant(latest, tz))


def run_on_engine(engine: sa.Engine, week_label: str | None = None, *, now: datetime | None = None,
                  settings: Settings | None = None) -> CheckRun:
    """Run every warehouse check for a week on `engine`; stores nothing."""
    started = time.perf_counter()
    now = now or utc_now()
    with engine.begin() as conn:
        ensure_tables(conn)
        label = week_label or default_week(conn, now)
    ctx = Context(week=week(label), now=now, settings=settings or Settings.from_env())
    run = CheckRun(week=ctx.week.label, checked_at=now)
    for check in warehouse_checks():
        try:
            with engine.connect() as conn:
                run.results.extend(check.run(conn, ctx))
        except Exception as exc:  # crashed is not failed: say so, with the error
            run.results.append(Result(check.name, check.severity, COULD_NOT_RUN, None,
                                      details={"error": f"{type(exc).__name__}: {_first_line(exc)}"}))
    run.seconds = time.perf_counter() - started
    return run


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else "")[:300]


def store(conn: sa.Connection, run: CheckRun, *, load_id: str | None = None,
          trigger: str = "check") -> None:
    """Write a run's results to quality_results (one row per check and platform).

    They replace the earlier warehouse results of the same week: a week's stored results are
    its latest verdicts (load results, which have a load_id, are kept).
    """
    if run.week is not None:
        conn.execute(quality_results.delete().where(quality_results.c.week == run.week,
                                                    quality_results.c.load_id.is_(None)))
    rows = [{
        "result_id": uuid.uuid4().hex, "load_id": load_id, "week": run.week, "platform": r.platform,
        "check": r.check, "severity": r.severity, "status": r.status,
        "observed": None if r.observed is None else str(r.observed),
        "offending": json.dumps(r.offending[:MAX_OFFENDING]) if r.offending else None,
        "details": json.dumps({**(r.details or {}), "trigger": trigger}, default=str),
        "checked_at": run.checked_at,
    } for r in run.results]
    if rows:
        conn.execute(quality_results.insert(), rows)


def run_checks(url: str | None = None, week_label: str | None = None, *,
               now: datetime | None = None, settings: Settings | None = None) -> CheckRun:
    """`rapport check`: run the warehouse checks for a week at `url` and store the results."""
    from pipelines.publish import writable

    url = resolve_url(url)
    if is_duckdb(url) and duckdb_path(url) != ":memory:" and not Path(duckdb_path(url)).exists():
        raise NoWarehouse(f"no warehouse at {duckdb_path(url)}: load data first "
                          "(rapport load PATH --db URL)")
    with writable(url) as write_url:
        engine = make_engine(write_url)
        try:
            run = run_on_engine(engine, week_label, now=now, settings=settings)
            with engine.begin() as conn:
                store(conn, run)
        finally:
            engine.dispose()
    return run


def after_load(engine: sa.Engine, summaries: list[Any], now: datetime) -> CheckRun | None:
    """The warehouse checks for the default week, after a load; never makes the load fail."""
    if not any(getattr(s, "status", None) == "loaded" for s in summaries):
        return None
    try:
        run = run_on_engine(engine, None, now=now)
        with engine.begin() as conn:
            store(conn, run, trigger="load")
        return run
    except Exception as exc:  # the data is loaded: record that the checks could not run
        crashed = CheckRun(week=None, checked_at=now, results=[Result(
            "warehouse.checks", "error", COULD_NOT_RUN,
            details={"error": f"{type(exc).__name__}: {_first_line(exc)}"})])
        try:
            with engine.begin() as conn:
                store(conn, crashed, trigger="load")
        except Exception:
            pass
        return crashed
