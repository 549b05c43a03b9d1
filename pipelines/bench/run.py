"""The benchmark's stages for one size, and the run over every size.

Each stage starts rapport the way a user would (a subprocess of the installed CLI), except the
weekly-check query set and the floor, which are timed inside one process so that start-up is
left out. Every figure lands in one JSON document (see `pipelines.bench.report`).
"""
from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import duckdb
import sqlalchemy as sa

from pipelines.bench import browser, budget, data
from pipelines.bench.floor import time_floor, time_scan_group
from pipelines.bench.report import LOAD_TARGET_ROWS_PER_SECOND, QUOTED_FLOOR_SECONDS, \
    QUOTED_SCAN_GROUP_SECONDS
from pipelines.bench.measure import BenchTimeout, bench_env, fresh_copy, last_json, \
    rapport_command, remove_database, repeat, run

WEEKS = 104
EMPTY_WEEK = "2026-W01"
PICKED_PLATFORM = "x"  # the weekly check for one platform, as the dashboard's picker asks
PG_MAX_SIZE = 1_000_000
DEFAULT_PG_ADMIN = "postgresql+psycopg://rapport:rapport@127.0.0.1:5432/postgres"

Say = Callable[[str], None]


def _say_to_stderr(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The start-up floor: what any SQLAlchemy program reading a DuckDB file pays before its own work.
STACK = ("import sqlalchemy as sa; "
         "sa.create_engine({url!r}).connect().exec_driver_sql('SELECT 1').fetchall()")


def startup(work: Path, say: Say, times: int = 5) -> dict[str, float]:
    """Seconds to start the CLI: `rapport --help`, and the catalog on an empty warehouse; beside
    them, the libraries' own start-up (import SQLAlchemy and DuckDB, connect, one query)."""
    rapport = rapport_command()
    say(f"start-up: rapport --help ×{times}")
    help_s, help_cpu, _, _ = repeat([*rapport, "--help"], times, cwd=work)
    empty = work / "empty.duckdb"
    remove_database(work / "empty.duckdb")
    argv = [*rapport, "metrics", "--week", EMPTY_WEEK, "--format", "json",
            "--db", f"duckdb:///{empty}"]
    run(argv, cwd=work)  # creates the empty warehouse; not counted
    say(f"start-up: rapport metrics on an empty warehouse ×{times}")
    metrics_s, metrics_cpu, metrics_rss, _ = repeat(argv, times, cwd=work)
    say(f"start-up: the libraries alone (SQLAlchemy, DuckDB, one query) ×{times}")
    stack_s, stack_cpu, _, _ = repeat([sys.executable, "-c", STACK.format(url=f"duckdb:///{empty}")],
                                      times, cwd=work)
    return {"help_seconds": help_s, "help_cpu_seconds": help_cpu,
            "metrics_empty_seconds": metrics_s, "metrics_empty_cpu_seconds": metrics_cpu,
            "metrics_empty_peak_rss_mib": metrics_rss,
            "stack_seconds": stack_s, "stack_cpu_seconds": stack_cpu}


LIVE = bench_env({"RAPPORT_ROLLUPS": "off"})  # the catalog computed in the engine, not read back


def load(dataset: data.Dataset, url: str, cwd: Path, env: dict[str, str] | None = None,
         timeout: float | None = None) -> dict[str, Any]:
    """`rapport load` of the dataset's folder into `url`: seconds, rows/s, peak memory."""
    result = run([*rapport_command(), "load", str(dataset.folder), "--db", url], cwd=cwd, env=env,
                 timeout=timeout)
    rows = dataset.total_rows
    return {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds, "rows": rows,
            "rows_per_second": rows / result.seconds,
            "interactions_per_second": dataset.interactions / result.seconds,
            "peak_rss_mib": result.peak_rss_mib,
            "helpers_peak_rss_mib": result.helpers_peak_rss_mib,
            "together_rss_mib": result.together_rss_mib}


def load_floor(dataset: data.Dataset, folder: Path) -> dict[str, float]:
    """The load floor (see pipelines.bench.floor.time_load_floor), in a process of its own."""
    result = run([sys.executable, "-m", "pipelines.bench.floor",
                  str(dataset.folder / "interactions.csv"), str(folder / "load-floor.duckdb")],
                 cwd=folder)
    return last_json(result)


def load_budget(dataset: data.Dataset, warehouse: Path, folder: Path, loaded: dict[str, Any],
                startup_cpu: float, times: int = 3) -> dict[str, Any]:
    """The load's CPU budget (see pipelines.bench.budget): the parts every load pays, each
    measured alone, against the CPU the cores give in the time the throughput target allows.
    Great Expectations' start is run `times` times (the median kept); the rollup refresh runs
    in a process of its own on a copy of the loaded warehouse, removed after."""
    _, gx_cpu, _, _ = repeat([sys.executable, "-P", "-c", budget.GX_START], times, cwd=folder)
    copy = folder / "rollups.duckdb"
    try:
        result = run([sys.executable, "-m", "pipelines.bench.budget", str(warehouse), str(copy)],
                     cwd=folder)
    finally:
        remove_database(copy)
    rollups = last_json(result)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored, checksum = con.execute(budget.ROLLUP_CHECKSUM).fetchone()
    # The refresh measured must be the load's own work: the same rows, the same values.
    rollups["matches_load"] = (rollups["rows"], rollups["checksum"]) == (stored, str(checksum))
    parts = {"start_up": startup_cpu, "great_expectations": gx_cpu,
             "load_floor": loaded["floor"]["cpu_seconds"], "rollups": rollups["cpu_seconds"]}
    figures = budget.budget(dataset.total_rows, LOAD_TARGET_ROWS_PER_SECOND, parts,
                            loaded["cpu_seconds"])
    figures["rollups"] = rollups
    return figures


def weekly_load(dataset: data.Dataset, warehouse: Path, folder: Path, say: Say) -> dict[str, Any]:
    """`rapport load` of the week after the data into a copy of the loaded warehouse, as a
    community manager's weekly load goes: seconds, rows/s, peak memory, and whether its
    rollups were recomputed from the last weeks only (as they should be)."""
    week = data.generate_next_week(folder / "next-week", dataset.interactions)
    copy = folder / "weekly.duckdb"
    fresh_copy(warehouse, copy)
    say(f"{dataset.interactions:,}: rapport load of the next week ({week.total_rows:,} "
        "interactions) into a copy of the warehouse")
    try:
        result = run([*rapport_command(), "load", str(week.folder), "--db", f"duckdb:///{copy}"],
                     cwd=folder)
    finally:
        remove_database(copy)
    return {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds,
            "rows": week.total_rows, "rows_per_second": week.total_rows / result.seconds,
            "peak_rss_mib": result.peak_rss_mib,
            "rollups_from_last_weeks": "weekly rollups from " in result.stderr}


def load_phases(path: Path) -> dict[str, float]:
    """The loader's own split of its time (the loads table), summed over the files."""
    with duckdb.connect(str(path), read_only=True) as con:
        parse, check, write = con.execute(
            "SELECT sum(parse_seconds), sum(check_seconds), sum(write_seconds) FROM loads "
            "WHERE status = 'loaded'").fetchone()
    return {"stage_seconds": parse or 0.0, "check_seconds": check or 0.0,
            "write_seconds": write or 0.0}


def catalog(url: str, cwd: Path, times: int, env: dict[str, str] | None = LIVE,
            timeout: float | None = None) -> tuple[dict[str, float], list[dict]]:
    """`rapport metrics --weeks 104 --format json`: median seconds, peak memory, its rows, and
    every run's seconds and CPU seconds in order (the first may read the file from disk).

    Computed live by default (RAPPORT_ROLLUPS=off): this is the engine's work, not a read-back.
    """
    argv = [*rapport_command(), "metrics", "--week", data.LAST_WEEK, "--weeks", str(WEEKS),
            "--format", "json", "--db", url]
    seconds, cpu, rss, runs = repeat(argv, times, cwd=cwd, env=env, timeout=timeout)
    rows = json.loads(runs[-1].stdout)
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mib": rss, "values": len(rows),
            "runs_seconds": [r.seconds for r in runs],
            "runs_cpu_seconds": [r.cpu_seconds for r in runs]}, rows


