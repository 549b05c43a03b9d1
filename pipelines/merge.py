"""Bring staged rows into the warehouse: bulk transfer, then a portable upsert in SQL.

The upsert is plain SQLAlchemy Core (delete the keys being replaced, insert the staged rows),
so it runs on any engine; only the bulk transfer of staged rows differs by engine.
"""
from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from typing import Any

import pyarrow.csv as pacsv
import sqlalchemy as sa

from pipelines.stage import run
from pipelines.warehouse import NATURAL_KEYS, canonical_columns, metadata

BATCH_ROWS = 200_000
# The column placing a table's rows in time, for the tables whose rows are counted by week.
TIME_COLUMNS = {"interactions": "occurred_at", "referrals": "occurred_at",
                "audience_daily": "day", "costs": "week"}


def stage_table(name: str, like: str) -> sa.Table:
    """A Core handle on a staging table `name` with the columns of canonical table `like`."""
    source = metadata.tables[like]
    return sa.Table(name, sa.MetaData(), *(sa.Column(c.name, c.type) for c in source.columns))


class Target:
    """The warehouse connection of one load, and how staged tables reach it."""

    def __init__(self, conn: sa.Connection, dcon: Any, shared: bool):
        self.conn = conn
        self.dcon = dcon  # the DuckDB connection where staging happened
        self.shared = shared  # True when staging happened inside the warehouse itself

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def bring(self, relation: str, table: str, columns: list[str]) -> sa.Table:
        """Make the staged `relation` (with `columns`) available in the warehouse as a table."""
        handle = stage_table(relation, table)
        if self.shared:
            return handle
        temp = sa.Table(relation, sa.MetaData(),
                        *(sa.Column(c, metadata.tables[table].c[c].type) for c in columns),
                        prefixes=["TEMPORARY"])
        temp.drop(self.conn, checkfirst=True)
        temp.create(self.conn)
        self.append(f"SELECT {', '.join(_q(c) for c in columns)} FROM {relation}", temp, columns)
        return handle

    def append(self, query: str, table: sa.Table, columns: list[str]) -> int:
        """Append the rows of a DuckDB staging query to a warehouse table; returns the count."""
        if self.shared:
            result = self.conn.exec_driver_sql(
                f"INSERT INTO {_q(table.name)} ({', '.join(_q(c) for c in columns)}) {query}")
            return result.rowcount if result.rowcount is not None and result.rowcount >= 0 else 0
        reader = self.dcon.sql(query).to_arrow_reader(BATCH_ROWS)
        total = 0
        for batch in reader:
            total += batch.num_rows
            if self.dialect == "postgresql":
                self._copy_postgres(batch, table.name, columns)
            else:
                rows = batch.to_pylist()
                if rows:
                    self.conn.execute(table.insert(), rows)
        return total

    def _copy_postgres(self, batch: Any, name: str, columns: list[str]) -> None:
        buf = io.BytesIO()
        pacsv.write_csv(batch, buf, pacsv.WriteOptions(include_header=False))
        cursor = self.conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {_q(name)} ({', '.join(_q(c) for c in columns)}) "
                         "FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buf.getvalue())


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _with_bookkeeping(target: Target, table: str, load_id: str) -> str:
    """`upsert_<table>`: the clean rows with the load's id (and, for people, `is_owner`).

    A view, so that a large load is not copied once more; people's rows are a table because
    they are merged with the live rows before they are written.
    """
    name = f"upsert_{table}"
    kind = "TABLE" if table == "people" else "VIEW"
    # What the export says of ownership is kept apart from the team file (pipelines.team).
    owner = ", coalesce(is_ours, FALSE) AS is_owner" if table == "people" else ""
    run(target.dcon, f"DROP {kind} IF EXISTS {name}")
    literal = load_id.replace("'", "''")  # a view cannot keep a bound parameter
    run(target.dcon, f"CREATE TEMP {kind} {name} AS SELECT *, CAST('{literal}' AS VARCHAR) AS "
                     f"load_id{owner} FROM clean_{table}")
    return name


