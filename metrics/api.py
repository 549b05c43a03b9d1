"""The metrics API the CLI, the dashboard and the report call.

Every function opens one short-lived connection (read-only on an existing DuckDB file, so
readers never block each other), runs the compiled SQL inside the engine, and returns a small
pandas DataFrame of results; no connection is held afterwards. An empty or new warehouse gets
its schema created and yields values, not errors. pandas is imported only by the functions that
return DataFrames: `compute_records` and `default_week` (what `rapport metrics` calls) start
without it.
"""
from __future__ import annotations

import contextlib
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import sqlalchemy as sa

from metrics import batches
from metrics import catalog as cat
from metrics.compiler import compile_metrics
from metrics.dialects import engine_of, is_embedded_duckdb, prepare_session
from metrics.scope import Scope
from metrics.weeks import parse_week, reporting_zone, shift, week_of_instant
from pipelines import warehouse

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["week", "metric", "family", "label", "unit", "value"]
SIGNAL_COLUMNS = ["week", "vanity_metric", "outcome_metric", "vanity_change", "outcome_change",
                  "flagged", "message"]
TRAILING_WEEKS = 4


def catalog() -> tuple[cat.Metric, ...]:
    """Every metric, in the order it is shown."""
    return cat.CATALOG


# metrics.rollup stores its tables beside the canonical ones; without this one it has nothing
# to serve, so the lookup (and its imports) is skipped.
ROLLUP_STATE_TABLE = "rollup_state"


@contextlib.contextmanager
def _reading(url: str | None) -> Iterator[tuple[sa.Connection, set[str]]]:
    """A short-lived connection to a warehouse with every canonical table, and its table names.

    An existing DuckDB file (and any other engine) is read on a read-only connection that
    retries while a writer holds the file, and written only when tables are missing; a new
    DuckDB file or an in-memory database gets its schema on the connection that is then read.
    """
    url = warehouse.resolve_url(url)
    if warehouse.opens_read_only(url):
        with warehouse.read_connection(url) as conn:
            tables = warehouse.table_names(conn)
            if not warehouse.missing_tables(conn, tables):
                yield conn, tables
                return
        writer = warehouse.make_engine(url)
        try:
            warehouse.create_schema(writer)
        finally:
            writer.dispose()
        with warehouse.read_connection(url) as conn:
            yield conn, warehouse.table_names(conn)
        return
    path = warehouse.duckdb_path(url)
    if path != ":memory:" and not Path(path).parent.is_dir():
        raise ValueError(f"no warehouse at {path}: the folder {Path(path).parent} does not "
                         "exist (load data first: rapport load PATH --db URL)")
    engine = warehouse.make_engine(url)
    try:
        with engine.connect() as conn:
            warehouse.create_schema(conn)
            conn.commit()
            yield conn, warehouse.table_names(conn)
    finally:
        engine.dispose()


def _check_account(conn: sa.Connection, account: str | None) -> None:
    if account is None:
        return
    p = warehouse.people
    found = conn.execute(sa.select(p.c.person_id).where(
        p.c.person_id == account, p.c.is_ours == sa.true())).first()
    if found is None:
        raise ValueError(f"account {account!r} is not one of ours: expected a person_id of "
                         "people with is_ours true")


def _number(value: object) -> float | None:
    """A metric value as a float, None where undefined (NULL, NaN or not a number)."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _wide_rows(url: str | None, end_week: str, weeks: int, platform: str | None,
               account: str | None, tz: str | None, names: list[str]) -> list[dict[str, Any]]:
    """One dict per week (oldest first): the week and each metric's value (float or None)."""
    parse_week(end_week)
    reporting_zone(tz)
    scope = Scope.of(end_week, weeks, platform, account, tz)
    with _reading(url) as (conn, tables):
        if account is None and ROLLUP_STATE_TABLE in tables:
            from metrics import rollup

            stored = rollup.lookup(url, end_week, weeks, tz, names, platform)
            if stored is not None:
                return [{"week": r["week"], **{n: _number(r[n]) for n in names}}
                        for r in stored]
        _check_account(conn, account)
        prepare_session(conn)
        scope.engine = engine_of(conn)  # lets a measure use a form only this engine runs
        if is_embedded_duckdb(conn):  # in two statements where one would spill
            rows = batches.catalog_rows(conn, batches.plan(conn, names, scope), scope)
        else:
            rows = conn.execute(compile_metrics(names, scope)).mappings().all()
    return [{"week": r["week"], **{n: _number(r[n]) for n in names}} for r in rows]