def weekly(url: str, cwd: Path, env: dict[str, str] | None = None,
           repeat_calls: int = 5, platform: str | None = None) -> dict[str, float]:
    """The weekly-check query set, timed in one process (see pipelines.bench.weekly)."""
    result = run([sys.executable, "-m", "pipelines.bench.weekly", url, data.LAST_WEEK,
                  str(repeat_calls), *([platform] if platform else [])], cwd=cwd, env=env)
    return last_json(result)


def paired(path: Path, cwd: Path, count: int) -> dict[str, Any]:
    """The catalog and the floor alternated in one process (see pipelines.bench.paired)."""
    result = run([sys.executable, "-m", "pipelines.bench.paired", str(path), data.LAST_WEEK,
                  str(WEEKS), str(count)], cwd=cwd, env=LIVE)
    return last_json(result)


def reciprocal_values(rows: list[dict]) -> list[tuple[str, int]]:
    """(week, value) of reciprocal_relationships from the catalog's JSON output."""
    return [(r["week"], int(r["value"] or 0)) for r in rows
            if r["metric"] == "reciprocal_relationships"]


def _pg_database(admin_url: str, name: str) -> str:
    admin = sa.create_engine(admin_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _pg_drop(admin_url: str, name: str) -> None:
    admin = sa.create_engine(admin_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def postgres(dataset: data.Dataset, admin_url: str, cwd: Path, say: Say,
             timeout: float) -> dict[str, Any]:
    """Load and catalog on a fresh PostgreSQL database: seconds and the client's peak memory.

    A stage past `timeout` seconds is stopped and recorded as such.
    """
    name = f"rapport_bench_{dataset.interactions}_{uuid.uuid4().hex[:6]}"
    url = _pg_database(admin_url, name)
    result: dict[str, Any] = {"load": None, "catalog": None, "reciprocal": None}
    try:
        say(f"postgresql: rapport load ({dataset.total_rows:,} rows)")
        result["load"] = load(dataset, url, cwd, timeout=timeout)
        say("postgresql: rapport metrics --weeks 104")
        result["catalog"], rows = catalog(url, cwd, times=1, timeout=timeout)
        result["reciprocal"] = reciprocal_values(rows)
    except BenchTimeout as exc:
        say(f"postgresql: {exc}")
        result["timed_out"] = {"stage": "catalog" if result["load"] else "load",
                               "after_seconds": timeout}
    finally:
        _pg_drop(admin_url, name)
    return result


def one_size(size: int, work: Path, *, startup_s: float, startup_cpu: float, skip_postgres: bool,
             skip_dashboard: bool, pg_admin: str, catalog_runs: int, say: Say,
             pg_timeout: float = 900.0) -> dict[str, Any]:
    """Every figure for one number of interactions."""
    folder = work / f"{size}"
    folder.mkdir(parents=True, exist_ok=True)
    say(f"{size:,} interactions: writing canonical CSVs")
    dataset = data.generate(folder / "csv", size)
    say(f"{size:,}: {dataset.total_rows:,} rows in {dataset.seconds:.1f} s")
    path = folder / "warehouse.duckdb"
    remove_database(path)
    url = f"duckdb:///{path}"
    say(f"{size:,}: rapport load into DuckDB")
    loaded = load(dataset, url, folder)
    loaded["phases"] = load_phases(path)
    say(f"{size:,}: loaded in {loaded['seconds']:.1f} s ({loaded['rows_per_second']:,.0f} rows/s, "
        f"peak {loaded['peak_rss_mib']:,.0f} MiB)")
    say(f"{size:,}: load floor (DuckDB alone: the interactions file into a keyed table)")
    loaded["floor"] = load_floor(dataset, folder)
    say(f"{size:,}: load floor {loaded['floor']['seconds']:.2f} s "
        f"({loaded['floor']['rows_per_second']:,.0f} rows/s)")
    loaded["next_week"] = weekly_load(dataset, path, folder, say)
    say(f"{size:,}: the next week loaded in {loaded['next_week']['seconds']:.1f} s")
    say(f"{size:,}: rapport metrics --weeks {WEEKS} ×{catalog_runs}")
    cat_figures, rows = catalog(url, folder, catalog_runs)
    cat_figures["net_seconds"] = max(cat_figures["seconds"] - startup_s, 0.0)
    say(f"{size:,}: catalog {cat_figures['seconds']:.2f} s ({cat_figures['net_seconds']:.2f} s net)")
    say(f"{size:,}: rapport metrics --weeks {WEEKS} from the rollups")
    cat_figures["from_rollups_seconds"] = catalog(url, folder, 1, env=None)[0]["seconds"]
    say(f"{size:,}: weekly-check query set (rollups: all platforms, then {PICKED_PLATFORM}; live)")
    week = weekly(url, folder)
    one = weekly(url, folder, platform=PICKED_PLATFORM)
    live = weekly(url, folder, env=LIVE, repeat_calls=5 if size <= PG_MAX_SIZE else 1)
    week.update({"platform_first_seconds": one["first_seconds"],
                 "platform_warm_seconds": one["warm_seconds"],
                 "live_first_seconds": live["first_seconds"],
                 "live_warm_seconds": live["warm_seconds"]})
    say(f"{size:,}: floor query (reciprocal relationships, {WEEKS} weeks), and one scan and "
        "group-by of the interactions")
    floor_s, floor_rows = time_floor(str(path), data.LAST_WEEK, WEEKS)
    scan_group_s = time_scan_group(str(path))
    product = reciprocal_values(rows)
    pair_count = 5 if size <= PG_MAX_SIZE else catalog_runs
    say(f"{size:,}: catalog and floor alternated in one process ×{pair_count}")
    cat_figures["paired_with_floor"] = paired(path, folder, pair_count)
    result: dict[str, Any] = {
        "interactions": size, "rows": dataset.rows, "data_seconds": dataset.seconds,
        "load": loaded, "catalog": cat_figures, "weekly": week,
        "floor": {"seconds": floor_s, "agrees": product == floor_rows,
                  "weeks": len(floor_rows),
                  "reciprocal_last_week": floor_rows[-1][1] if floor_rows else None,
                  "scan_group_seconds": scan_group_s},
    }
    if product != floor_rows:
        mismatch = [(a, b) for a, b in zip(product, floor_rows) if a != b][:3]
        say(f"{size:,}: WARNING the product and the floor disagree, e.g. {mismatch}")
    if size <= PG_MAX_SIZE:
        say(f"{size:,}: rapport load again with the Great Expectations sample off")
        remove_database(folder / "nogx.duckdb")
        loaded["without_gx_sample"] = load(dataset, f"duckdb:///{folder / 'nogx.duckdb'}", folder,
                                           env=bench_env({"RAPPORT_LOAD_GX": "off"}))
        say(f"{size:,}: the load's CPU budget (Great Expectations' start, the rollup refresh)")
        loaded["budget"] = load_budget(dataset, path, folder, loaded, startup_cpu)
        spent = loaded["budget"]
        if not spent["rollups"]["matches_load"]:
            say(f"{size:,}: WARNING the budget's rollup refresh stored other rollups than the load")
        say(f"{size:,}: the parts every load pays: {spent['parts_sum_cpu_seconds']:.2f} CPU s, "
            f"against the {spent['available_cpu_seconds']:.2f} that {spent['cores']} cores give "
            f"in the target's {spent['target_seconds']:.2f} s")
    result["postgres"] = None
    if not skip_postgres and size <= PG_MAX_SIZE:
        pg = postgres(dataset, pg_admin, folder, say, pg_timeout)
        reciprocal = pg.pop("reciprocal")
        pg["agrees_with_duckdb"] = None if reciprocal is None else reciprocal == product
        result["postgres"] = pg
    result["dashboard"] = None
    if not skip_dashboard and size <= PG_MAX_SIZE:
        why = browser.available()
        if why:
            say(f"{size:,}: dashboard not measured: {why}")
        else:
            say(f"{size:,}: dashboard weekly page in Chromium")
            result["dashboard"] = browser.weekly_page(url, folder)
    result["ratios_to_floor"] = ratios(result)
    return result


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """Each time figure of one size divided by the floor query's time; and the catalog, the
    floor and the scan + group-by divided by the figures the targets quote for that size."""
    floor_s = result["floor"]["seconds"]

    def over(value: float | None, by: float | None) -> float | None:
        return None if value is None or not by else value / by

    def r(value: float | None) -> float | None:
        return over(value, floor_s)

    pg = {k: v or {} for k, v in (result.get("postgres") or {}).items()}
    dash = result.get("dashboard") or {}
    quoted_floor = QUOTED_FLOOR_SECONDS.get(result["interactions"])
    quoted_scan = QUOTED_SCAN_GROUP_SECONDS.get(result["interactions"])
    return {
        # Against the figures the targets quote (None at sizes they do not quote).
        "catalog_net_to_quoted_floor": over(result["catalog"]["net_seconds"], quoted_floor),
        "floor_to_quoted_floor": over(floor_s, quoted_floor),
        "scan_group_to_quoted": over(result["floor"].get("scan_group_seconds"), quoted_scan),
        "catalog_net": r(result["catalog"]["net_seconds"]),
        "catalog_wall": r(result["catalog"]["seconds"]),
        "weekly_warm": r(result["weekly"]["warm_seconds"]),
        "weekly_first": r(result["weekly"]["first_seconds"]),
        "load": r(result["load"]["seconds"]),
        # How many times the engine's bare ingest rate is the load's (see time_load_floor).
        "load_to_load_floor": over((result["load"].get("floor") or {}).get("rows_per_second"),
                                   result["load"]["rows_per_second"]),
        "postgres_catalog": r(pg.get("catalog", {}).get("seconds")),
        "postgres_load": r(pg.get("load", {}).get("seconds")),
        "dashboard_warm": r(dash.get("warm_seconds")),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = None
    return {"cpus": os.cpu_count(), "memory_gib": memory, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "platform": platform.platform(),
            "load_average": os.getloadavg()}


def run_bench(sizes: list[int], work: Path, *, skip_postgres: bool = False,
              skip_dashboard: bool = False, pg_admin: str | None = None,
              catalog_runs: int = 3, startup_runs: int = 5, pg_timeout: float = 900.0,
              out: Path | None = None, say: Say = _say_to_stderr) -> dict[str, Any]:
    """The whole benchmark; returns the JSON-ready document (also written to `out`, if given,
    after each size, so that a long run keeps what it has measured)."""
    from pipelines.bench import report

    work = work.resolve()  # commands run inside it
    work.mkdir(parents=True, exist_ok=True)
    pg_admin = pg_admin or os.environ.get("RAPPORT_BENCH_PG_URL") or os.environ.get(
        "RAPPORT_TEST_PG_URL") or DEFAULT_PG_ADMIN
    started = datetime.now(timezone.utc)
    doc: dict[str, Any] = {"started_at": started.isoformat(timespec="seconds"),
                           "command": " ".join(["rapport", "bench", *sys.argv[2:]]),
                           "machine": machine(), "weeks": WEEKS, "last_week": data.LAST_WEEK}
    doc["startup"] = startup(work, say, startup_runs)
    say(f"start-up: --help {doc['startup']['help_seconds']:.2f} s, metrics on an empty "
        f"warehouse {doc['startup']['metrics_empty_seconds']:.2f} s")
    doc["sizes"] = []
    for size in sizes:
        doc["sizes"].append(one_size(size, work, startup_s=doc["startup"]["metrics_empty_seconds"],
                                     startup_cpu=doc["startup"]["stack_cpu_seconds"],
                                     skip_postgres=skip_postgres, skip_dashboard=skip_dashboard,
                                     pg_admin=pg_admin, catalog_runs=catalog_runs, say=say,
                                     pg_timeout=pg_timeout))
        if out is not None:
            doc["targets"] = report.judge(doc)
            report.write(doc, out)
    doc["machine"]["load_average_end"] = os.getloadavg()
    # The benchmark process's own peak. Linux starts a command's wait4 ru_maxrss from its
    # starter's peak at that moment, at most this: the most that could have leaked into the
    # peaks reported before change 42.
    doc["machine"]["bench_process_peak_rss_mib"] = \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    doc["seconds"] = (datetime.now(timezone.utc) - started).total_seconds()
    return doc


