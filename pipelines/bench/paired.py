"""The catalog and the floor, alternated in one process: a ratio that survives a busy machine.

    python -m pipelines.bench.paired PATH WEEK WEEKS [PAIRS]

Each pair times the whole catalog for WEEKS weeks ending with WEEK (compiled and run live on
the DuckDB file at PATH, as `rapport metrics` does after its start-up) and then the floor query
on the same connection. Both members of a pair share the machine's load of that moment, so the
median of the pairs' ratios moves far less than the ratio of two medians taken minutes apart.
One pair runs first, untimed: otherwise the first catalog would read the file's pages cold and
the floor after it warm.
Prints JSON: each pair's seconds and the median ratio.
"""
from __future__ import annotations

import json
import statistics
import sys
import time


def pairs(path: str, week: str, weeks: int, count: int) -> list[tuple[float, float]]:
    """(catalog seconds, floor seconds), `count` times, alternating."""
    from metrics import catalog as cat
    from metrics.compiler import compile_metrics
    from metrics.dialects import engine_of, prepare_session
    from metrics.scope import Scope
    from pipelines import warehouse
    from pipelines.bench.floor import reciprocal_floor

    names = [m.name for m in cat.CATALOG]
    timed = []
    with warehouse.read_connection(f"duckdb:///{path}") as conn:
        prepare_session(conn)
        engine = engine_of(conn)
        for turn in range(count + 1):
            started = time.perf_counter()
            conn.execute(compile_metrics(names, Scope.of(week, weeks, engine=engine))).fetchall()
            middle = time.perf_counter()
            reciprocal_floor(conn.connection.driver_connection, week, weeks)
            if turn:  # the first pair warms the file's pages for both, untimed
                timed.append((middle - started, time.perf_counter() - middle))
    return timed


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    path, week, weeks = args[0], args[1], int(args[2])
    count = int(args[3]) if len(args) > 3 else 5
    timed = pairs(path, week, weeks, count)
    print(json.dumps({"catalog_seconds": [c for c, _ in timed],
                      "floor_seconds": [f for _, f in timed],
                      "ratio": statistics.median(c / f for c, f in timed)}))


if __name__ == "__main__":
    main()
