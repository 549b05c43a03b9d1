"""A hand-written DuckDB query for weekly reciprocal relationships: the benchmark's floor.

It is what a careful analyst would write by hand for UTC weeks on DuckDB alone (no catalog, no
portability): conversational events between ours and not ours in the 90-day reach of the
weeks, aggregated to (pair, direction, week), each spread over the weeks whose window holds it,
then pairs with both directions counted per week. The product must agree with it, and the
benchmark compares the whole catalog's time with this one query's.
"""
from __future__ import annotations

from datetime import timedelta

import duckdb

from metrics.weeks import week_range

WINDOW = timedelta(days=90)
WEEK_US = 7 * 24 * 3600 * 1_000_000
SHIFT = 10_000  # weeks added before integer division so that it rounds down


def floor_sql(end_week: str, weeks: int) -> tuple[str, list]:
    """SQL and parameters computing (idx, week label, reciprocal pairs) for UTC weeks."""
    ws = week_range(end_week, weeks, "UTC")
    first_end, last_end = ws[0].end_utc, ws[-1].end_utc
    labels = [w.label for w in ws]
    sql = f"""
    WITH ours AS (SELECT person_id FROM people WHERE is_ours),
    events AS (
        SELECT CASE WHEN a.person_id IS NOT NULL THEN i.actor_id ELSE i.target_id END AS o,
               CASE WHEN a.person_id IS NOT NULL THEN i.target_id ELSE i.actor_id END AS p,
               a.person_id IS NOT NULL AS outbound,
               epoch_us(i.occurred_at) - epoch_us($first_end) AS us
        FROM interactions i
        LEFT JOIN ours a ON a.person_id = i.actor_id
        LEFT JOIN ours b ON b.person_id = i.target_id
        WHERE i.kind IN ('reply', 'comment', 'mention', 'dm') AND i.target_id <> ''
          AND i.occurred_at >= $since AND i.occurred_at < $last_end
          AND (a.person_id IS NULL) <> (b.person_id IS NULL)
    ),
    pair_weeks AS (
        SELECT o, p, outbound,
               greatest(0, (us + {SHIFT * WEEK_US}) // {WEEK_US} - {SHIFT} + 1) AS lo,
               max(us) AS last_us
        FROM events GROUP BY ALL
    ),
    spread AS (
        SELECT o, p, outbound,
               unnest(range(lo, least({weeks - 1},
                   (last_us + {int(WINDOW.total_seconds()) * 1_000_000} + {SHIFT * WEEK_US})
                   // {WEEK_US} - {SHIFT}) + 1)) AS idx
        FROM pair_weeks
    ),
    reciprocal AS (
        SELECT idx, o, p FROM spread GROUP BY idx, o, p HAVING count(DISTINCT outbound) = 2
    )
    SELECT w.idx, w.week, coalesce(c.pairs, 0) AS pairs
    FROM (SELECT unnest(range({weeks})) AS idx, unnest($labels) AS week) w
    LEFT JOIN (SELECT idx, count(*) AS pairs FROM reciprocal GROUP BY idx) c USING (idx)
    ORDER BY w.idx
    """
    params = {"first_end": first_end, "since": first_end - WINDOW, "last_end": last_end,
              "labels": labels}
    return sql, params


def reciprocal_floor(path: str, end_week: str, weeks: int) -> list[tuple[str, int]]:
    """(week, reciprocal relationships) for the weeks ending with end_week, on a DuckDB file."""
    sql, params = floor_sql(end_week, weeks)
    with duckdb.connect(path, read_only=True) as con:
        return [(week, pairs) for _, week, pairs in con.execute(sql, params).fetchall()]
