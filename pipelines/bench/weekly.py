"""The weekly-check query set, timed inside one process (so net of start-up and imports).

    python -m pipelines.bench.weekly URL WEEK [REPEAT [PLATFORM]]

It is what the dashboard's weekly page asks for: every metric for one week with 12 weeks of
sparkline before it (`compute(url, week, weeks=13)`), and the divergence signals, for all
platforms or the one given (the page's platform picker). Prints JSON:
the first call's seconds (cold: first connection, first compilation) and the median of the
calls after it (warm), plus how many rows each returned.
"""
from __future__ import annotations

import json
import sys
import time

SPARKLINE_WEEKS = 13


def weekly_check(url: str, week: str, platform: str | None = None) -> tuple[int, int]:
    """Run the query set once: (metric rows, signal rows)."""
    from metrics.api import compute, signals

    values = compute(url, week, weeks=SPARKLINE_WEEKS, platform=platform)
    flags = signals(url, week, weeks=SPARKLINE_WEEKS, platform=platform)
    return len(values), len(flags)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    url, week = args[0], args[1]
    repeat = int(args[2]) if len(args) > 2 else 5
    platform = args[3] if len(args) > 3 else None
    import metrics.api  # noqa: F401  (imports are start-up, not the query set)

    times, rows = [], (0, 0)
    for _ in range(repeat + 1):
        started = time.perf_counter()
        rows = weekly_check(url, week, platform)
        times.append(time.perf_counter() - started)
    warm = sorted(times[1:])
    print(json.dumps({"first_seconds": times[0], "warm_seconds": warm[len(warm) // 2],
                      "metric_rows": rows[0], "signal_rows": rows[1]}))


if __name__ == "__main__":
    main()
