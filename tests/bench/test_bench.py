"""`rapport bench` at a small size: it runs end to end, every figure lands in the JSON, and the
product and the hand-written floor query agree on reciprocal relationships. No timing is
asserted: these are the figures a larger run reports."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from pipelines.bench import browser, budget, data, report, run
from pipelines.bench.cli import parse_sizes
from pipelines.bench.floor import reciprocal_floor, time_load_floor
from pipelines.bench.measure import rapport_command
from tests.conftest import PG_ADMIN_URL, need

pytestmark = [pytest.mark.slow]

SIZE = 20_000

# Every figure of one size, as a path into its JSON object.
FIGURES = [
    ("load", "seconds"), ("load", "rows_per_second"), ("load", "peak_rss_mib"),
    ("load", "cpu_seconds"), ("load", "phases", "stage_seconds"),
    ("load", "without_gx_sample", "rows_per_second"), ("load", "floor", "rows_per_second"),
    ("load", "next_week", "seconds"), ("load", "next_week", "peak_rss_mib"),
    ("catalog", "seconds"), ("catalog", "net_seconds"), ("catalog", "peak_rss_mib"),
    ("catalog", "from_rollups_seconds"), ("catalog", "paired_with_floor", "ratio"),
    ("weekly", "warm_seconds"), ("weekly", "first_seconds"), ("weekly", "platform_warm_seconds"),
    ("weekly", "live_warm_seconds"),
    ("floor", "seconds"), ("floor", "scan_group_seconds"),
    ("postgres", "load", "seconds"), ("postgres", "load", "peak_rss_mib"),
    ("postgres", "catalog", "seconds"), ("postgres", "catalog", "peak_rss_mib"),
    ("dashboard", "cold_seconds"), ("dashboard", "warm_seconds"), ("dashboard", "returning_seconds"),
    ("ratios_to_floor", "catalog_net"), ("ratios_to_floor", "weekly_warm"),
    ("ratios_to_floor", "postgres_catalog"), ("ratios_to_floor", "dashboard_warm"),
    ("ratios_to_floor", "load_to_load_floor"),
    ("load", "floor", "cpu_seconds"), ("load", "budget", "available_cpu_seconds"),
    ("load", "budget", "parts_sum_cpu_seconds"), ("load", "budget", "fastest_rows_per_second"),
    ("load", "budget", "rollups", "cpu_seconds"),
]


def _at(doc: dict, path: tuple[str, ...]):
    for key in path:
        doc = doc[key]
    return doc


@pytest.fixture(scope="module")
def results(tmp_path_factory, pg_server) -> dict:
    need(browser.available() is None, f"the dashboard figure needs Chromium: {browser.available()}")
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "bench.json"
    env = {**os.environ, "RAPPORT_BENCH_PG_URL": PG_ADMIN_URL}
    done = subprocess.run([*rapport_command(), "bench", "--sizes", str(SIZE), "--out", str(out),
                           "--work", str(folder / "work"), "--catalog-runs", "1",
                           "--startup-runs", "1"], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "catalog net / floor" in done.stdout  # the printed table
    return {"doc": json.loads(out.read_text()), "stderr": done.stderr, "work": folder / "work"}


def test_every_figure_is_in_the_json(results):
    doc = results["doc"]
    assert doc["startup"]["help_seconds"] > 0 and doc["startup"]["metrics_empty_seconds"] > 0
    assert doc["startup"]["stack_seconds"] > 0
    (size,) = doc["sizes"]
    assert size["interactions"] == SIZE
    missing = [".".join(p) for p in FIGURES if not isinstance(_at(size, p), (int, float))]
    assert missing == []
    assert size["load"]["rows"] == sum(size["rows"].values()) > SIZE
    # The load's GX worker is a process of its own: its memory is counted in the load's peak.
    assert 0 < size["load"]["helpers_peak_rss_mib"] < size["load"]["peak_rss_mib"]
    assert size["load"]["helpers_peak_rss_mib"] < size["load"]["together_rss_mib"] <= \
        size["load"]["peak_rss_mib"]


def test_the_next_week_loads_into_a_copy_and_recomputes_its_last_weeks(results):
    size = results["doc"]["sizes"][0]
    week = size["load"]["next_week"]
    assert week["rows"] == SIZE // data.WEEKS and week["rollups_from_last_weeks"] is True
    folder = results["work"] / str(SIZE)
    assert not list(folder.glob("weekly.duckdb*"))  # the copy is gone
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT max(occurred_at) FROM interactions").fetchone()[0] < \
            datetime(2026, 6, 1)  # the benchmark's warehouse itself is unchanged


def test_the_catalog_keeps_each_of_its_runs(results):
    catalog = results["doc"]["sizes"][0]["catalog"]
    assert len(catalog["runs_seconds"]) == len(catalog["runs_cpu_seconds"]) == 1  # --catalog-runs
    assert catalog["seconds"] == catalog["runs_seconds"][0] > 0


def test_the_paired_ratio_is_the_median_of_its_pairs(results):
    paired = results["doc"]["sizes"][0]["catalog"]["paired_with_floor"]
    ratios = sorted(c / f for c, f in zip(paired["catalog_seconds"], paired["floor_seconds"]))
    assert len(ratios) == 5 and ratios[0] > 0
    assert paired["ratio"] == pytest.approx(ratios[2])


def test_the_load_budget_adds_up_the_parts_every_load_pays(results):
    """Each part measured alone, in CPU seconds; the rollup refresh of the copy stored what the
    load's own refresh stored, and the copy is gone; the sum against the cores' share."""
    doc = results["doc"]
    size = doc["sizes"][0]
    spent = size["load"]["budget"]
    parts = spent["parts_cpu_seconds"]
    assert list(parts) == list(budget.PARTS) and all(v > 0 for v in parts.values())
    assert parts["start_up"] == doc["startup"]["stack_cpu_seconds"]
    assert parts["load_floor"] == size["load"]["floor"]["cpu_seconds"]
    assert spent["parts_sum_cpu_seconds"] == pytest.approx(sum(parts.values()))
    assert spent["available_cpu_seconds"] == pytest.approx(
        spent["cores"] * size["load"]["rows"] / report.LOAD_TARGET_ROWS_PER_SECOND)
    assert spent["fastest_rows_per_second"] == pytest.approx(
        size["load"]["rows"] * spent["cores"] / spent["parts_sum_cpu_seconds"])
    assert spent["load_cpu_seconds"] == size["load"]["cpu_seconds"]
    folder = results["work"] / str(SIZE)
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        stored, checksum = con.execute(budget.ROLLUP_CHECKSUM).fetchone()
    assert stored > 0
    assert (spent["rollups"]["rows"], spent["rollups"]["checksum"]) == (stored, str(checksum))
    assert spent["rollups"]["matches_load"] is True
    assert len(spent["rollups"]["runs_cpu_seconds"]) == 3
    assert not list(folder.glob("rollups.duckdb*"))


def test_the_budget_says_when_the_parts_alone_exceed_the_cores():
    rows = 1_017_765
    over = budget.budget(rows, 300_000, {"start_up": 0.5, "great_expectations": 2.5,
                                         "load_floor": 2.0, "rollups": 2.4}, count=2)
    assert over["target_seconds"] == pytest.approx(rows / 300_000)
    assert over["available_cpu_seconds"] == pytest.approx(2 * rows / 300_000)
    assert over["fastest_seconds"] == pytest.approx(7.4 / 2)
    assert over["reachable"] is False
    under = budget.budget(rows, 300_000, {"start_up": 0.5, "load_floor": 2.0}, count=2)
    assert under["reachable"] is True
    result = _measured(1_000_000, net=1.4, floor=0.2, scan_group=0.02)
    doc = {"startup": {"help_seconds": 0.1, "metrics_empty_seconds": 1.0}, "sizes": [result]}
    result["load"]["budget"] = under
    assert "out of reach" not in report.table(doc)
    result["load"]["budget"] = over
    assert "the load target is out of reach on 2 cores" in report.table(doc)
    assert "7.40 CPU s, more than the 6.79" in report.table(doc)


def test_the_floor_and_the_product_agree(results):
    size = results["doc"]["sizes"][0]
    assert size["floor"]["agrees"] is True
    assert size["floor"]["weeks"] == 104 and size["floor"]["reciprocal_last_week"] > 0
    assert size["postgres"]["agrees_with_duckdb"] is True


def test_the_load_floor_keeps_the_records_the_loader_read(results):
    """DuckDB alone typed and keyed every interaction record the loader read; its scratch file
    is gone, and the ratio is the two rates divided."""
    size = results["doc"]["sizes"][0]
    with duckdb.connect(str(results["work"] / str(SIZE) / "warehouse.duckdb"), read_only=True) as con:
        (read,) = con.execute("SELECT rows_read FROM loads WHERE file LIKE '%interactions.csv'"
                              ).fetchone()
    floor = size["load"]["floor"]
    assert floor["rows"] == read == size["rows"]["interactions"]
    assert floor["rows_per_second"] == pytest.approx(floor["rows"] / floor["seconds"])
    assert size["ratios_to_floor"]["load_to_load_floor"] == pytest.approx(
        floor["rows_per_second"] / size["load"]["rows_per_second"])
    assert not list((results["work"] / str(SIZE)).glob("load-floor.duckdb*"))


def test_the_floor_counts_what_the_definition_says(results):
    """The bit-set floor against a brute-force reading of the definition, week by week."""
    path = results["work"] / f"{SIZE}" / "warehouse.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        floor = reciprocal_floor(con, data.LAST_WEEK, 8)
        brute = con.execute("""
            WITH ours AS (SELECT person_id FROM people WHERE is_ours),
            weeks AS (SELECT w, TIMESTAMP '2026-06-01' - to_days(7 * (7 - w)) AS week_end
                      FROM range(8) r(w)),
            talk AS (SELECT actor_id, target_id, occurred_at FROM interactions
                     WHERE kind IN ('reply', 'comment', 'mention', 'dm') AND target_id <> '')
            SELECT w, count(DISTINCT (o.actor_id, o.target_id)) FROM weeks
            LEFT JOIN talk o ON o.occurred_at >= week_end - INTERVAL 90 DAY
                 AND o.occurred_at < week_end
                 AND o.actor_id IN (SELECT * FROM ours) AND o.target_id NOT IN (SELECT * FROM ours)
                 AND EXISTS (SELECT 1 FROM talk b WHERE b.actor_id = o.target_id
                             AND b.target_id = o.actor_id AND b.occurred_at >= week_end - INTERVAL 90 DAY
                             AND b.occurred_at < week_end)
            GROUP BY w ORDER BY w""").fetchall()
    assert [n for _, n in floor] == [n for _, n in brute]


def test_each_stage_prints_progress(results):
    for stage in ("start-up", "writing canonical CSVs", "rapport load into DuckDB",
                  "rapport metrics --weeks 104", "weekly-check query set", "floor query",
                  "catalog and floor alternated in one process",
                  "postgresql: rapport load", "dashboard weekly page",
                  "the load's CPU budget"):
        assert stage in results["stderr"], stage


def _measured(size: int, net: float, floor: float, scan_group: float) -> dict:
    return {"interactions": size, "catalog": {"net_seconds": net, "seconds": net + 1.0},
            "floor": {"seconds": floor, "scan_group_seconds": scan_group},
            "weekly": {"warm_seconds": 0.1, "first_seconds": 1.0},
            "load": {"seconds": 20.0, "rows_per_second": 60_000.0, "peak_rss_mib": 700.0}}


def test_figures_are_also_read_against_the_quoted_ones():
    """The catalog and the floor against the floor the targets quote, and this machine's scan
    and group-by against theirs, where they quote one (0.07 s at 1M; 0.76 s and 0.7 s at 10M)."""
    one = run.ratios(_measured(1_000_000, net=1.4, floor=0.2, scan_group=0.02))
    assert one["catalog_net_to_quoted_floor"] == pytest.approx(1.4 / 0.07)
    assert one["floor_to_quoted_floor"] == pytest.approx(0.2 / 0.07)
    assert one["scan_group_to_quoted"] is None  # not quoted at 1M
    assert one["catalog_net"] == pytest.approx(1.4 / 0.2)  # the measured floor's ratio, as before
    ten = run.ratios(_measured(10_000_000, net=19.0, floor=1.9, scan_group=0.6))
    assert ten["floor_to_quoted_floor"] == pytest.approx(1.9 / 0.76)
    assert ten["scan_group_to_quoted"] == pytest.approx(0.6 / 0.7)
    small = run.ratios(_measured(20_000, net=0.5, floor=0.01, scan_group=0.001))
    assert small["catalog_net_to_quoted_floor"] is None and small["floor_to_quoted_floor"] is None


def test_the_1m_catalog_is_judged_against_both_floors():
    result = _measured(1_000_000, net=1.4, floor=0.2, scan_group=0.02)
    result["catalog"]["paired_with_floor"] = {"ratio": 7.5}
    result["ratios_to_floor"] = run.ratios(result)
    doc = {"startup": {"help_seconds": 0.1, "metrics_empty_seconds": 1.0}, "sizes": [result]}
    verdicts = [t for t in report.judge(doc) if t["target"].startswith("catalog, 104 weeks")]
    (paired,) = [t for t in verdicts if "paired" in t["target"]]
    (quoted,) = [t for t in verdicts if "quoted" in t["target"]]
    assert (paired["value"], paired["met"]) == (7.5, True)
    assert quoted["value"] == pytest.approx(20.0) and quoted["met"] is False


def test_a_table_row_per_figure(results):
    text = report.table(results["doc"])
    assert all(label in text for label, _, _ in report.ROWS)


@pytest.mark.parametrize("text, sizes", [
    ("1000000,10000000", [1_000_000, 10_000_000]),
    ("1M,10M", [1_000_000, 10_000_000]),
    ("20_000", [20_000]),
])
def test_sizes_option(text, sizes):
    assert parse_sizes(text) == sizes


@pytest.mark.parametrize("text", ["", "ten", "500"])
def test_sizes_option_refuses(text):
    import click

    with pytest.raises(click.BadParameter):
        parse_sizes(text)


def test_the_csvs_are_reproducible(tmp_path: Path):
    first = data.generate(tmp_path / "a", 3000, seed=3)
    second = data.generate(tmp_path / "b", 3000, seed=3)
    for table in first.rows:
        assert (first.folder / f"{table}.csv").read_bytes() == \
            (second.folder / f"{table}.csv").read_bytes(), table


def test_the_load_floor_types_keys_and_skips(tmp_path: Path):
    """The floor's table has the canonical types and key (times with their offsets applied); a
    record DuckDB cannot type is left out of its count rather than stopping it."""
    csv = tmp_path / "interactions.csv"
    csv.write_text(
        "interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated\n"
        "x:1,x,2026-05-04T10:00:00Z,x:us,x:p1,dm,x:t1,,false\n"
        "x:2,x,not a time,x:p1,x:us,reply,x:t1,x:1,false\n"
        "x:3,x,2026-05-04T11:00:00+02:00,x:p1,x:us,reply,x:t1,x:1,true\n")
    scratch = tmp_path / "floor.duckdb"
    floor = time_load_floor(csv, scratch, repeat=1)
    assert floor["rows"] == 2 and floor["seconds"] > 0
    assert not list(tmp_path.glob("floor.duckdb*"))
    from pipelines.bench.floor import load_floor_sql

    with duckdb.connect(str(scratch)) as con:
        for statement in load_floor_sql(csv):
            con.execute(statement)
        assert con.execute("SELECT interaction_id, occurred_at, automated FROM interactions "
                           "ORDER BY 1").fetchall() == [
            ("x:1", datetime(2026, 5, 4, 10, tzinfo=timezone.utc), False),
            ("x:3", datetime(2026, 5, 4, 9, tzinfo=timezone.utc), True)]
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO interactions SELECT * FROM interactions LIMIT 1")


def test_a_commands_peak_memory_counts_its_helper_processes(tmp_path: Path) -> None:
    """A small command whose child holds about 200 MiB, measured from a process that has held
    300 MiB: wait4 alone would report the largest of the three peaks (Linux starts a command's
    from its starter's); the measured peak is the command's own plus its child's, and the
    child's CPU time is counted too."""
    from pipelines.bench.measure import run as measure

    size = 300 * 1024 * 1024
    ballast = bytearray(size)
    ballast[::4096] = b"x" * (size // 4096)
    child = ("import time; size = 200 * 1024 * 1024; block = bytearray(size); "
             "block[::4096] = b'x' * (size // 4096); time.sleep(0.5)")
    parent = (f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], "
              "check=True)")
    result = measure([sys.executable, "-c", parent], cwd=tmp_path, env=dict(os.environ))
    del ballast
    assert 200 <= result.helpers_peak_rss_mib < 260
    assert 200 <= result.together_rss_mib <= result.peak_rss_mib  # both held during the sleep
    assert result.peak_rss_mib - result.helpers_peak_rss_mib < 100  # the parent's own
    assert result.cpu_seconds >= 0.05  # writing 200 MiB in the child
