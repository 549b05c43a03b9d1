"""Crash safety: a load killed at any point leaves the previous data, and a rerun completes it."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.load import load_paths
from pipelines.publish import ensure_warehouse

from tests.reliability import workers
from tests.reliability.state import canonical_state, orphans

WORKERS = Path(workers.__file__)
RUNS = 4  # per window: 8 kills in all
ROWS = 1000


def _victim(url: str, path: Path) -> subprocess.Popen:
    """A loader process, started and imported, that loads `path` when told to go."""
    return subprocess.Popen([sys.executable, str(WORKERS), "load-once", url, str(path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def _go(proc: subprocess.Popen) -> None:
    assert proc.stdout.readline().strip() == "ready"
    proc.stdin.write("go\n")
    proc.stdin.flush()


def _load_seconds(url: str, path: Path) -> float:
    proc = _victim(url, path)
    _go(proc)
    started = time.monotonic()
    assert proc.stdout.readline().strip() == "done"
    elapsed = time.monotonic() - started
    proc.wait()
    return elapsed


def _kill_runs(url: str, tmp_path: Path, runs: int, seed: int, per_file: bool = False,
               window: tuple[float, float] = (0.0, 1.2)) -> dict[str, int]:
    """Kill a load `runs` times at points spread over `window` (fractions of a load's duration);
    the state must be before or after (per file when `per_file`), and a rerun completes it."""
    rng = random.Random(seed)
    ensure_warehouse(url)
    duration = _load_seconds(url, workers.write_batch(tmp_path, 0, ROWS))
    outcomes = {"before": 0, "between": 0, "after": 0}
    batches = [workers.write_batch(tmp_path, run, ROWS) for run in range(1, runs + 1)]
    victims = [_victim(url, batch) for batch in batches]  # imports run while others load
    after = canonical_state(url)
    for run, (batch, proc) in enumerate(zip(batches, victims), start=1):
        before = after
        # Stratified kill points over the window.
        delay = duration * (window[0] + (window[1] - window[0]) * (run - 1 + rng.random()) / runs)
        _go(proc)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = canonical_state(url)
        assert orphans(url) == 0, f"run {run}: rows of a load not recorded as done"
        summaries = load_paths([batch], url)  # the rerun
        assert [s.status for s in summaries] == ["loaded", "loaded"], summaries
        after = canonical_state(url)
        if per_file:  # one transaction per file: each table (one file here) is before or after
            torn = [t for t in killed if killed[t] not in (before[t], after[t])]
            assert not torn, f"run {run} (killed after {delay:.2f} s): torn {torn}"
        else:  # DuckDB publishes the whole command at once
            assert killed in (before, after), f"run {run} (killed after {delay:.2f} s): torn state"
        outcomes["before" if killed == before else "after" if killed == after else "between"] += 1
        assert len(after["interactions"]) == len(before["interactions"]) + ROWS
        assert orphans(url) == 0
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize("window", [(0.0, 0.6), (0.6, 1.2)],
                         ids=["kills in the first part of a load", "kills late and just after it"])
def test_a_killed_duckdb_load_leaves_before_or_after_and_a_rerun_completes_it(
        tmp_path: Path, window: tuple[float, float]) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    started = time.monotonic()
    outcomes = _kill_runs(url, tmp_path, RUNS, seed=20261116 + int(window[0] * 10), window=window)
    assert outcomes["between"] == 0
    print(f"\nkill (duckdb, {window[0]}-{window[1]} of a load): {RUNS} SIGKILLs survived, left "
          f"{outcomes['before']} before-state, {outcomes['after']} after-state, "
          f"in {time.monotonic() - started:.0f} s")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith((".next", ".next.wal", ".wal"))]
    assert leftovers == [], "a completed load leaves no unpublished copy behind"


@pytest.mark.slow
@pytest.mark.postgres
def test_a_killed_postgresql_load_leaves_before_or_after_and_a_rerun_completes_it(
        pg_url: str, tmp_path: Path) -> None:
    outcomes = _kill_runs(pg_url, tmp_path, 4, seed=46, per_file=True)
    print(f"\nkill (postgresql): 4 SIGKILLs survived, left {outcomes['before']} before-state, "
          f"{outcomes['between']} with whole files only, {outcomes['after']} after-state")
