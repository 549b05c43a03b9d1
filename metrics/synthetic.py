"""A seeded synthetic warehouse for benchmarks: DuckDB's bulk path, never row inserts.

    python -m metrics.synthetic --db duckdb:///bench.duckdb --interactions 1000000
    python -m metrics.synthetic --db postgresql+psycopg://... --interactions 1000000   # via COPY

About two years of interactions among a few thousand people and a few accounts of ours, with
threads, replies within days, automated messages, unfollows, audience, referrals and costs.
Every value is a hash of the row number and the seed, so a run is reproducible.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import warehouse

START = datetime(2024, 11, 4)  # a Monday
DAYS = 728  # 104 weeks
PLATFORMS = ("x", "linkedin", "slack")
OURS_PER_PLATFORM = 2


def _u(expr: str, salt: int, seed: int) -> str:
    """SQL for a uniform number in [0, 1) from a hash of expr, salt and seed."""
    return f"((hash({expr}, {salt}, {seed}) % 1000003) / 1000003.0)"


def build_duckdb(con: duckdb.DuckDBPyConnection, interactions: int, people: int = 4000,
                 seed: int = 7) -> None:
    """Fill the canonical tables of an open DuckDB connection (tables must exist, be empty)."""
    n_ours = len(PLATFORMS) * OURS_PER_PLATFORM
    con.execute(f"""
        INSERT INTO people (person_id, platform, handle, display_name, is_ours, is_owner)
        SELECT p.platform || ':' || CASE WHEN i < {OURS_PER_PLATFORM} THEN 'us' || i
                                         ELSE 'p' || i END,
               p.platform, 'h' || i, 'Person ' || i, i < {OURS_PER_PLATFORM},
               i < {OURS_PER_PLATFORM}
        FROM (SELECT unnest({list(PLATFORMS)}) AS platform) p, range({people}) r(i)
    """)
    # Each row: a platform, a pair (one of ours, one member), a direction, a kind and a time.
    # Times cluster per pair so that answers arrive within days.
    con.execute(f"""
        INSERT INTO interactions
        WITH base AS (
            SELECT i,
                   {_u('i', 1, seed)} AS u_platform,
                   {_u('i', 2, seed)} AS u_person,
                   {_u('i', 3, seed)} AS u_ours,
                   {_u('i', 4, seed)} AS u_kind,
                   {_u('i', 5, seed)} AS u_dir,
                   {_u('i', 6, seed)} AS u_time,
                   {_u('i', 7, seed)} AS u_jitter,
                   {_u('i', 8, seed)} AS u_member,
                   {_u('i', 9, seed)} AS u_misc
            FROM range({interactions}) r(i)
        ), shaped AS (
            SELECT i, u_misc,
                   {list(PLATFORMS)}[1 + floor(u_platform * {len(PLATFORMS)})::INT] AS platform,
                   {OURS_PER_PLATFORM} + floor(u_person * u_person * ({people} - {OURS_PER_PLATFORM}))::INT AS member,
                   {OURS_PER_PLATFORM} + floor(u_member * ({people} - {OURS_PER_PLATFORM}))::INT AS other_member,
                   floor(u_ours * {OURS_PER_PLATFORM})::INT AS ours,
                   CASE WHEN u_kind < 0.25 THEN 'reaction' WHEN u_kind < 0.45 THEN 'dm'
                        WHEN u_kind < 0.63 THEN 'reply' WHEN u_kind < 0.72 THEN 'comment'
                        WHEN u_kind < 0.77 THEN 'mention' WHEN u_kind < 0.85 THEN 'post'
                        WHEN u_kind < 0.89 THEN 'follow' WHEN u_kind < 0.91 THEN 'unfollow'
                        WHEN u_kind < 0.94 THEN 'share' WHEN u_kind < 0.95 THEN 'list_add'
                        WHEN u_kind < 0.97 THEN 'invite' ELSE 'connect' END AS kind,
                   CASE WHEN u_dir < 0.35 THEN 'out' WHEN u_dir < 0.80 THEN 'in' ELSE 'member' END AS dir,
                   -- a pair's activity concentrates in a few weeks: its hash picks a centre
                   (hash(floor(u_person * u_person * {people})::INT, {seed}) % {DAYS})
                     + (u_time - 0.5) * 60 + u_jitter * 2 AS day_offset
            FROM base
        )
        SELECT platform || ':' || i AS interaction_id,
               platform,
               TIMESTAMP '{START:%Y-%m-%d}' + to_microseconds(
                   (greatest(0, least({DAYS} - 0.001, day_offset)) * 86400e6)::BIGINT) AS occurred_at,
               platform || ':' || CASE WHEN dir = 'out' THEN 'us' || ours ELSE 'p' || member END,
               CASE WHEN kind = 'post' THEN NULL
                    WHEN dir = 'in' THEN platform || ':us' || ours
                    WHEN dir = 'member' THEN platform || ':p' || other_member
                    ELSE platform || ':p' || member END,
               kind,
               CASE WHEN kind IN ('reply', 'comment', 'mention', 'dm', 'post')
                    THEN platform || ':t' || (member % 500) || '-' || ours END,
               CASE WHEN kind = 'reply' AND u_misc < 0.5 THEN platform || ':' || (i - 1) END,
               dir = 'out' AND kind = 'dm' AND u_misc < 0.1,
               'synthetic'
        FROM shaped
    """)
    con.execute(f"""
        INSERT INTO audience_daily (platform, account_id, day, followers, impressions, load_id)
        SELECT p.platform, p.platform || ':us' || o, DATE '{START:%Y-%m-%d}' + d::INT,
               CASE WHEN {_u('d + o', 11, seed)} < 0.1 THEN NULL
                    ELSE 1000 + d * 3 + o * 500 + ({_u('d', 12, seed)} * 20)::INT END,
               (5000 * {_u('d + o', 13, seed)})::INT, 'synthetic'
        FROM (SELECT unnest({list(PLATFORMS)}) AS platform) p, range({OURS_PER_PLATFORM}) a(o),
             range({DAYS}) r(d)
    """)
    con.execute(f"""
        INSERT INTO referrals (referral_id, occurred_at, platform, referrer_id, stage, value,
                               currency, load_id)
        SELECT 'ref:' || i, TIMESTAMP '{START:%Y-%m-%d}' + to_microseconds(
                   ({_u('i', 21, seed)} * {DAYS} * 86400e6)::BIGINT),
               {list(PLATFORMS)}[1 + (i % {len(PLATFORMS)})::INT],
               NULL, 'lead', CASE WHEN i % 4 = 0 THEN NULL ELSE round({_u('i', 22, seed)} * 2000, 2) END,
               'EUR', 'synthetic'
        FROM range({max(10, interactions // 2000)}) r(i)
    """)
    con.execute(f"""
        INSERT INTO costs (week, platform, hours, hourly_rate, spend, load_id)
        SELECT strftime(DATE '{START:%Y-%m-%d}' + (7 * w)::INT, '%G-W%V'), p.platform,
               10 + w % 5, 60, CASE WHEN w % 3 = 0 THEN NULL ELSE 100 END, 'synthetic'
        FROM (SELECT unnest({list(PLATFORMS)}) AS platform) p, range({DAYS // 7}) r(w)
    """)


def copy_to_postgres(source: duckdb.DuckDBPyConnection, url: str) -> None:
    """Copy every canonical table from DuckDB into PostgreSQL with COPY."""
    import psycopg

    engine = warehouse.make_engine(url)
    warehouse.create_schema(engine)
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(dsn) as pg:
        for name in warehouse.CANONICAL_TABLES:
            columns = [c.name for c in warehouse.table(name).columns]
            path = Path(tmp) / f"{name}.csv"
            source.execute(f"COPY (SELECT {', '.join(columns)} FROM {name}) "
                           f"TO '{path}' (HEADER false, DELIMITER ',')")
            with pg.cursor() as cur, cur.copy(
                    f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
                with path.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
        pg.execute("ANALYZE")


def generate(url: str, interactions: int, people: int = 4000, seed: int = 7) -> float:
    """Create and fill a warehouse at url (DuckDB natively, PostgreSQL via COPY); seconds taken."""
    started = time.perf_counter()
    if warehouse.is_duckdb(url):
        engine = warehouse.make_engine(url)
        warehouse.create_schema(engine)
        engine.dispose()
        with duckdb.connect(warehouse.duckdb_path(url)) as con:
            con.execute(warehouse.NO_PROGRESS_BAR)
            build_duckdb(con, interactions, people, seed)
            con.execute("CHECKPOINT")
    else:
        with duckdb.connect() as con:
            con.execute(warehouse.NO_PROGRESS_BAR)
            engine = warehouse.make_engine("duckdb:///:memory:")
            for t in warehouse.metadata.sorted_tables:
                con.execute(str(_create_ddl(t, engine)))
            build_duckdb(con, interactions, people, seed)
            copy_to_postgres(con, url)
    return time.perf_counter() - started


def _create_ddl(table, engine):
    from sqlalchemy.schema import CreateTable

    return CreateTable(table).compile(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty warehouse")
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    seconds = generate(args.db, args.interactions, args.people, args.seed)
    print(f"generated {args.interactions:,} interactions in {seconds:.1f} s into {args.db}")


if __name__ == "__main__":
    main()
