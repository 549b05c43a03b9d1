"""How many statements compute a catalog on DuckDB: one, or two when one would spill to disk.

Under a memory bound, a large catalog runs as two statements, each holding about half of the
state: first the measures that keep every pair or thread over all the weeks, then the rest.
Below the threshold one statement is faster, since it builds the shared activity rows once.

Measured at 10M interactions (docs/benchmarks.md, changes 25 and 27), per GiB of the bound:
- over 104 weeks (a load's rollups, the whole catalog): one statement and two take as long at
  3.6M interactions; two are faster at 5.4M (19-22 s against 12-14 s) and 10.7M (32-35 s
  against 18.7 s);
- over 1 or 13 weeks (the weekly check): one statement is faster at 5.4M (6.0-8.0 s against
  6.6-8.4 s); two are faster at 7.2M (8.6-10.9 s against 7.7-8.5 s) and 10.7M (14-17 s against
  7.6-9.7 s).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sqlalchemy as sa

from metrics import catalog as cat
from pipelines import warehouse

if TYPE_CHECKING:
    from metrics.scope import Scope

KEEP_EVERY_PAIR = ("reciprocal_window", "thread_reciprocity", "reply_within")
SPLIT_ABOVE_PER_GIB = 4_000_000  # interactions per GiB of the bound, over long spans
SHORT_SPAN_WEEKS = 13  # the weekly check's week and its 12-week sparklines
SHORT_SPLIT_ABOVE_PER_GIB = 6_000_000  # over SHORT_SPAN_WEEKS or fewer
_UNITS = {"bytes": 1, "KiB": 2 ** 10, "MiB": 2 ** 20, "GiB": 2 ** 30, "TiB": 2 ** 40}


def statements(names: list[str], interactions: int, limit: float | None,
               weeks: int | None = None) -> list[list[str]]:
    """The metrics of each statement computing `names` for `weeks` weeks (None: many) over
    `interactions` rows under a memory `limit` in bytes (None: unbounded), in order."""
    heavy = [n for n in names if cat.metric(n).type in KEEP_EVERY_PAIR]
    if _fits(interactions, limit, weeks) or not heavy or len(heavy) == len(names):
        return [names]
    return [heavy, [n for n in names if n not in heavy]]


def side_by_side(interactions: int, limit: float | None, weeks: int | None = None) -> bool:
    """Whether two catalogs over at most `interactions` rows each may run at once under a
    memory `limit` in bytes: one over twice as many would stay one statement. Never when the
    limit is unknown."""
    return limit is not None and _fits(2 * interactions, limit, weeks)


def _fits(interactions: int, limit: float | None, weeks: int | None) -> bool:
    """Whether the whole catalog over `interactions` rows is one statement under `limit`."""
    per_gib = (SHORT_SPLIT_ABOVE_PER_GIB if weeks is not None and weeks <= SHORT_SPAN_WEEKS
               else SPLIT_ABOVE_PER_GIB)
    return limit is None or interactions <= per_gib * limit / _UNITS["GiB"]


def memory_limit(conn: sa.Connection) -> float | None:
    """DuckDB's memory limit in bytes, as it reports it (like '953.6 MiB'); None if unknown."""
    shown = str(conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar())
    match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]+)\s*", shown)
    if match is None or match.group(2) not in _UNITS:
        return None
    return float(match.group(1)) * _UNITS[match.group(2)]


def interactions(conn: sa.Connection, platform: str | None) -> int:
    """How many interactions a catalog for `platform` (None: all) reads."""
    i = warehouse.interactions
    query = sa.select(sa.func.count()).select_from(i)
    if platform is not None:
        query = query.where(i.c.platform == platform)
    return int(conn.execute(query).scalar())


def plan(conn: sa.Connection, names: list[str], scope: Scope) -> list[list[str]]:
    """The statements for `names` over `scope` on DuckDB, under the connection's memory limit
    (RAPPORT_READ_MEMORY on a reader, else DuckDB's share of the machine's memory)."""
    if len({cat.metric(n).type in KEEP_EVERY_PAIR for n in names}) < 2:
        return [names]  # nothing to split, and no need to count
    limit, weeks = memory_limit(conn), len(scope.weeks) - 1
    if limit is None or len(statements(names, interactions(conn, None), limit, weeks)) == 1:
        return [names]  # all of them fit (a count DuckDB answers from its metadata)
    return statements(names, interactions(conn, scope.platform), limit, weeks)


def catalog_rows(conn: sa.Connection, batches: list[list[str]], scope: Scope) -> list[dict]:
    """Every week of the scope with the value of every metric of `batches`, in week order."""
    from metrics.compiler import compile_metrics

    merged: dict[str, dict] = {}
    for batch in batches:
        for r in conn.execute(compile_metrics(batch, scope)).mappings():
            merged.setdefault(r["week"], {"week": r["week"]}).update(r)
    return list(merged.values())