def compute_wide(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
                 account: str | None = None, tz: str | None = None,
                 metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per week (oldest first), one column per metric."""
    import pandas as pd

    names = metrics or [m.name for m in cat.CATALOG]
    rows = _wide_rows(url, end_week, weeks, platform, account, tz, names)
    frame = pd.DataFrame(rows, columns=["week", *names])
    for name in names:
        frame[name] = frame[name].astype("float64")
    return frame


def compute_records(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
                    account: str | None = None, tz: str | None = None) -> list[dict[str, Any]]:
    """What `compute` returns, as plain dicts with None where undefined (no pandas needed)."""
    names = [m.name for m in cat.CATALOG]
    return [{"week": row["week"], "metric": m.name, "family": m.family, "label": m.label,
             "unit": m.unit, "value": row[m.name]}
            for row in _wide_rows(url, end_week, weeks, platform, account, tz, names)
            for m in cat.CATALOG]


def compute(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
            account: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """Every metric for the `weeks` weeks ending with `end_week`: week, metric, family, label,
    unit, value (NaN where undefined); weeks in order, metrics in catalog order."""
    import pandas as pd

    records = compute_records(url, end_week, weeks, platform, account, tz)
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    return frame


def default_week(url: str | None, now: datetime | None = None, tz: str | None = None) -> str | None:
    """The latest complete week by the clock that is not after the week of the latest
    interaction loaded (None when nothing is loaded)."""
    with _reading(url) as (conn, _):
        latest = conn.execute(sa.select(sa.func.max(warehouse.interactions.c.occurred_at))
                              ).scalar()
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite returns the stored text when aggregated
        latest = datetime.fromisoformat(latest)
    now = now or datetime.now(timezone.utc)
    last_complete = shift(week_of_instant(now, tz), -1)
    data_week = week_of_instant(latest, tz)
    return min(last_complete, data_week)


def _change(series: pd.Series, lag: int) -> pd.Series:
    """Relative change over `lag` weeks (NaN when the earlier value is 0 or missing)."""
    earlier = series.shift(lag)
    return (series - earlier) / earlier.where(earlier != 0)


def _words(m: cat.Metric, change: float) -> str:
    if _number(change) is None:
        return f"{m.label.lower()} could not be compared"
    verb = "rose" if change > 0 else "fell" if change < 0 else "did not move"
    return f"{m.label.lower()} {verb}" + (f" {abs(change):.0%}" if change else "")


def signals(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
            account: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """Divergence flags: for each vanity/adoption metric and the outcome it is mistaken for,
    and each week, the change of both over the trailing four weeks; flagged when the context
    figure grew while the outcome fell."""
    import pandas as pd

    pairs = cat.divergence_pairs()
    names = list(dict.fromkeys(n for v, o in pairs for n in (v.name, o.name)))
    wide = compute_wide(url, end_week, weeks + TRAILING_WEEKS, platform, account, tz, names)
    records = []
    for vanity, outcome in pairs:
        v_change = _change(wide[vanity.name], TRAILING_WEEKS)
        o_change = _change(wide[outcome.name], TRAILING_WEEKS)
        for i in range(TRAILING_WEEKS, len(wide)):
            vc, oc = v_change.iloc[i], o_change.iloc[i]
            flagged = bool(pd.notna(vc) and pd.notna(oc) and vc > 0 and oc < 0)
            first = f"{vanity.label} {vc:+.0%}" if pd.notna(vc) else f"{vanity.label} n/a"
            message = (f"{first} over four weeks while {_words(outcome, oc)}")
            records.append({"week": wide["week"].iloc[i], "vanity_metric": vanity.name,
                            "outcome_metric": outcome.name,
                            "vanity_change": None if pd.isna(vc) else float(vc),
                            "outcome_change": None if pd.isna(oc) else float(oc),
                            "flagged": flagged, "message": message})
    frame = pd.DataFrame.from_records(records, columns=SIGNAL_COLUMNS)
    if not frame.empty:
        order = {w: i for i, w in enumerate(wide["week"])}
        frame = frame.sort_values("week", key=lambda s: s.map(order), kind="stable")
    return frame.reset_index(drop=True)
