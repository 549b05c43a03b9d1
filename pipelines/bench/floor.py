"""The floor: the best hand-written DuckDB query for the heaviest metric, reciprocal relationships.

The product compiles every metric through one portable compiler; the floor is what a person
who knows DuckDB and this one metric would write, so that the product's times can be read as
ratios to it. It computes, for each of N consecutive UTC weeks, the pairs (O ours, P not ours)
with a conversational O→P and a conversational P→O both in [end(W) − 90 days, end(W)).

Instead of expanding each event into the weeks whose 90-day window holds it, each (pair,
direction) becomes a 128-bit set of weeks. An event in week j (0 = the first week measured)
is inside the windows of weeks j … j + 11, and of week j + 12 too unless it happened on that
week's Monday (90 days = 12 weeks and 6 days). In one pass over the conversational rows,
each event becomes a run of bits, the runs are OR-ed per directed pair in one aggregation,
the two directions of a pair AND-ed, and the bits counted per week.
"""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from metrics.weeks import week_range
from pipelines.bench.measure import median, process_cpu_seconds, remove_database
from pipelines.warehouse import CONVERSATIONAL_KINDS, NATURAL_KEYS, NO_PROGRESS_BAR, \
    canonical_columns, metadata

MAX_WEEKS = 127  # one UHUGEINT holds the weeks
LEAD_WEEKS = 13  # weeks of history before the first measured week that a 90-day window reaches
DAY_US = 86_400_000_000
WINDOW = timedelta(days=90)


