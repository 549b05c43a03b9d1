"""Weekly rollups: every metric for every week with data, computed when a load finishes.

The weekly check (one week, a 12-week sparkline before it, the divergence signals) would
otherwise recompute relationships over the whole history on every visit. A load into a DuckDB
file ends by computing the whole catalog for every week from the first week with data to the
last, with the same compiler as a live query, once for all platforms and once for each
platform (the dashboard's platform picker), and storing it in two tables:

- `rollup_weekly` (platform, week, metric, value): the values; platform '' is all platforms;
- `rollup_state` (name, value): what they were computed from — the reporting zone, a
  signature of the metric code, and a fingerprint of the data (loads, table sizes, who is ours).

A load that finds the rollups current when it starts recomputes only the weeks its rows can
change (`refresh` with the load's `changes`): from the week HORIZON before its earliest new,
replaced, newly inferred or dropped row to the last week. A row at time t enters no value of a week
that ended HORIZON or more before t (`metrics.scope.HORIZON`): the earlier weeks keep theirs.

`lookup` serves a request from them only when all of that still matches and every requested
week is inside the computed range; otherwise (a `rapport team` change, rows written by other
tools, an account filter, older weeks) the caller computes live, so a rollup never changes an
answer, only how fast it comes. RAPPORT_ROLLUPS=off turns them off.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import sqlalchemy as sa

from metrics import batches
from metrics import catalog as cat
from metrics.dialects import engine_of, is_embedded_duckdb, prepare_session
from metrics.weeks import monday_of, next_week, reporting_zone, shift, week_of_instant, \
    week_range
from pipelines import warehouse

if TYPE_CHECKING:
    from metrics.scope import Scope

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
    text = "|".join(str(v) for v in row) + "|" + ",".join(_ours(conn))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ours(conn: sa.Connection) -> list[str]:
    people = warehouse.people
    return list(conn.execute(sa.select(people.c.person_id).where(people.c.is_ours == sa.true())
                             .order_by(people.c.person_id)).scalars())


@dataclass(frozen=True)
class Snapshot:
    """The data a load starts from, while its rollups are current."""

    fingerprint: str
    ours: tuple[str, ...]


def before_load(engine: sa.Engine) -> Snapshot | None:
    """Taken before a load writes: its snapshot when the rollups are current, so that the load
    can recompute only the weeks it changes; None otherwise (rollups off, another engine, no
    rollups yet, or rollups of other code or data)."""
    if not enabled() or not is_embedded_duckdb(engine):
        return None
    try:
        with engine.connect() as conn:
            state = _state(conn)
            if state.get("code") != code_signature():
                return None
            found = fingerprint(conn)
            if state.get("fingerprint") != found:
                return None
            return Snapshot(found, tuple(_ours(conn)))
    except sa.exc.DBAPIError:
        return None  # no warehouse tables yet


def _state(conn: sa.Connection) -> dict[str, str]:
    return dict(conn.execute(sa.select(rollup_state.c.name, rollup_state.c.value)).all())


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

Changes = tuple[Snapshot, datetime | None]  # a load's snapshot, the earliest time it changed


def refresh(engine: sa.Engine, tz: str | None = None, memory: str | None = None,
            progress: Progress | None = None, changes: Changes | None = None) -> int:
    """Recompute the rollups of the warehouse behind `engine`, for all platforms and for each
    one; returns the weeks computed.

    `memory` bounds DuckDB's memory for the computation (like 1GB); a catalog too large for it
    runs in two statements (`metrics.batches`). Other engines ignore it.
    `progress` is told before and after each platform's catalog.
    `changes` comes from a load: the snapshot taken before it wrote (`before_load`) and the
    earliest time its rows changed (None: no time-bound rows). When the rollups still describe
    that snapshot, only the weeks from that time on are computed again (from HORIZON before
    it, since a week's metrics read that far past its end), and the weeks after the last one
    stored; otherwise, and without `changes`, every week is, in tables made anew: they hold
    nothing but this cache, and a warehouse rolled up by an older version gets their current
    columns.
    """
    from metrics.scope import Scope

    names = [m.name for m in cat.CATALOG]
    with engine.begin() as conn:
        limit = None
        if memory and is_embedded_duckdb(conn):
            conn.exec_driver_sql(f"SET memory_limit = '{memory}'")
            limit = batches.memory_limit(conn)
        prepare_session(conn)
        partial = _partial(conn, tz, changes) if changes is not None else None
        if partial is None:
            _meta.drop_all(conn, checkfirst=True)
            _meta.create_all(conn)
            span = _data_weeks(conn, tz)
            if span is None:
                return 0
            last_week, count = span
            first_week, prefix = shift(last_week, 1 - count), ""
        else:
            last_week, count, first_week = partial
            start = shift(last_week, 1 - count) if count else next_week(last_week)
            conn.execute(rollup_weekly.delete().where(rollup_weekly.c.week >= start))
            prefix = f" from {start}"
        found = platforms(conn)
        # Each run: the platform filter computed, and the platforms its values are stored for.
        # With one platform, its values are all platforms' ones: computed once, stored twice.
        runs = ([(None, [EVERY_PLATFORM, *found])] if len(found) == 1 else
                [(None, [EVERY_PLATFORM]), *((p, [p]) for p in found)]) if count else []
        sizes = [batches.interactions(conn, platform) for platform, _ in runs]
        scopes = [Scope.of(last_week, count, platform, tz=tz, engine=engine_of(conn))
                  for platform, _ in runs]
        splits = [batches.statements(names, size, limit, count) for size in sizes]
        with _computing(engine, conn, sizes, count) as compute:
            pending = [compute(split, scope) for split, scope in zip(splits, scopes)]
            for done, ((platform, keys), rows_of) in enumerate(zip(runs, pending)):
                what = f"weekly rollups{prefix}: {platform or 'all platforms'}"
                _tell(progress, what, done, len(runs))
                rows = rows_of()
                _store(conn, [(key, r["week"], n, None if r[n] is None else float(r[n]))
                              for key in keys for r in rows for n in names])
                _tell(progress, what, done + 1, len(runs))
        state = {"tz": _zone_name(tz), "code": code_signature(), "fingerprint": fingerprint(conn),
                 "first_week": first_week, "last_week": last_week,
                 "refreshed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        conn.execute(rollup_state.delete())
        conn.execute(rollup_state.insert(), [{"name": k, "value": v} for k, v in state.items()])
    return count


@contextlib.contextmanager
def _computing(engine: sa.Engine, conn: sa.Connection, sizes: list[int],
               weeks: int) -> Iterator[Callable[[list[list[str]], Scope], Callable[[], list[dict]]]]:
    """How the refresh computes its catalogs: `compute(split, scope)` starts one and returns
    what waits for its rows.

    On an embedded DuckDB file with two cores or more, two catalogs run at once, each on a
    connection of its own to the committed data, when two of the largest fit in the memory
    limit side by side (`batches.side_by_side`): one catalog alone leaves a core idle part
    of its time (the four of a 1M warehouse's refresh: 1.33-1.47 s one at a time, 1.19-1.27 s
    two at once). Elsewhere, and for catalogs too large to share the memory, one at a time on
    `conn`, each computed when waited for.
    """
    at_once = (len(sizes) > 1 and cores() > 1 and is_embedded_duckdb(conn)
               and engine.url.database not in (None, "", ":memory:")  # each connection its own
               and batches.side_by_side(max(sizes), batches.memory_limit(conn), weeks))
    if not at_once:
        yield lambda split, scope: functools.partial(batches.catalog_rows, conn, split, scope)
        return

    def rows(split: list[list[str]], scope: Scope) -> list[dict]:
        with engine.connect() as own:
            prepare_session(own)
            return batches.catalog_rows(own, split, scope)

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rollups")
    try:
        yield lambda split, scope: pool.submit(rows, split, scope).result
    finally:  # on an error, the catalogs not yet started are not computed for nothing
        pool.shutdown(wait=True, cancel_futures=True)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _partial(conn: sa.Connection, tz: str | None, changes: Changes) -> tuple[str, int, str] | None:
    """(last week, weeks to compute, first week stored) when a load's changes allow computing
    only the last weeks again, else None (every week is computed)."""
    from metrics.scope import HORIZON

    snapshot, since = changes
    try:
        state = _state(conn)
    except sa.exc.DBAPIError:
        return None
    if (state.get("tz") != _zone_name(tz) or state.get("code") != code_signature()
            or state.get("fingerprint") != snapshot.fingerprint
            or tuple(_ours(conn)) != snapshot.ours):
        return None  # other rollups, other data before the load, or a change of who is ours
    span = _data_weeks(conn, tz)
    if span is None or span[1] >= MAX_WEEKS:
        return None
    last_week, count = span
    first_week = shift(last_week, 1 - count)
    stored = set(conn.execute(sa.select(rollup_weekly.c.platform).distinct()
                              .where(rollup_weekly.c.platform != EVERY_PLATFORM)).scalars())
    if first_week != state.get("first_week") or stored != set(platforms(conn)):
        return None  # earlier data, or a new platform: every week of it is new
    start = next_week(state["last_week"])
    if since is not None:
        try:
            start = min(start, week_of_instant(since - HORIZON, tz))
        except OverflowError:
            return None
    if start <= first_week:
        return None
    todo = max((monday_of(last_week) - monday_of(start)).days // 7 + 1, 0)
    return last_week, todo, first_week


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
                       progress: Progress | None = None,
                       changes: Changes | None = None) -> float | None:
    """Refresh at the end of a load into a DuckDB file; seconds taken, or None when rollups
    are off, the engine is another one, or the refresh failed. `changes`: see `refresh`.

    A failed refresh leaves no rollup behind (readers then compute live); it never fails a load.
    """
    if not enabled() or not is_embedded_duckdb(engine):
        # Elsewhere the catalog over every week can take longer than the load itself (tens
        # of seconds at 1M interactions on PostgreSQL, docs/benchmarks.md): a shared warehouse
        # computes live.
        return None
    started = time.perf_counter()
    try:
        refresh(engine, memory=memory, progress=progress, changes=changes)
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
            state = _state(conn)
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
