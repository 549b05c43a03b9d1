"""The canonical warehouse: every table of the public contract in one MetaData.

Table and column names are a public contract (users query them with their own SQL, and the
generic source reads CSV files with exactly these columns), so change them only with the docs.
"""
from __future__ import annotations

import contextlib
import os
import re
import time
from functools import lru_cache
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

DEFAULT_DB_URL = "duckdb:///rapport.duckdb"

KINDS = (
    "post", "reply", "comment", "mention", "dm", "reaction", "share",
    "follow", "unfollow", "invite", "connect", "list_add",
)
CONVERSATIONAL_KINDS = ("reply", "comment", "mention", "dm")
AUDIENCE_COUNTS = (
    "followers", "following", "impressions", "reach", "engagements", "likes",
    "page_views", "members",
)

metadata = sa.MetaData()

people = sa.Table(
    "people", metadata,
    sa.Column("person_id", sa.String, primary_key=True),
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("handle", sa.String),
    sa.Column("display_name", sa.String),
    sa.Column("is_ours", sa.Boolean, nullable=False, default=False),
    sa.Column("load_id", sa.String),
    # True when an export named this person as its owner or a load declared it ours (--ours);
    # is_ours is this OR the team file, recomputed by pipelines.team.apply_team.
    sa.Column("is_owner", sa.Boolean, nullable=False, default=False),
)

interactions = sa.Table(
    "interactions", metadata,
    sa.Column("interaction_id", sa.String, primary_key=True),
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),  # naive, always UTC
    sa.Column("actor_id", sa.String, nullable=False),
    sa.Column("target_id", sa.String),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("thread_id", sa.String),
    sa.Column("in_reply_to", sa.String),
    sa.Column("automated", sa.Boolean, nullable=False, default=False),
    sa.Column("load_id", sa.String),
)

audience_daily = sa.Table(
    "audience_daily", metadata,
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    *(sa.Column(name, sa.BigInteger) for name in AUDIENCE_COUNTS),
    sa.Column("load_id", sa.String),
)

referrals = sa.Table(
    "referrals", metadata,
    sa.Column("referral_id", sa.String, primary_key=True),
    sa.Column("occurred_at", sa.DateTime, nullable=False),  # naive, always UTC
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("referrer_id", sa.String),
    sa.Column("stage", sa.String),
    sa.Column("value", sa.Double),
    sa.Column("currency", sa.String),
    sa.Column("load_id", sa.String),
)

costs = sa.Table(
    "costs", metadata,
    sa.Column("week", sa.String, primary_key=True),  # like 2026-W46
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("hours", sa.Double),
    sa.Column("hourly_rate", sa.Double),
    sa.Column("spend", sa.Double),
    sa.Column("load_id", sa.String),
)

loads = sa.Table(
    "loads", metadata,
    sa.Column("load_id", sa.String, primary_key=True),
    sa.Column("file", sa.String, nullable=False),
    sa.Column("sha256", sa.String),
    sa.Column("format", sa.String),
    sa.Column("rows_read", sa.BigInteger, nullable=False, default=0),
    sa.Column("rows_loaded", sa.BigInteger, nullable=False, default=0),
    sa.Column("rows_duplicate", sa.BigInteger, nullable=False, default=0),
    sa.Column("rows_skipped", sa.BigInteger, nullable=False, default=0),
    sa.Column("rows_quarantined", sa.BigInteger, nullable=False, default=0),
    sa.Column("status", sa.String, nullable=False),  # loaded | refused
    sa.Column("message", sa.Text),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("parse_seconds", sa.Double),
    sa.Column("check_seconds", sa.Double),
    sa.Column("write_seconds", sa.Double),
)

quality_results = sa.Table(
    "quality_results", metadata,
    sa.Column("result_id", sa.String, primary_key=True),
    sa.Column("load_id", sa.String),
    sa.Column("week", sa.String),
    sa.Column("platform", sa.String),
    sa.Column("check", sa.String, nullable=False),
    sa.Column("severity", sa.String, nullable=False),  # error | warning
    sa.Column("status", sa.String, nullable=False),  # passed | failed | could_not_run
    sa.Column("observed", sa.String),
    sa.Column("offending", sa.Text),  # JSON list, bounded
    sa.Column("details", sa.Text),
    sa.Column("checked_at", sa.DateTime, nullable=False),
)

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("quarantine_id", sa.String, primary_key=True),
    sa.Column("load_id", sa.String, nullable=False),
    sa.Column("file", sa.String, nullable=False),
    sa.Column("line", sa.BigInteger),
    sa.Column("table", sa.String, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text),
    sa.Column("quarantined_at", sa.DateTime, nullable=False),
)