def upsert(target: Target, table: str, load_id: str) -> tuple[int, int]:
    """Upsert `clean_<table>` into the warehouse table; returns (written, unchanged).

    A staged row identical to its live row is left alone (unchanged); a staged row whose key is
    live replaces that row; the others are inserted. When no staged key is live (a first load,
    or new records only), it is one INSERT.
    """
    columns = canonical_columns(table)
    extra = ["load_id"] + (["is_owner"] if table == "people" else [])
    staged = target.bring(_with_bookkeeping(target, table, load_id), table, columns + extra)
    live = metadata.tables[table]
    keys = NATURAL_KEYS[table]
    same_key = sa.and_(*(staged.c[k] == live.c[k] for k in keys))
    conn = target.conn
    if table == "people":
        # A later export without names or without the owner flag must not erase them.
        conn.execute(staged.update().where(same_key).values(
            handle=sa.func.coalesce(staged.c.handle, live.c.handle),
            display_name=sa.func.coalesce(staged.c.display_name, live.c.display_name),
            is_owner=sa.or_(staged.c.is_owner, live.c.is_owner),
            is_ours=sa.or_(staged.c.is_ours, live.c.is_ours),
        ))
    cols = columns + extra
    total = conn.execute(sa.select(sa.func.count()).select_from(staged)).scalar_one()
    overlap = conn.execute(sa.select(sa.func.count()).select_from(staged).where(
        sa.exists().where(same_key))).scalar_one()
    if not overlap:
        inserts = _in_order(conn, live, cols, staged)
        if target.shared and total and _is_empty(conn, live):
            _fill_empty(conn, live, inserts)
        else:
            for insert in inserts:
                conn.execute(insert)
        return total, 0
    compared = [c for c in cols if c not in keys and c != "load_id"]
    identical = sa.and_(*(_same(staged, live, c) for c in compared))
    unchanged = conn.execute(sa.select(sa.func.count()).select_from(staged).where(
        sa.exists().where(same_key, identical))).scalar_one()
    conn.execute(live.delete().where(sa.exists().where(same_key, sa.not_(identical))))
    # One insert here: with a platform filter beside it, DuckDB would hash every live key once
    # per platform to find the new rows (a mark join) instead of hashing the staged ones.
    new_rows = sa.select(*(staged.c[c] for c in cols)).where(~sa.exists().where(same_key))
    if table == "interactions":
        new_rows = new_rows.order_by(staged.c.platform, staged.c.occurred_at)
    conn.execute(live.insert().from_select(cols, new_rows))
    return total - unchanged, unchanged


def _in_order(conn: sa.Connection, live: sa.Table, cols: list[str],
              staged: sa.Table) -> list[sa.Insert]:
    """The inserts of every staged row into `live`; interactions are written by platform and
    time, as a platform's export reads (the new rows of `upsert` too, in one sorted insert).

    Rows near in time sit in the same row groups: a query over a range of weeks or one
    platform skips the others by their min/max, and the catalog's groupings (threads, pairs)
    find their rows close together. One insert per platform, each sorted by time, writes the
    order of one sort by (platform, time) while sorting a platform's rows at a time: the
    engine holds a platform's rows for the sort instead of all of them.
    """
    rows = sa.select(*(staged.c[c] for c in cols))
    if live.name != "interactions":
        return [live.insert().from_select(cols, rows)]
    found = conn.execute(sa.select(staged.c.platform).distinct()
                         .order_by(staged.c.platform)).scalars().all()
    return [live.insert().from_select(cols, rows.where(staged.c.platform == platform)
                                      .order_by(staged.c.occurred_at))
            for platform in found]


def _is_empty(conn: sa.Connection, table: sa.Table) -> bool:
    return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None


def _fill_empty(conn: sa.Connection, live: sa.Table, inserts: list[sa.Insert]) -> None:
    """Fill an empty DuckDB table, then give it its primary key (and indexes).

    DuckDB builds a key's index over rows already written faster than row by row as they are
    inserted (a 1M-row first load of interactions: about 0.5 s less). The table is recreated
    without its key inside the load's transaction and ends with the same definition.
    """
    keyless = sa.Table(live.name, sa.MetaData(),
                       *(sa.Column(c.name, c.type, nullable=c.nullable, server_default=c.server_default)
                         for c in live.columns))
    conn.execute(sa.schema.DropTable(live))
    conn.execute(sa.schema.CreateTable(keyless))
    for insert in inserts:
        conn.execute(insert)
    keys = [c.name for c in live.primary_key.columns]
    if keys:
        conn.exec_driver_sql(f"ALTER TABLE {_q(live.name)} ADD PRIMARY KEY "
                             f"({', '.join(_q(k) for k in keys)})")
    for index in live.indexes:
        index.create(conn)


def _same(staged: sa.Table, live: sa.Table, column: str) -> sa.ColumnElement[bool]:
    if column == "target_id" and "target_id" in staged.c and staged.name.endswith("interactions"):
        # A target the loader inferred earlier is not a change when the export leaves it empty.
        return sa.func.coalesce(staged.c.target_id, live.c.target_id).is_not_distinct_from(live.c.target_id)
    return staged.c[column].is_not_distinct_from(live.c[column])


def earliest_change(target: Target, table: str) -> datetime | None:
    """The earliest time among the clean staged rows of `table` and the live rows they replace,
    as naive UTC: what the weekly rollups must recompute from (`metrics.rollup.refresh`).

    A calendar day or week (audience_daily, costs) counts from a day before it begins, which
    covers any reporting zone. None for a table without times, when nothing is staged, or when
    staging happened outside the warehouse (rollups are kept on a DuckDB file only).
    """
    column = TIME_COLUMNS.get(table)
    if column is None or not target.shared:
        return None
    match = " AND ".join(f'l."{k}" = s."{k}"' for k in NATURAL_KEYS[table])
    found = target.conn.exec_driver_sql(
        f'SELECT min(t) FROM (SELECT "{column}" AS t FROM clean_{table} UNION ALL '
        f'SELECT l."{column}" FROM {_q(table)} l JOIN clean_{table} s ON {match})').scalar()
    if found is None:
        return None
    if table == "costs":
        from metrics.weeks import WeekError, monday_of

        try:
            found = monday_of(found)
        except WeekError:  # not a week label: count from before any data
            return datetime(1900, 1, 1)
    if not isinstance(found, datetime):  # a day
        found = datetime.combine(found, time()) - timedelta(days=1)
    return found
