"""Weekly rollups: every metric for every week with data, computed when a load finishes.

The weekly check (one week, a 12-week sparkline before it, the divergence signals) would
otherwise recompute relationships over the whole history on every visit. A load into a DuckDB
file ends by computing the whole catalog for every week from the first week with data to the
last, with the same compiler as a live query, once for all platforms and once for each
platform (the dashboard's platform picker), and storing it in two tables:

- `rollup_weekly` (platform, week, metric, value): the values; platform '' is all platforms;
- `rollup_state` (name, value): what they were computed from — the reporting zone, a
  signature of the metric code, and a fingerprint of the data (loads, table sizes, who is ours).

`lookup` serves a request from them only when all of that still matches and every requested
week is inside the computed range; otherwise (a `rapport team` change, rows written by other
tools, an account filter, older weeks) the caller computes live, so a rollup never changes an
answer, only how fast it comes. RAPPORT_ROLLUPS=off turns them off.
"""
from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from metrics import batches
from metrics import catalog as cat
from metrics.dialects import engine_of, is_embedded_duckdb, prepare_session
from metrics.weeks import monday_of, reporting_zone, week_of_instant, week_range
from pipelines import warehouse

ENV = "RAPPORT_ROLLUPS"
MAX_WEEKS = 520  # ten years of weeks; a longer history is computed live before that
_meta = sa.MetaData()
EVERY_PLATFORM = ""  # the platform of the unfiltered values
rollup_weekly = sa.Table(
    "rollup_weekly", _meta,
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("week", sa.String, primary_key=True),
    sa.Column("metric", sa.String, primary_key=True),
    sa.Column("value", sa.Double),
)
rollup_state = sa.Table(
    "rollup_state", _meta,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("value", sa.String),
)
_CODE = ("catalog.py", "compiler.py", "measures.py", "relationships.py", "scope.py",
         "dialects.py", "weeks.py", "rollup.py")


def enabled() -> bool:
    """Whether rollups are written and read (RAPPORT_ROLLUPS, default on)."""
    return os.environ.get(ENV, "on").strip().lower() not in ("off", "0", "false", "no")


@lru_cache(maxsize=1)
def code_signature() -> str:
    """A hash of the metric code: rollups computed by other code are not served."""
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for name in _CODE:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def fingerprint(conn: sa.Connection) -> str:
    """What the data looks like, cheaply: loads, row counts and who is ours."""
    w = warehouse
    counts = [sa.select(sa.func.count()).select_from(t).scalar_subquery()
              for t in (w.loads, w.interactions, w.people, w.audience_daily, w.referrals, w.costs)]
    row = conn.execute(sa.select(*counts, sa.select(sa.func.max(w.loads.c.finished_at))
                                 .scalar_subquery())).one()
    ours = conn.execute(sa.select(w.people.c.person_id).where(w.people.c.is_ours == sa.true())
                        .order_by(w.people.c.person_id)).scalars().all()
    text = "|".join(str(v) for v in row) + "|" + ",".join(ours)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _zone_name(tz: str | None) -> str:
    return reporting_zone(tz).key


def _data_weeks(conn: sa.Connection, tz: str | None) -> tuple[str, int] | None:
    """(last week with data, number of weeks from the first) or None when nothing is loaded."""
    w = warehouse
    first, last = conn.execute(sa.select(sa.func.min(w.interactions.c.occurred_at),
                                         sa.func.max(w.interactions.c.occurred_at))).one()
    if first is None:
        return None
    if isinstance(first, str):  # SQLite returns the stored text when aggregated
        first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
    first_week, last_week = week_of_instant(first, tz), week_of_instant(last, tz)
    count = (monday_of(last_week) - monday_of(first_week)).days // 7 + 1
    return last_week, min(count, MAX_WEEKS)


def platforms(conn: sa.Connection) -> list[str]:
    """Every platform a platform filter can ask for (never EVERY_PLATFORM's empty name)."""
    return sorted(conn.execute(warehouse.platforms_query()).scalars())


Progress = Callable[[str, int, int], None]  # (what, done, total), as a load reports

