"""Interactions are written in platform and time order, whatever the order of the export.

A DuckDB table keeps its rows in the order they were inserted, with each row group's min and
max: rows near in time sitting together is what lets a range of weeks or one platform skip the
rest, and what keeps a thread's or a pair's rows close for the catalog's groupings.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

from pipelines.load import load_paths

from tests.pipelines.test_load_generic import write_folder

HEADER = "interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated\n"
START = datetime(2026, 3, 2, tzinfo=timezone.utc)


def people() -> str:
    rows = ["person_id,platform,handle,display_name,is_ours"]
    for platform in ("slack", "x"):
        rows.append(f"{platform}:us,{platform},us,Us,true")
        rows += [f"{platform}:p{i},{platform},p{i},P {i},false" for i in range(20)]
    return "\n".join(rows) + "\n"


def interactions(first: int, count: int, rng: random.Random, changed: set[int] = frozenset()) -> str:
    """`count` messages numbered from `first`, in shuffled order, two platforms mixed."""
    rows = []
    for n in range(first, first + count):
        platform = ("slack", "x")[n % 2]
        at = START + timedelta(hours=rng.randrange(24 * 60), seconds=n % 60)
        kind = "reply" if n in changed else "dm"
        rows.append(f"{platform}:{n},{platform},{at:%Y-%m-%dT%H:%M:%SZ},{platform}:p{n % 20},"
                    f"{platform}:us,{kind},{platform}:t{n % 20},,false")
    rng.shuffle(rows)
    return HEADER + "".join(r + "\n" for r in rows)


def stored(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT platform, occurred_at, load_id, interaction_id "
                           "FROM interactions ORDER BY rowid").fetchall()
    finally:
        con.close()


def in_order(rows: list[tuple]) -> bool:
    keys = [(platform, at) for platform, at, *_ in rows]
    return keys == sorted(keys)


def test_first_and_later_loads_write_by_platform_and_time(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "w.duckdb"
    first = interactions(0, 400, rng)
    assert not in_order([(line.split(",")[1], line.split(",")[2])
                         for line in first.splitlines()[1:]])  # the export itself is shuffled
    load_paths([write_folder(tmp_path / "one", people=people(), interactions=first)],
               f"duckdb:///{path}")
    rows = stored(path)
    assert len(rows) == 400 and in_order(rows)

    # A later load: new messages, and two earlier ones changed (replaced, so written again).
    later = interactions(400, 150, rng) + "".join(
        interactions(n, 1, random.Random(n), changed={n}).splitlines(keepends=True)[1]
        for n in (3, 250))
    load_paths([write_folder(tmp_path / "two", interactions=later)], f"duckdb:///{path}")
    rows = stored(path)
    assert len(rows) == 550
    loads = list(dict.fromkeys(load_id for _, _, load_id, _ in rows))
    assert len(loads) == 2
    for load_id in loads:
        block = [r for r in rows if r[2] == load_id]
        assert in_order(block)
    assert {r[3] for r in rows if r[2] == loads[1]} >= {"slack:250", "x:3"}