def floor_sql(end_week: str, weeks: int) -> str:
    """The floor query: rows (week label, reciprocal relationships), oldest week first."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"the floor query handles 1 to {MAX_WEEKS} weeks, not {weeks}")
    span = week_range(end_week, weeks, "UTC")
    first, last = span[0], span[-1]
    base = first.start_utc - timedelta(weeks=LEAD_WEEKS)  # keeps day numbers non-negative
    since = first.end_utc - WINDOW
    kinds = ", ".join(f"'{k}'" for k in CONVERSATIONAL_KINDS)
    labels = ", ".join(f"'{w.label}'" for w in span)
    return f"""
    WITH ours AS (SELECT person_id FROM people WHERE is_ours),
    talk AS (
        SELECT i.actor_id, i.target_id,
               i.actor_id IN (SELECT person_id FROM ours) AS actor_ours,
               i.target_id IN (SELECT person_id FROM ours) AS target_ours,
               (epoch_us(i.occurred_at) - epoch_us(TIMESTAMP '{base}')) // {DAY_US} AS d
        FROM interactions i
        WHERE i.kind IN ({kinds}) AND i.target_id <> ''
          AND i.occurred_at >= TIMESTAMP '{since}' AND i.occurred_at < TIMESTAMP '{last.end_utc}'
    ),
    spans AS (
        SELECT actor_id, target_id, actor_ours,
               greatest(d // 7 - {LEAD_WEEKS}, 0) AS lo,
               least(d // 7 - {LEAD_WEEKS} + 11 + (d % 7 <> 0)::INT, {weeks - 1}) AS hi
        FROM talk WHERE actor_ours <> target_ours
    ),
    bits AS (
        SELECT actor_id, target_id, actor_ours,
               bit_or(((1::UHUGEINT << (hi - lo + 1)::UHUGEINT) - 1) << lo::UHUGEINT) AS weeks
        FROM spans WHERE lo <= hi GROUP BY ALL
    ),
    reciprocal AS (
        SELECT there.weeks & back.weeks AS weeks
        FROM bits there JOIN bits back
          ON back.actor_id = there.target_id AND back.target_id = there.actor_id
        WHERE there.actor_ours AND NOT back.actor_ours
    ),
    counts AS (
        SELECT k, count(*) FILTER (WHERE (weeks >> k::UHUGEINT) & 1 = 1) AS pairs
        FROM reciprocal, range({weeks}) r(k) GROUP BY k
    )
    SELECT [{labels}][k + 1] AS week, pairs FROM range({weeks}) r(k) LEFT JOIN counts USING (k)
    ORDER BY k"""


def reciprocal_floor(con: Any, end_week: str, weeks: int) -> list[tuple[str, int]]:
    """Run the floor query on an open DuckDB connection: (week, pairs) per week."""
    return [(w, int(n or 0)) for w, n in con.execute(floor_sql(end_week, weeks)).fetchall()]


# What the targets call "one scan plus one group-by over the interactions": timed beside the
# floor, it says whether this machine scans and groups as fast as the one the targets quote.
SCAN_GROUP_SQL = "SELECT actor_id, count(*) FROM interactions GROUP BY actor_id"


def time_scan_group(path: str, repeat: int = 5) -> float:
    """Median seconds of one scan and one group-by of the interactions on a DuckDB file."""
    times = []
    with duckdb.connect(path, read_only=True) as con:
        con.execute(NO_PROGRESS_BAR)
        for _ in range(repeat):
            started = time.perf_counter()
            con.execute(SCAN_GROUP_SQL).fetchall()
            times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2]


def time_floor(path: str, end_week: str, weeks: int, repeat: int = 5) -> tuple[float, list[tuple[str, int]]]:
    """Median seconds of the floor query on a DuckDB file (opened once, read-only), and its rows."""
    times, rows = [], []
    with duckdb.connect(path, read_only=True) as con:
        con.execute(NO_PROGRESS_BAR)
        for _ in range(repeat):
            started = time.perf_counter()
            rows = reciprocal_floor(con, end_week, weeks)
            times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2], rows


# The load floor: DuckDB alone putting the interactions file into a keyed table of a new
# database file, with none of the loader's work (no line numbers, rules, quarantine, reply
# targets, Great Expectations or rollups). A load's rows/s read against it say how close the
# loader runs to the engine's own ingest on this machine.
# Times as TIMESTAMPTZ: DuckDB's TIMESTAMP reader drops a "+02:00" instead of applying it.
_DUCKDB_TYPES = {sa.String: "VARCHAR", sa.Text: "VARCHAR", sa.DateTime: "TIMESTAMPTZ",
                 sa.Boolean: "BOOLEAN", sa.BigInteger: "BIGINT", sa.Date: "DATE",
                 sa.Double: "DOUBLE", sa.Float: "DOUBLE"}


def load_floor_sql(csv: Path, table: str = "interactions") -> list[str]:
    """The statements of the load floor: DuckDB's typed CSV reader into `table`, then its key.

    Values DuckDB cannot type are skipped (`ignore_errors`); the loader would quarantine them.
    """
    types = {c.name: _DUCKDB_TYPES[type(c.type)] for c in metadata.tables[table].columns}
    columns = "{" + ", ".join(f"'{c}': '{types[c]}'" for c in canonical_columns(table)) + "}"
    source = str(csv).replace("'", "''")
    keys = ", ".join(f'"{k}"' for k in NATURAL_KEYS[table])
    return [f"CREATE TABLE {table} AS SELECT * FROM read_csv('{source}', columns={columns}, "
            "header=true, auto_detect=false, ignore_errors=true)",
            f"ALTER TABLE {table} ADD PRIMARY KEY ({keys})",
            "CHECKPOINT"]


def time_load_floor(csv: Path, scratch: Path, repeat: int = 3) -> dict[str, float]:
    """Median seconds of the load floor (a new database file each time, removed after), its
    median CPU seconds (this process's, DuckDB's threads included), the rows it kept, and rows/s."""
    times, cpu, rows = [], [], 0
    for _ in range(repeat):
        remove_database(scratch)
        started, used = time.perf_counter(), process_cpu_seconds()
        with duckdb.connect(str(scratch)) as con:
            con.execute(NO_PROGRESS_BAR)
            for statement in load_floor_sql(csv):
                con.execute(statement)
            times.append(time.perf_counter() - started)
            cpu.append(process_cpu_seconds() - used)
            rows = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    remove_database(scratch)
    seconds = median(times)
    return {"seconds": seconds, "cpu_seconds": median(cpu), "rows": rows,
            "rows_per_second": rows / seconds}


def main(argv: list[str] | None = None) -> None:
    """`python -m pipelines.bench.floor CSV SCRATCH`: the load floor, as one JSON line.

    The benchmark runs it in a process of its own: a process's peak memory is inherited by the
    commands it starts next, which would then report the floor's instead of their own.
    """
    import json
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    print(json.dumps(time_load_floor(Path(args[0]), Path(args[1]))))


if __name__ == "__main__":
    main()
