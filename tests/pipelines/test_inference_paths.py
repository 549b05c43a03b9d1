"""A first load writes rows with their inferred targets; a later load infers by updating them.
Both must give every row the same target, and drop the same redundant mentions."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines import warehouse
from pipelines.load import load_paths

HEADER = "interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated"
OTHER = "y:1,y,2024-01-01T00:00:00Z,y:a,y:b,dm,y:t,,false"  # a thread no other row touches


def export(seed: int, threads: int = 40, repeats: bool = False) -> str:
    """Threads of posts, replies, comments and dms with empty targets, shared times, missing
    roots and parents, and mentions that an inferred target makes redundant; with `repeats`,
    some records appear again later in the file (the last one wins)."""
    rng = random.Random(seed)
    people = [f"x:p{i}" for i in range(6)]
    start = datetime(2025, 3, 1)
    rows, n = [], 0
    for t in range(threads):
        kind = rng.choice(["post", "dm", "dm"])
        thread = f"x:t{t}" if kind == "dm" else f"x:{n + 1}"
        ids: list[str] = []
        for _ in range(rng.randint(1, 8)):
            n += 1
            mid = f"x:{n}"
            when = start + timedelta(hours=t, minutes=rng.choice([0, 0, 5, 10]))  # ties
            actor = rng.choice(people)
            first = not ids
            k = kind if kind == "dm" else ("post" if first else rng.choice(["reply", "comment"]))
            if first and kind == "post" and rng.random() < 0.2:
                continue  # the root post is not in this export
            target = "" if rng.random() < 0.7 else rng.choice(people)
            parent = rng.choice(ids + ["x:missing"]) if ids and rng.random() < 0.3 else ""
            rows.append(f"{mid},x,{when:%Y-%m-%dT%H:%M:%S}Z,{actor},{target},{k},{thread},{parent},false")
            if rng.random() < 0.3:
                named = rng.choice(people)
                rows.append(f"{mid}/mention/{named[2:]},x,{when:%Y-%m-%dT%H:%M:%S}Z,{actor},{named},"
                            f"mention,{thread},,false")
            ids.append(mid)
    if repeats:
        again = rng.sample(rows, 10)
        rows += [r.replace(",x:p", ",x:q", 1) for r in again]  # same key, another actor
    return "\n".join([HEADER, *rows]) + "\n"


def load_csv(url: str, folder: Path, text: str) -> None:
    folder.mkdir(parents=True)
    (folder / "interactions.csv").write_text(text, encoding="utf-8")
    (summary,) = load_paths([folder], url)
    assert summary.status == "loaded"


def rows(url: str) -> list[tuple]:
    engine = warehouse.make_engine(url)
    with engine.connect() as conn:
        found = sorted(tuple(r) for r in conn.execute(sa.text(
            "SELECT interaction_id, target_id FROM interactions WHERE platform = 'x'")))
    engine.dispose()
    return found


@pytest.mark.parametrize("seed,repeats", [(1, False), (2, False), (3, True), (4, True)])
def test_a_first_load_and_a_later_load_infer_the_same_targets(
        tmp_path: Path, seed: int, repeats: bool) -> None:
    text = export(seed, repeats=repeats)
    first = f"duckdb:///{tmp_path / 'first.duckdb'}"
    load_csv(first, tmp_path / "a", text)
    later = f"duckdb:///{tmp_path / 'later.duckdb'}"
    load_csv(later, tmp_path / "b", f"{HEADER}\n{OTHER}\n")
    load_csv(later, tmp_path / "c", text)
    got = rows(first)
    assert got == rows(later)
    inferred = {i for i, t in got if t} - {line.split(",")[0] for line in text.splitlines()
                                           if line.split(",")[4]}
    assert len(inferred) > 10  # the export exercises the inference
