"""The load's CPU budget: what the parts every load must do cost, against what the cores give.

A load of R rows at a target of T rows/s has R / T seconds; on C cores that is at most
C × R / T seconds of CPU, whatever the work is spread over. Four parts of a first load into
DuckDB are not the loader's own work, and each is measured here alone, in CPU seconds:

- start-up: Python, SQLAlchemy and DuckDB imported, a connection and one query (the start-up
  floor of `run.startup`);
- Great Expectations: its worker process's start, rapport's check modules, pandas and GX
  imported as the worker imports them (`at_load.start_worker`), before any sample;
- the load floor: DuckDB alone reading the interactions file, typed, into a keyed table, and
  its checkpoint (`floor.time_load_floor`);
- the rollup refresh: every week's metrics for all platforms and for each, computed anew on a
  copy of the loaded warehouse, as the load's refresh does (`metrics.rollup.refresh`).

Their sum over the cores is the shortest a load can take even if the cores were never idle
and everything else the loader does (the rules and their quarantine, the ordered insert, the
reply-target inference, the other files, the warehouse checks, the publish) cost nothing.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from pipelines.bench.measure import fresh_copy, median, process_cpu_seconds

# The worker's start: rapport's check modules (SQLAlchemy with them), then pandas and GX as
# `start_worker` imports them. It swallows an import error (a load reports it per sample):
# import_gx, a no-op once they are imported, raises it here.
GX_START = ("from pipelines.quality import at_load; at_load.start_worker(); "
            "from pipelines.quality.gx_run import import_gx; import_gx()")
PARTS = ("start_up", "great_expectations", "load_floor", "rollups")
# What a refresh stored, in one line: its rows and a sum of their hashes (DuckDB).
ROLLUP_CHECKSUM = ("SELECT count(*), coalesce(sum(hash(platform, week, metric, value)), 0) "
                   "FROM rollup_weekly")


def budget(rows: int, target_rows_per_second: float, parts: dict[str, float],
           load_cpu_seconds: float | None = None, count: int | None = None) -> dict[str, Any]:
    """The budget of a load of `rows` against its target, from each part's CPU seconds."""
    from metrics.rollup import cores

    count = count or cores()
    spent = sum(parts.values())
    fastest = spent / count
    available = count * rows / target_rows_per_second
    return {"cores": count, "target_rows_per_second": target_rows_per_second,
            "target_seconds": rows / target_rows_per_second, "available_cpu_seconds": available,
            "parts_cpu_seconds": dict(parts), "parts_sum_cpu_seconds": spent,
            "fastest_seconds": fastest, "fastest_rows_per_second": rows / fastest if fastest else None,
            "load_cpu_seconds": load_cpu_seconds, "reachable": spent <= available}


def time_rollups(warehouse: Path, copy: Path, repeat: int = 3) -> dict[str, Any]:
    """The rollup refresh of a copy of `warehouse`, every week anew, `repeat` times in this
    process: median seconds and CPU seconds, each run's, and the rows it stored."""
    from metrics import rollup
    from pipelines.load import load_memory
    from pipelines.warehouse import make_engine

    fresh_copy(warehouse, copy)
    engine = make_engine(f"duckdb:///{copy}")
    seconds, cpu = [], []
    try:
        for _ in range(repeat):
            started, used = time.perf_counter(), process_cpu_seconds()
            rollup.refresh(engine, memory=load_memory())
            seconds.append(time.perf_counter() - started)
            cpu.append(process_cpu_seconds() - used)
        with engine.connect() as conn:
            stored, checksum = conn.exec_driver_sql(ROLLUP_CHECKSUM).one()
    finally:
        engine.dispose()
    return {"seconds": median(seconds), "cpu_seconds": median(cpu), "runs_seconds": seconds,
            "runs_cpu_seconds": cpu, "rows": stored, "checksum": str(checksum)}


def main(argv: list[str] | None = None) -> None:
    """`python -m pipelines.bench.budget WAREHOUSE COPY`: the rollup refresh, as one JSON line.

    The copy is left in place for the caller to compare and remove.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    print(json.dumps(time_rollups(Path(args[0]), Path(args[1]))))


if __name__ == "__main__":
    main()
