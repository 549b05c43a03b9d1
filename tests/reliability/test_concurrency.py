"""Loads never break the dashboard: readers keep answering while a loader publishes."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard import bookkeeping, queries
from pipelines.load import load_paths
from pipelines.publish import LoaderBusy, ensure_warehouse, loader_lock
from pipelines.warehouse import is_busy_error, make_engine, query, read_connection
from tests.reliability import workers

WORKERS = Path(__file__).with_name("workers.py")

SECONDS = 10  # the loader publishes for this long, and at least MIN_LOADS times
MIN_LOADS = 3
READERS = 3


@pytest.mark.slow
def test_readers_never_fail_nor_see_half_a_load_while_a_loader_publishes(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    ensure_warehouse(url)
    stop = tmp_path / "stop"
    outs = [tmp_path / f"reader{i}.json" for i in range(READERS)]
    readers = [subprocess.Popen([sys.executable, str(WORKERS), "reader", url, str(stop), "240",
                                 str(o)]) for o in outs]
    time.sleep(1.0)  # readers are up and querying before the first load starts
    loader = subprocess.run([sys.executable, str(WORKERS), "loader", url, str(tmp_path / "exports"),
                             str(SECONDS), str(MIN_LOADS), str(stop)],
                            capture_output=True, text=True, timeout=240)
    for r in readers:
        assert r.wait(timeout=60) == 0
    assert loader.returncode == 0, loader.stderr[-2000:]
    report = json.loads(loader.stdout.strip().splitlines()[-1])
    published, intervals = report["published"], report["intervals"]
    results = [json.loads(o.read_text()) for o in outs]
    served = sum(r["served"] for r in results)
    failed = sum(r["failed"] for r in results)
    torn = sum(r["torn"] for r in results)
    during = sum(1 for r in results for t in r["starts"] if any(a <= t <= b for a, b in intervals))
    print(f"\nconcurrency: {published} loads published, {served} reader queries served "
          f"({during} while a load ran), {failed} failed, {torn} torn, {READERS} readers")
    assert failed == 0, [r["errors"] for r in results]
    assert torn == 0, [r["errors"] for r in results]
    assert sum(r["regressions"] for r in results) == 0, "a reader saw older data after newer"
    assert published >= MIN_LOADS
    assert all(r["served"] >= MIN_LOADS for r in results)
    assert during >= MIN_LOADS, "readers were querying while loads ran"
    # Every load was published, whole.
    final = query(url, workers.INVARIANT_SQL)[0]
    assert final.batches == published and final.people_batches == published
    assert final.torn_batches == final.torn_people == final.loads_not_whole == 0
    assert query(url, "SELECT count(*) FROM loads WHERE status = 'loaded'")[0][0] == 2 * published


def test_a_second_loader_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    batch = workers.write_batch(tmp_path, 0)
    with loader_lock(url):
        with pytest.raises(LoaderBusy, match=r"another load is writing this warehouse \(pid \d+"):
            load_paths([batch], url)
        cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "load", str(batch), "--db", url],
                             capture_output=True, text=True, timeout=60)
    assert cli.returncode == 3
    assert "another load is writing this warehouse" in cli.stderr
    assert "wait for it to finish" in cli.stderr
    assert not Path(str(tmp_path / "warehouse.duckdb")).exists() or \
        query(url, "SELECT count(*) FROM interactions")[0][0] == 0
    # Once the lock is free the same load goes through.
    assert [s.status for s in load_paths([batch], url)] == ["loaded", "loaded"]


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pipelines.publish import loader_lock\n"
        f"with loader_lock({url!r}):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(LoaderBusy, match=f"pid {holder.pid}"):
        with loader_lock(url):
            pass
    holder.kill()
    holder.wait()
    with loader_lock(url):
        pass


def test_read_connection_waits_out_a_writer_and_then_answers(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    ensure_warehouse(url)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import time, duckdb\n"
        f"con = duckdb.connect({str(tmp_path / 'warehouse.duckdb')!r})\n"
        "print('open', flush=True); time.sleep(1.0); con.close()")], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "open"
    started = time.monotonic()
    assert query(url, "SELECT count(*) FROM loads")[0][0] == 0
    assert time.monotonic() - started >= 0.3  # it did wait for the writer
    writer.wait()


def test_read_connection_gives_up_after_its_bound_with_the_lock_error(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    ensure_warehouse(url)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import time, duckdb\n"
        f"con = duckdb.connect({str(tmp_path / 'warehouse.duckdb')!r})\n"
        "print('open', flush=True); time.sleep(30)")], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(sa.exc.DBAPIError) as caught:
            with read_connection(url, wait_seconds=0.5):
                pass
        assert is_busy_error(caught.value)
        assert time.monotonic() - started < 3
    finally:
        writer.kill()
        writer.wait()


def test_read_connection_is_read_only(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    ensure_warehouse(url)
    with read_connection(url) as conn:
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            conn.exec_driver_sql("CREATE TABLE sneaky (x INTEGER)")


def test_a_dashboard_table_answers_while_metrics_hold_their_read_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One dashboard server, two sessions: one computes metrics (the API holds a read-only
    connection meanwhile), the other draws a table. DuckDB refuses a read-write connection
    beside a read-only one in the same process, so the table must read read-only too."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    ensure_warehouse(url)
    monkeypatch.setenv("RAPPORT_READ_MEMORY", "300MB")
    with read_connection(url):
        assert bookkeeping.load_history(url).empty
        frame = queries.read_frame(url, sa.text(
            "SELECT current_setting('memory_limit') AS bound, count(*) AS loads FROM loads"))
    assert frame["loads"].tolist() == [0]
    assert frame["bound"].iloc[0].replace(" ", "") in ("286.1MiB", "300.0MB")  # the reader's bound
    with pytest.raises(sa.exc.DBAPIError, match="read-only"):
        queries.read_frame(url, sa.text("CREATE TABLE sneaky (x INTEGER)"))


@pytest.mark.postgres
def test_on_postgresql_each_file_is_its_own_transaction(pg_url: str, tmp_path: Path) -> None:
    """A file refused midway leaves the files before it loaded and nothing of its own."""
    good = workers.write_batch(tmp_path, 1)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "people.csv").write_text(workers.HEADER_PEOPLE + "gen:x,gen,x,X,false\n")
    (bad / "interactions.csv").write_text("interaction_id,platform\nx,y\n")  # missing columns
    summaries = load_paths([good, bad], pg_url)
    assert [s.status for s in summaries] == ["loaded", "loaded", "loaded", "refused"]
    assert "interactions.csv" in summaries[-1].message
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM interactions")).scalar() == workers.ROWS
        assert conn.execute(sa.text("SELECT count(*) FROM people")).scalar() == workers.PEOPLE + 1
        statuses = conn.execute(sa.text("SELECT status, count(*) FROM loads GROUP BY 1")).all()
    assert dict(statuses) == {"loaded": 3, "refused": 1}
    engine.dispose()