def refresh(engine: sa.Engine, tz: str | None = None, memory: str | None = None,
            progress: Progress | None = None) -> int:
    """Recompute the rollups of the warehouse behind `engine`, for all platforms and for each
    one; returns the weeks stored.

    `memory` bounds DuckDB's memory for the computation (like 1GB); a catalog too large for it
    runs in two statements (`metrics.batches`). Other engines ignore it.
    `progress` is told before and after each platform's catalog.
    The tables are made anew each time: they hold nothing but this cache, and a warehouse
    rolled up by an older version gets their current columns.
    """
    from metrics.scope import Scope

    names = [m.name for m in cat.CATALOG]
    with engine.begin() as conn:
        limit = None
        if memory and is_embedded_duckdb(conn):
            conn.exec_driver_sql(f"SET memory_limit = '{memory}'")
            limit = batches.memory_limit(conn)
        prepare_session(conn)
        _meta.drop_all(conn, checkfirst=True)
        _meta.create_all(conn)
        span = _data_weeks(conn, tz)
        if span is None:
            return 0
        last_week, count = span
        found = platforms(conn)
        # Each run: the platform filter computed, and the platforms its values are stored for.
        # With one platform, its values are all platforms' ones: computed once, stored twice.
        runs = ([(None, [EVERY_PLATFORM, *found])] if len(found) == 1 else
                [(None, [EVERY_PLATFORM]), *((p, [p]) for p in found)])
        for done, (platform, keys) in enumerate(runs):
            what = f"weekly rollups: {platform or 'all platforms'}"
            _tell(progress, what, done, len(runs))
            scope = Scope.of(last_week, count, platform, tz=tz, engine=engine_of(conn))
            split = batches.statements(names, batches.interactions(conn, platform), limit, count)
            rows = batches.catalog_rows(conn, split, scope)
            _store(conn, [(key, r["week"], n, None if r[n] is None else float(r[n]))
                          for key in keys for r in rows for n in names])
            _tell(progress, what, done + 1, len(runs))
        state = {"tz": _zone_name(tz), "code": code_signature(), "fingerprint": fingerprint(conn),
                 "first_week": rows[0]["week"], "last_week": last_week,
                 "refreshed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        conn.execute(rollup_state.insert(), [{"name": k, "value": v} for k, v in state.items()])
    return len(rows)


def _store(conn: sa.Connection, values: list[tuple]) -> None:
    """Insert (platform, week, metric, value) rows into `rollup_weekly`.

    On DuckDB they go in as four list parameters of one statement (a parameter set per row
    took about 0.6 s of a load for three platforms' 14,000 values); elsewhere, executemany.
    """
    if is_embedded_duckdb(conn):
        columns = [list(c) for c in zip(*values)] if values else [[], [], [], []]
        conn.connection.driver_connection.execute(
            "INSERT INTO rollup_weekly (platform, week, metric, value) "
            "SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]), "
            "unnest($4::DOUBLE[])", columns).fetchall()
        return
    conn.execute(rollup_weekly.insert(), [
        {"platform": p, "week": w, "metric": m, "value": v} for p, w, m, v in values])


def _tell(progress: Progress | None, what: str, done: int, total: int) -> None:
    if progress is not None:
        progress(what, done, total)


def refresh_after_load(engine: sa.Engine, memory: str | None = None,
                       progress: Progress | None = None) -> float | None:
    """Refresh at the end of a load into a DuckDB file; seconds taken, or None when rollups
    are off, the engine is another one, or the refresh failed.

    A failed refresh leaves no rollup behind (readers then compute live); it never fails a load.
    """
    if not enabled() or not is_embedded_duckdb(engine):
        # Elsewhere the catalog over every week can take longer than the load itself (tens
        # of seconds at 1M interactions on PostgreSQL, docs/benchmarks.md): a shared warehouse
        # computes live.
        return None
    started = time.perf_counter()
    try:
        refresh(engine, memory=memory, progress=progress)
    except Exception:
        try:
            with engine.begin() as conn:
                conn.execute(rollup_state.delete())
        except Exception:
            pass
        return None
    return time.perf_counter() - started


# url -> (file identity, {(platform, week, metric): value}, first week, last week), for rollups
# already checked against the data: a process that asks again (the dashboard) reads no database.
_verified: dict[str, tuple[tuple, dict, str, str]] = {}


def _stored(url: str | None, tz: str | None) -> tuple[dict, str, str] | None:
    """Every stored value with its week range, when the rollups match the data and code."""
    identity = warehouse.file_identity(url)
    key = f"{warehouse.resolve_url(url)}|{_zone_name(tz)}"
    if identity is not None and key in _verified and _verified[key][0] == identity:
        return _verified[key][1:]
    try:
        with warehouse.read_connection(url) as conn:
            state = dict(conn.execute(sa.select(rollup_state.c.name, rollup_state.c.value)).all())
            if not state or state.get("tz") != _zone_name(tz) or state.get("code") != code_signature():
                return None
            if state.get("fingerprint") != fingerprint(conn):
                return None
            values = {(r.platform, r.week, r.metric): r.value
                      for r in conn.execute(sa.select(rollup_weekly))}
    except sa.exc.DBAPIError:
        return None  # no rollup tables (an older warehouse, another tool's database)
    found = (values, state["first_week"], state["last_week"])
    if identity is not None:
        _verified[key] = (identity, *found)
    return found


def lookup(url: str | None, end_week: str, weeks: int, tz: str | None,
           names: list[str], platform: str | None = None) -> list[dict] | None:
    """The rows `metrics.api` would compute (week, then each metric's value, oldest week
    first) for all platforms or one, from the rollups, or None."""
    if not enabled():
        return None
    labels = [w.label for w in week_range(end_week, weeks, tz)]
    stored = _stored(url, tz)
    if stored is None:
        return None
    values, first_week, last_week = stored
    if labels[0] < first_week or labels[-1] > last_week:
        return None
    if platform == EVERY_PLATFORM:
        return None  # a filter on an empty platform name: never stored, computed live
    key = EVERY_PLATFORM if platform is None else platform
    if any((key, w, n) not in values for w in labels for n in names):
        return None
    return [{"week": w, **{n: values[(key, w, n)] for n in names}} for w in labels]
