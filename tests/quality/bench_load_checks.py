"""What data checks cost at scale: load N interactions with and without GX, then `rapport check`.

    .venv/bin/python -m tests.quality.bench_load_checks --rows 1000000 --repeat 3

Each load runs in a fresh process (as `rapport load` does, imports included) into a fresh
DuckDB file; the loader's own `loads.check_seconds` says how long its check step took (SQL
rules, sampling; GX validates in a worker thread while the loader writes, see `gx_suite`).
Medians are printed with the machine's load average: absolute times are noisy on shared hosts.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

BAD_EVERY = 100_000  # one record in this many breaks an error rule


def generate(folder: Path, rows: int) -> Path:
    """A canonical interactions.csv with `rows` records, a few of them bad, written by DuckDB."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "interactions.csv"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'x:' || i AS interaction_id, 'x' AS platform,
        CASE WHEN i % {BAD_EVERY} = 7 THEN '2099-01-01T00:00:00Z'
             ELSE strftime(TIMESTAMP '2025-01-01' + to_seconds(i * 30), '%Y-%m-%dT%H:%M:%SZ') END
          AS occurred_at,
        'x:u' || (i % 5000) AS actor_id,
        CASE WHEN i % 3 = 0 THEN NULL ELSE 'x:u' || ((i * 7) % 5000) END AS target_id,
        CASE WHEN i % {BAD_EVERY} = 3 THEN 'wave'
             ELSE ['post', 'reply', 'dm', 'mention'][i % 4 + 1] END AS kind,
        'x:t' || (i // 10) AS thread_id, NULL AS in_reply_to,
        CASE WHEN i % 50 = 0 THEN 'true' ELSE 'false' END AS automated
        FROM range({rows}) t(i)) TO '{target}' (HEADER, DELIMITER ',')""")
    con.close()
    return folder


LOAD = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from pipelines.load import load_paths
(s,) = load_paths([Path(sys.argv[1])], sys.argv[2])
suite = next((c for c in s.checks if c.check.endswith("gx_suite")), None)
print(json.dumps({"wall": time.perf_counter() - started, "loaded": s.loaded,
                  "quarantined": s.quarantined,
                  "gx": None if suite is None else {"status": suite.status, **suite.details}}))
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_once(folder: Path, db: Path, gx: bool) -> dict:
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    env = {**os.environ, "RAPPORT_LOAD_GX": "sample" if gx else "off", "GX_ANALYTICS_ENABLED": "false"}
    cpu = _cpu()
    out = subprocess.run([sys.executable, "-c", LOAD, str(folder), f"duckdb:///{db}"], env=env,
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu"] = _cpu() - cpu
    con = duckdb.connect(str(db), read_only=True)
    result["check_seconds"], result["parse_seconds"], result["write_seconds"] = con.execute(
        "SELECT check_seconds, parse_seconds, write_seconds FROM loads").fetchone()
    con.close()
    return result


def check_once(db: Path) -> tuple[float, float]:
    rapport = Path(sys.executable).with_name("rapport")
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run([str(rapport), "check", "--db", f"duckdb:///{db}"], capture_output=True)
    return time.perf_counter() - started, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        folder = generate(Path(tmp) / "export", args.rows)
        db = Path(tmp) / "bench.duckdb"
        runs: dict[str, list[dict]] = {"off": [], "sample": []}
        checks: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            for mode in ("off", "sample"):  # interleaved, so that load on the host hits both
                runs[mode].append(load_once(folder, db, gx=mode == "sample"))
            checks.append(check_once(db))
        print(f"rows {args.rows:,}  repeat {args.repeat}  load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")
        for mode, results in runs.items():
            wall = statistics.median(r["wall"] for r in results)
            print(f"load, GX {mode:6}: wall {wall:6.2f} s ({args.rows / wall:,.0f} rows/s)  "
                  f"CPU {statistics.median(r['cpu'] for r in results):6.2f} s  "
                  f"check step {statistics.median(r['check_seconds'] for r in results):5.2f} s  "
                  f"parse {statistics.median(r['parse_seconds'] for r in results):5.2f} s  "
                  f"write {statistics.median(r['write_seconds'] for r in results):5.2f} s  "
                  f"loaded {results[0]['loaded']:,} quarantined {results[0]['quarantined']}")
        gx = [r["gx"] for r in runs["sample"]]
        print(f"GX on the sample: {gx[0]['status']}, {gx[0]['sample_rows']} rows, "
              f"{statistics.median(g['seconds'] for g in gx):.2f} s from sampling to verdict "
              "(overlaps the write)")
        added = (statistics.median(r["wall"] for r in runs["sample"])
                 - statistics.median(r["wall"] for r in runs["off"]))
        cpu = (statistics.median(r["cpu"] for r in runs["sample"])
               - statistics.median(r["cpu"] for r in runs["off"]))
        print(f"time GX adds to the load: wall {added:+.2f} s, CPU {cpu:+.2f} s")
        print(f"rapport check (process, warehouse checks, store): wall "
              f"{statistics.median(c[0] for c in checks):.2f} s, "
              f"CPU {statistics.median(c[1] for c in checks):.2f} s")


if __name__ == "__main__":
    main()
