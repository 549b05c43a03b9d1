"""Processes the reliability tests start: a loader that publishes batches, and readers.

Run as a script: `python workers.py loader URL FOLDER SECONDS AT_LEAST STOPFILE`,
`python workers.py reader URL STOPFILE LIMIT OUT.json` or `python workers.py load-once URL PATH`. A batch is one export folder with
`people.csv` (PEOPLE rows) and `interactions.csv` (ROWS rows), all tagged with the batch
number, so a reader can tell a whole batch from a torn one.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PEOPLE = 20
ROWS = 200
PAUSE = 0.05  # between a reader's queries: a dashboard's pace, and CPU left for the loader
HEADER_PEOPLE = "person_id,platform,handle,display_name,is_ours\n"
HEADER_INTERACTIONS = ("interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,"
                       "in_reply_to,automated\n")


def write_batch(folder: Path, batch: int, count: int = ROWS) -> Path:
    """An export folder for batch `batch` (people and interactions tagged with it)."""
    out = folder / f"batch{batch:04d}"
    out.mkdir(parents=True, exist_ok=True)
    people = [f"gen:b{batch}p{i},gen,member{batch}_{i},Member {i},{'true' if i == 0 else 'false'}"
              for i in range(PEOPLE)]
    (out / "people.csv").write_text(HEADER_PEOPLE + "\n".join(people) + "\n")
    rows = []
    for j in range(count):
        actor, target = f"gen:b{batch}p{j % PEOPLE}", f"gen:b{batch}p{(j + 1) % PEOPLE}"
        minute = j % 60
        rows.append(f"gen:b{batch}m{j},gen,2025-03-0{1 + j % 7}T10:{minute:02d}:00Z,{actor},"
                    f"{target},dm,gen:b{batch},,false")
    (out / "interactions.csv").write_text(HEADER_INTERACTIONS + "\n".join(rows) + "\n")
    return out


INVARIANT_SQL = """
SELECT
  (SELECT count(*) FROM (
     SELECT thread_id FROM interactions GROUP BY thread_id HAVING count(*) <> {rows})) AS torn_batches,
  (SELECT count(*) FROM (
     SELECT split_part(person_id, 'p', 1) AS batch FROM people
     GROUP BY 1 HAVING count(*) <> {people})) AS torn_people,
  (SELECT count(DISTINCT thread_id) FROM interactions) AS batches,
  (SELECT count(*) FROM people) / {people} AS people_batches,
  (SELECT count(*) FROM loads l WHERE l.status = 'loaded' AND l.rows_loaded <>
     (SELECT count(*) FROM interactions i WHERE i.load_id = l.load_id)
     + (SELECT count(*) FROM people p WHERE p.load_id = l.load_id)) AS loads_not_whole
""".format(rows=ROWS, people=PEOPLE)


def loader(url: str, folder: str, seconds: float, at_least: int, stop: str) -> None:
    """Publish batches for `seconds` and at least `at_least` times; then create `stop`."""
    from pipelines.load import load_paths

    deadline = time.monotonic() + seconds
    batch = 0
    intervals = []
    try:
        while batch < at_least or time.monotonic() < deadline:
            path = write_batch(Path(folder), batch)
            started = time.time()
            summaries = load_paths([path], url)
            intervals.append((started, time.time()))
            bad = [s for s in summaries if s.status != "loaded" or s.quarantined]
            if bad:
                raise SystemExit(f"batch {batch} did not load: {bad}")
            batch += 1
    finally:
        Path(stop).touch()
    print(json.dumps({"published": batch, "intervals": intervals}))


def reader(url: str, stop: str, limit: float, out: str) -> None:
    """Query the warehouse until `stop` exists (or `limit` seconds pass); record what it saw."""
    from pipelines.warehouse import query

    deadline = time.monotonic() + limit
    served = failed = torn = regressions = 0
    errors: list[str] = []
    starts: list[float] = []
    seen = 0
    while not Path(stop).exists() and time.monotonic() < deadline:
        started = time.time()
        try:
            row = query(url, INVARIANT_SQL)[0]
        except Exception as exc:  # every failure is a finding
            failed += 1
            errors.append(str(exc)[:300])
            continue
        served += 1
        starts.append(started)
        if row.torn_batches or row.torn_people or row.loads_not_whole or \
                row.batches != row.people_batches:
            torn += 1
            errors.append(f"torn read: {tuple(row)}")
        if row.batches < seen:
            regressions += 1
        seen = max(seen, row.batches)
        time.sleep(PAUSE)
    Path(out).write_text(json.dumps({"served": served, "failed": failed, "torn": torn,
                                     "regressions": regressions, "last_seen": seen,
                                     "starts": starts, "errors": errors[:10]}))


def load_once(url: str, path: str) -> None:
    """Say "ready" once imports are done, wait for a line on stdin, then load one export."""
    from pipelines.load import load_paths

    print("ready", flush=True)
    sys.stdin.readline()
    load_paths([Path(path)], url)
    print("done", flush=True)


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "load-once":
        load_once(sys.argv[2], sys.argv[3])
    elif role == "loader":
        loader(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif role == "reader":
        reader(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(f"unknown role {role!r}; expected loader, reader or load-once")