# Natural keys, the upsert targets.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "people": ("person_id",),
    "interactions": ("interaction_id",),
    "audience_daily": ("platform", "account_id", "day"),
    "referrals": ("referral_id",),
    "costs": ("week", "platform"),
}
CANONICAL_TABLES = tuple(NATURAL_KEYS)


INTERNAL_COLUMNS = ("load_id", "is_owner")


def canonical_columns(table: str) -> list[str]:
    """The public columns of a canonical table, in contract order (no bookkeeping columns)."""
    return [c.name for c in metadata.tables[table].columns if c.name not in INTERNAL_COLUMNS]


def resolve_url(url: str | None = None) -> str:
    """--db URL, else RAPPORT_DB_URL, else the embedded DuckDB file."""
    return url or os.environ.get("RAPPORT_DB_URL") or DEFAULT_DB_URL


def absolute_url(url: str) -> str:
    """`url` with a relative DuckDB file made absolute from the current folder, for a process
    that runs elsewhere (the dashboard runs from the project's folder); other URLs unchanged."""
    parsed = sa.engine.make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "duckdb" or not path or path == ":memory:" \
            or os.path.isabs(path):
        return url
    return parsed.set(database=os.path.abspath(path)).render_as_string(hide_password=False)


def is_duckdb(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "duckdb"


def duckdb_path(url: str) -> str:
    """The file of a duckdb:/// URL (':memory:' for an in-memory database)."""
    return sa.engine.make_url(url).database or ":memory:"


def opens_read_only(url: str) -> bool:
    """Whether readers open `url` read-only (`read_connection`): every engine, and a DuckDB
    file that exists. A new DuckDB file or an in-memory database opens only read-write.

    In one process DuckDB refuses a read-write connection to a file while a read-only one is
    open (and the reverse), so every reader of an existing file must open it the same way.
    """
    url = resolve_url(url)
    if not is_duckdb(url):
        return True
    path = duckdb_path(url)
    return path != ":memory:" and os.path.exists(path)


def file_identity(url: str | None = None) -> tuple | None:
    """For a DuckDB file: device, inode, size and times of it and of its write-ahead log, read
    without opening it; None for other engines and in-memory databases.

    A load publishes a new file over the old one (a new inode) and a write in place changes the
    file's or its log's size or times, so an unchanged identity means unchanged data.
    """
    url = resolve_url(url)
    if not is_duckdb(url) or duckdb_path(url) == ":memory:":
        return None
    identity: list[tuple | None] = []
    for path in (duckdb_path(url), duckdb_path(url) + ".wal"):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            identity.append(None)
            continue
        identity.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(identity)


# DuckDB's units; a share of the machine's memory is 1% to 100%.
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([KMGT](i?B)?|B)|(%))", re.IGNORECASE | re.ASCII)
READ_MEMORY_ENV = "RAPPORT_READ_MEMORY"


def memory_setting(name: str, default: str | None = None) -> str | None:
    """A DuckDB memory size from the environment variable `name` (like 2GB, 512MiB, or 50% of
    the machine's memory), else `default`; ValueError naming the variable when it is not one."""
    value = os.environ.get(name, "").strip() or default
    if value is None:
        return None
    found = _SIZE.fullmatch(value)
    number = float(found.group(1)) if found else 0.0
    if not found or number <= 0 or (found.group(4) and number > 100):
        raise ValueError(f"{name}={value!r}: expected a size like 2GB, 512MB or 50%")
    return value


# SQLAlchemy finds a dialect that it does not ship among the entry points of every installed
# package, which reads each package's metadata (tens of milliseconds at every start of the CLI);
# named here, duckdb_engine's is imported directly.
sa.dialects.registry.register("duckdb", "duckdb_engine", "Dialect")


