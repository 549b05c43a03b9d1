"""Canonical CSV files for the benchmark, written by DuckDB itself from `range(n)`.

    people.csv, interactions.csv, audience_daily.csv, referrals.csv, costs.csv

About two and a quarter years of activity (START to END) among a few thousand people per
platform and two accounts of ours on each: conversations cluster in time around each pair's
centre so that relationships come and go, a skewed few members are very active, some replies
name the message they answer and some leave their target to be inferred, some outreach is
automated. A handful of records break a rule (a kind outside the list, a time without an
offset) so that the loader's checks and quarantine do real work. Every value is a hash of the
row number and the seed: the same size and seed give the same files, byte for byte.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.warehouse import NO_PROGRESS_BAR

PLATFORMS = ("x", "linkedin", "slack")
OURS_PER_PLATFORM = 2
START = date(2024, 3, 4)  # a Monday: 13 weeks of history before the first measured week
WEEKS = 117
END = START + timedelta(weeks=WEEKS)  # 2026-06-01, a Monday
LAST_WEEK = "2026-W22"  # the last complete week of the data; the benchmark measures 104 to it
BAD_EVERY = 100_003  # one record in about 100,000 breaks a rule
VERSION = 2  # of the generated data: files written by another version are written again


@dataclass(frozen=True)
class Dataset:
    """Where the files of one size are, and how many rows each holds."""

    folder: Path
    interactions: int
    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def people_per_platform(interactions: int) -> int:
    """Community size grows with activity: about 250 interactions per person."""
    return max(500, interactions // 250)


def _u(salt: int, seed: int, expr: str = "i") -> str:
    """SQL for a uniform number in [0, 1) from a hash of expr, salt and seed."""
    return f"((hash({expr}, {salt}, {seed}) % 1000003) / 1000003.0)"


def _iso(ts: str) -> str:
    return f"strftime({ts}, '%Y-%m-%dT%H:%M:%S.%fZ')"


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    return con.execute(f"COPY ({query}) TO '{path}' (HEADER true, DELIMITER ',')").fetchone()[0]


def _platform(salt_expr: str) -> str:
    return f"{list(PLATFORMS)}[1 + ({salt_expr} % {len(PLATFORMS)})::INT]"


def _people_sql(n: int) -> str:
    return f"""
        SELECT p.platform || ':' || CASE WHEN k < {OURS_PER_PLATFORM} THEN 'us' || k
                                         ELSE 'p' || k END AS person_id,
               p.platform, 'h' || k AS handle, 'Person ' || k AS display_name,
               CASE WHEN k < {OURS_PER_PLATFORM} THEN 'true' ELSE 'false' END AS is_ours
        FROM (SELECT unnest({list(PLATFORMS)}) AS platform) p, range({n}) r(k)
        ORDER BY p.platform, k"""


def _interactions_sql(n: int, people: int, seed: int, first_row: int = 0,
                      start: date = START, days: int | None = None) -> str:
    """Rows `first_row` to `first_row + n - 1` of the interactions, over `days` from `start`:
    the whole span, each pair's activity around a centre of its own; or a short span after it
    (a later export), spread evenly, its threads numbered as if the span went on."""
    spread = days is None
    days = (END - START).days if days is None else days
    day_offset = (f"greatest(0, least({days} - 0.001, (hash(member, platform, {seed}) % {days})"
                  " + (u_time - 0.5) * 70 + u_jitter * 3))" if spread else f"u_time * {days}")
    kinds = ("CASE WHEN u_kind < 0.25 THEN 'reaction' WHEN u_kind < 0.45 THEN 'dm' "
             "WHEN u_kind < 0.63 THEN 'reply' WHEN u_kind < 0.72 THEN 'comment' "
             "WHEN u_kind < 0.77 THEN 'mention' WHEN u_kind < 0.85 THEN 'post' "
             "WHEN u_kind < 0.89 THEN 'follow' WHEN u_kind < 0.91 THEN 'unfollow' "
             "WHEN u_kind < 0.94 THEN 'share' WHEN u_kind < 0.95 THEN 'list_add' "
             "WHEN u_kind < 0.97 THEN 'invite' ELSE 'connect' END")
    members = people - OURS_PER_PLATFORM
    return f"""
        WITH base AS (
            SELECT i, {_platform(f'hash(i, 1, {seed})')} AS platform,
                   {OURS_PER_PLATFORM} + floor({_u(2, seed)} * {_u(2, seed)} * {members})::INT AS member,
                   {OURS_PER_PLATFORM} + floor({_u(8, seed)} * {members})::INT AS other,
                   floor({_u(3, seed)} * {OURS_PER_PLATFORM})::INT AS ours,
                   {_u(4, seed)} AS u_kind, {_u(5, seed)} AS u_dir, {_u(6, seed)} AS u_time,
                   {_u(7, seed)} AS u_jitter, {_u(9, seed)} AS u_misc
            FROM range({first_row}, {first_row + n}) r(i)
        ), shaped AS (
            SELECT *, {kinds} AS kind,
                   CASE WHEN u_dir < 0.35 THEN 'out' WHEN u_dir < 0.80 THEN 'in'
                        ELSE 'member' END AS dir,
                   -- a pair's activity gathers around a centre of its own, over some weeks
                   {day_offset} AS day_offset
            FROM base
        )
        SELECT platform || ':' || i AS interaction_id,
               platform,
               CASE WHEN i % {BAD_EVERY} = 29 THEN strftime(TIMESTAMP '{start}'
                        + to_microseconds((day_offset * 86400e6)::BIGINT), '%Y-%m-%d %H:%M:%S')
                    ELSE {_iso(f"TIMESTAMP '{start}' + to_microseconds((day_offset * 86400e6)::BIGINT)")}
               END AS occurred_at,
               platform || ':' || CASE WHEN dir = 'out' THEN 'us' || ours ELSE 'p' || member END
                   AS actor_id,
               CASE WHEN kind = 'post' THEN NULL
                    WHEN kind IN ('reply', 'comment') AND u_misc > 0.98 THEN NULL
                    WHEN dir = 'in' THEN platform || ':us' || ours
                    WHEN dir = 'member' THEN platform || ':p' || other
                    ELSE platform || ':p' || member END AS target_id,
               CASE WHEN i % {BAD_EVERY} = 17 THEN 'poke' ELSE kind END AS kind,
               -- a thread is one pair's exchange within a fortnight: a handful of messages
               CASE WHEN kind IN ('reply', 'comment', 'mention', 'dm', 'post')
                    THEN platform || ':t' || member || '-' || ours || '-'
                         || floor((day_offset + {(start - START).days}) / 14)::INT END AS thread_id,
               CASE WHEN kind = 'reply' AND u_misc < 0.5
                    THEN {_platform(f'hash(i - 1, 1, {seed})')} || ':' || (i - 1) END AS in_reply_to,
               CASE WHEN dir = 'out' AND kind = 'dm' AND u_misc < 0.1 THEN 'true'
                    ELSE 'false' END AS automated
        FROM shaped"""


def _audience_sql(seed: int) -> str:
    days = (END - START).days
    counts = ("followers", "following", "impressions", "reach", "engagements", "likes",
              "page_views", "members")
    values = {
        "followers": f"CASE WHEN {_u(11, seed, 'd + o')} < 0.1 THEN NULL "
                     f"ELSE 1000 + d * 3 + o * 500 + ({_u(12, seed, 'd')} * 20)::INT END",
        "following": "200 + d // 10",
        "impressions": f"(5000 * {_u(13, seed, 'd + o')})::INT",
        "reach": f"(3000 * {_u(14, seed, 'd + o')})::INT",
        "engagements": f"(200 * {_u(15, seed, 'd + o')})::INT",
    }
    columns = ", ".join(f"{values.get(c, 'NULL')} AS {c}" for c in counts)
    return f"""
        SELECT p.platform, p.platform || ':us' || o AS account_id,
               strftime(DATE '{START}' + d::INT, '%Y-%m-%d') AS day, {columns}
        FROM (SELECT unnest({list(PLATFORMS)}) AS platform) p,
             range({OURS_PER_PLATFORM}) a(o), range({days}) r(d)
        ORDER BY 1, 2, 3"""


def _referrals_sql(n: int, people: int, seed: int) -> str:
    days = (END - START).days
    return f"""
        SELECT 'ref:' || i AS referral_id,
               {_iso(f"TIMESTAMP '{START}' + to_microseconds(({_u(21, seed)} * {days} * 86400e6)::BIGINT)")}
                   AS occurred_at,
               {_platform('i')} AS platform,
               CASE WHEN i % 3 = 0 THEN NULL
                    ELSE {_platform('i')} || ':p' || ({OURS_PER_PLATFORM} + i % {people - OURS_PER_PLATFORM})
               END AS referrer_id,
               ['introduction', 'lead', 'opportunity', 'deal'][1 + (i % 4)::INT] AS stage,
               CASE WHEN i % 4 = 0 THEN NULL ELSE round({_u(22, seed)} * 2000, 2) END AS value,
               'EUR' AS currency
        FROM range({n}) r(i) ORDER BY i"""


def _costs_sql() -> str:
    return f"""
        SELECT strftime(DATE '{START}' + (7 * w)::INT, '%G-W%V') AS week, p.platform,
               10 + w % 5 AS hours, 60 AS hourly_rate,
               CASE WHEN w % 3 = 0 THEN NULL ELSE 100 END AS spend
        FROM (SELECT unnest({list(PLATFORMS)}) AS platform) p, range({WEEKS}) r(w)
        ORDER BY 1, 2"""


def generate(folder: Path, interactions: int, seed: int = 7) -> Dataset:
    """Write the five canonical CSVs of one size into `folder` (reused when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f".complete-{interactions}-{seed}-v{VERSION}"
    people = people_per_platform(interactions)
    queries = {
        "people": _people_sql(people),
        "interactions": _interactions_sql(interactions, people, seed),
        "audience_daily": _audience_sql(seed),
        "referrals": _referrals_sql(max(10, interactions // 2000), people, seed),
        "costs": _costs_sql(),
    }
    started = time.perf_counter()
    rows: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute(NO_PROGRESS_BAR)
        con.execute("SET threads = 2")
        con.execute("SET TimeZone = 'UTC'")
        reuse = marker.exists()
        for table, query in queries.items():
            path = folder / f"{table}.csv"
            if reuse and path.exists():
                rows[table] = con.execute(
                    f"SELECT count(*) FROM read_csv('{path}', all_varchar=true)").fetchone()[0]
            else:
                rows[table] = _copy(con, query, path)
    marker.touch()
    return Dataset(folder, interactions, rows, time.perf_counter() - started)


def generate_next_week(folder: Path, interactions: int, seed: int = 7) -> Dataset:
    """Write `interactions.csv` of the week after the data of `generate` (2026-W23): an average
    week's share of its interactions, numbered after them, among the same people."""
    folder.mkdir(parents=True, exist_ok=True)
    count = max(1, interactions // WEEKS)
    query = _interactions_sql(count, people_per_platform(interactions), seed, first_row=interactions,
                              start=END, days=7)
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(NO_PROGRESS_BAR)
        con.execute("SET threads = 2")
        con.execute("SET TimeZone = 'UTC'")
        rows = {"interactions": _copy(con, query, folder / "interactions.csv")}
    return Dataset(folder, count, rows, time.perf_counter() - started)
