"""`rapport metrics` on a DuckDB file, and the benchmark floor agreeing with the product."""
from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner

from metrics import catalog as cat
from metrics.api import compute, default_week, signals
from pipelines.bench.floor import reciprocal_floor
from metrics.synthetic import build_duckdb
from pipelines import warehouse
from pipelines.cli import app
from tests.metrics.builder import Warehouse


@pytest.fixture
def small(duckdb_url: str) -> str:
    w = Warehouse(duckdb_url)
    w.person("x:O", ours=True)
    w.person("x:P")
    w.say("2026-03-03 10:00", "x:O", "x:P", "dm")
    w.say("2026-03-04 10:00", "x:P", "x:O", "dm")
    return w.save()


def test_json_output_has_the_contract_keys_and_null_for_undefined(small):
    result = CliRunner().invoke(app, ["metrics", "--week", "2026-W10", "--weeks", "2",
                                      "--format", "json", "--db", small])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2 * len(cat.CATALOG)
    assert {"week", "metric", "family", "value"} <= set(rows[0])
    by = {(r["week"], r["metric"]): r["value"] for r in rows}
    assert by[("2026-W10", "reciprocal_relationships")] == 1
    assert by[("2026-W09", "reply_rate")] is None  # nothing sent: undefined, null
    assert by[("2026-W10", "social_roi")] is None


@pytest.mark.parametrize("args, message", [
    (["--week", "2026-W61"], "does not exist"),
    (["--week", "last week"], "not an ISO week"),
    (["--week", "2026-W10", "--format", "xml"], "unknown --format"),
])
def test_bad_input_exits_2_with_a_clear_message(small, args, message):
    result = CliRunner().invoke(app, ["metrics", *args, "--db", small])
    assert result.exit_code == 2
    assert message in result.output


def test_a_warehouse_in_a_missing_folder_is_a_clear_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "no" / "such" / "w.duckdb"
    result = CliRunner().invoke(app, ["metrics", "--week", "2026-W10",
                                      "--db", f"duckdb:///{missing}"])
    assert result.exit_code == 2
    assert f"no warehouse at {missing}" in result.output
    assert "does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_csv_and_table_formats(small):
    csv_out = CliRunner().invoke(app, ["metrics", "--week", "2026-W10", "--format", "csv",
                                       "--db", small])
    assert csv_out.exit_code == 0
    assert csv_out.stdout.splitlines()[0] == "week,metric,family,label,unit,value"
    table = CliRunner().invoke(app, ["metrics", "--week", "2026-W10", "--db", small])
    assert "reciprocal_relationships" in table.stdout and "2026-W10" in table.stdout


def test_default_week_is_the_latest_complete_week_not_after_the_data(small, duckdb_url):
    from datetime import datetime

    assert default_week(small, now=datetime(2026, 3, 5)) == "2026-W09"  # W10 is not complete
    assert default_week(small, now=datetime(2026, 6, 1)) == "2026-W10"  # data ends in W10
    empty = duckdb_url.replace("warehouse.duckdb", "empty.duckdb")
    assert default_week(empty) is None


def test_signals_flag_vanity_up_while_the_outcome_falls(duckdb_url):
    w = Warehouse(duckdb_url)
    w.person("x:O", ours=True)
    w.person("x:P")
    w.person("x:Q")
    w.audience("2026-02-01", "x:O", followers=100)  # end of W05
    w.audience("2026-03-01", "x:O", followers=104)  # end of W09: +4% over four weeks
    # (O, Q) is reciprocal in W05's window [2025-11-04, 2026-02-02), not in W09's
    # [2025-12-02, 2026-03-02); (O, P) is in both: 2 pairs -> 1 pair, -50%.
    w.say("2025-11-10 10:00", "x:O", "x:Q", "dm")
    w.say("2025-11-10 11:00", "x:Q", "x:O", "dm")
    w.say("2026-01-28 10:00", "x:O", "x:P", "dm")
    w.say("2026-01-28 11:00", "x:P", "x:O", "dm")
    url = w.save()
    frame = signals(url, "2026-W09", 1)
    row = frame[frame["vanity_metric"] == "followers"].iloc[0]
    assert row["week"] == "2026-W09"
    assert bool(row["flagged"]) is True
    assert row["vanity_change"] == pytest.approx(0.04)
    assert row["outcome_change"] == pytest.approx(-0.5)
    assert row["message"] == ("Followers +4% over four weeks while reciprocal relationships "
                              "fell 50%")
    quiet = frame[frame["vanity_metric"] == "messages_sent"].iloc[0]
    assert bool(quiet["flagged"]) is False


def test_compute_returns_one_row_per_week_and_metric_in_order(small):
    frame = compute(small, "2026-W10", 3)
    assert list(frame.columns) == ["week", "metric", "family", "label", "unit", "value"]
    assert list(frame["week"].unique()) == ["2026-W08", "2026-W09", "2026-W10"]
    assert list(frame["metric"][:len(cat.CATALOG)]) == [m.name for m in cat.CATALOG]


def test_the_floor_query_and_the_product_agree(tmp_path):
    path = tmp_path / "bench.duckdb"
    url = f"duckdb:///{path}"
    warehouse.create_schema(warehouse.make_engine(url))
    with duckdb.connect(str(path)) as con:
        build_duckdb(con, interactions=20_000, people=300, seed=3)
    with duckdb.connect(str(path), read_only=True) as con:
        floor = reciprocal_floor(con, "2026-W40", 30)
    product = compute(url, "2026-W40", 30)
    ours = product[product["metric"] == "reciprocal_relationships"]
    assert [(w, int(v)) for w, v in zip(ours["week"], ours["value"])] == floor
    assert max(v for _, v in floor) > 0