def make_engine(url: str | None = None, *, read_only: bool = False) -> Engine:
    """An engine that holds no connection (and so no DuckDB file lock) between uses.

    A read-only DuckDB connection is bounded by RAPPORT_READ_MEMORY when it is set: past it,
    DuckDB spills to a folder of this process under the system's temporary directory (a
    reader may not write beside the warehouse, and readers must not share spill files) instead
    of growing. What it costs: docs/benchmarks.md, change 21.
    """
    url = resolve_url(url)
    # hide_parameters: an error message must not carry row values such as names.
    kwargs: dict = {"poolclass": NullPool, "hide_parameters": True}
    duckdb = is_duckdb(url)
    if duckdb and read_only:
        kwargs["connect_args"] = {"read_only": True}
        memory = memory_setting(READ_MEMORY_ENV)
        if memory:
            import tempfile

            spill = os.path.join(tempfile.gettempdir(), f"rapport-spill-{os.getpid()}")
            kwargs["connect_args"]["config"] = {"memory_limit": memory, "temp_directory": spill}
    engine = sa.create_engine(url, **kwargs)
    if duckdb:
        sa.event.listen(engine, "connect", _without_progress_bar)
    return engine


NO_PROGRESS_BAR = "SET enable_progress_bar = false"


def _without_progress_bar(dbapi_connection: Any, _record: Any) -> None:
    """DuckDB draws its own progress bar for any statement longer than two seconds, terminal or
    not, on stdout or stderr: inside a command's output, across a load's progress lines, in the
    dashboard server's log. rapport
    reports its own progress, so the bar is turned off on each connection (a setting of the
    session: the database's configuration, which every connection to a file must share, is
    left alone). Connections opened with duckdb.connect run NO_PROGRESS_BAR themselves."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(NO_PROGRESS_BAR)
    finally:
        cursor.close()


# DuckDB's answers while another process holds the file for writing, or while this process
# holds it with other settings: both pass within moments, so readers retry briefly.
_BUSY_MESSAGES = ("Could not set lock on file", "Conflicting lock",
                  "different configuration than existing connections")
READ_RETRY_SECONDS = 5.0


def is_busy_error(exc: BaseException) -> bool:
    """True for DuckDB's transient "file is held by a writer" errors."""
    return any(m in str(exc) for m in _BUSY_MESSAGES)


@contextlib.contextmanager
def read_connection(url: str | None = None, *,
                    wait_seconds: float = READ_RETRY_SECONDS) -> Iterator[sa.Connection]:
    """A short-lived read-only connection; retries opening it while a writer holds the file.

    On a DuckDB file it opens read-only, so any number of readers share the file and a load
    (which publishes a new file) never makes them fail; close it quickly (leave the block).
    Raises the last error when the file stays busy longer than `wait_seconds`.
    """
    url = resolve_url(url)
    engine = make_engine(url, read_only=True)
    deadline = time.monotonic() + wait_seconds
    pause = 0.02
    try:
        while True:
            try:
                conn = engine.connect()
                break
            except sa.exc.DBAPIError as exc:
                if not is_busy_error(exc) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.25)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        engine.dispose()


def query(url: str | None, statement: sa.Executable | str,
          params: dict[str, Any] | None = None, *,
          wait_seconds: float = READ_RETRY_SECONDS) -> list[sa.Row]:
    """Run one read-only statement on a fresh connection and return all its rows."""
    if isinstance(statement, str):
        statement = sa.text(statement)
    with read_connection(url, wait_seconds=wait_seconds) as conn:
        return list(conn.execute(statement, params or {}).fetchall())


def table_names(conn: sa.Connection) -> set[str]:
    """The tables of the database's default schema, in one look at its catalog."""
    return set(sa.inspect(conn).get_table_names(schema=conn.dialect.default_schema_name))


def missing_tables(conn: sa.Connection, present: set[str] | None = None) -> list[str]:
    """The canonical tables that the database does not have yet (`present`: its table names,
    when the caller has them)."""
    present = table_names(conn) if present is None else present
    return [name for name in metadata.tables if name not in present]


def create_schema(bind: Engine | sa.Connection) -> None:
    """Create every canonical table that does not exist yet.

    A warehouse that has them all costs one look at its list of tables (SQLAlchemy's
    `create_all(checkfirst=True)` asks once per table); one that lacks any, new or made by an
    older version, gets the missing ones. Given a connection, the caller commits.
    """
    if isinstance(bind, sa.Connection):
        if missing_tables(bind):
            metadata.create_all(bind, checkfirst=True)
        return
    with bind.begin() as conn:
        create_schema(conn)


def platforms_query() -> sa.CompoundSelect:
    """Every platform with interactions, audience figures, referrals or costs (the platforms a
    platform filter can ask for), one row each."""
    return sa.union(*(sa.select(t.c.platform.label("platform"))
                      .where(t.c.platform.is_not(None), t.c.platform != "").distinct()
                      for t in (interactions, audience_daily, referrals, costs)))


@lru_cache(maxsize=None)
def table(name: str) -> sa.Table:
    return metadata.tables[name]
