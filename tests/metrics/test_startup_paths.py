"""What `rapport metrics` pays at start-up, and the schema checks that keep it cheap.

The command must not import the heavy libraries it does not use, an existing warehouse with
the current schema costs one look at its tables (no DDL, opened read-only so other readers are
not blocked), and a missing or older schema is still created or completed.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from metrics import api
from metrics import catalog as cat
from pipelines import warehouse
from tests.metrics.builder import Warehouse

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "pyarrow", "great_expectations", "streamlit", "plotly",
         "metrics.rollup", "pydantic", "typer")


def _modules_after(argv: list[str]) -> tuple[dict, str]:
    """Run the CLI in a fresh interpreter; the heavy modules it imported, and its output."""
    code = textwrap.dedent(f"""
        import contextlib, io, json, sys
        sys.argv = {["rapport", *argv]!r}
        from pipelines.cli import app
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                app()
            except SystemExit as exit:
                code = exit.code
        loaded = [m for m in {HEAVY!r} if m in sys.modules]
        print(json.dumps({{"code": code, "loaded": loaded}}))
        print(out.getvalue())
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first, _, rest = done.stdout.partition("\n")
    return json.loads(first), rest


@pytest.mark.parametrize("argv_tail, format", [
    (["--format", "json"], "json"),
    (["--format", "csv"], "csv"),
    ([], "table"),
])
def test_metrics_on_an_empty_warehouse_imports_no_heavy_library(tmp_path, argv_tail, format):
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    argv = ["metrics", "--week", "2026-W01", "--db", url, *argv_tail]
    first, _ = _modules_after(argv)  # creates the warehouse
    assert first["code"] == 0
    again, out = _modules_after(argv)
    assert again == {"code": 0, "loaded": []}
    if format == "json":
        rows = json.loads(out)
        assert [r["metric"] for r in rows] == [m.name for m in cat.CATALOG]
    elif format == "csv":
        lines = out.rstrip("\n").splitlines()
        assert lines[0] == "week,metric,family,label,unit,value"
        assert len(lines) == 1 + len(cat.CATALOG)
    else:
        assert "reciprocal_relationships" in out


def test_help_imports_neither_the_warehouse_nor_the_heavy_libraries():
    code = ("import sys; sys.argv = ['rapport', '--help']\n"
            "from pipelines.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('sqlalchemy', 'duckdb', *%r) if m in sys.modules], "
            "file=sys.stderr)" % (HEAVY,))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert "metrics" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def _ddl_count(url: str) -> int:
    """How many CREATE statements `create_schema` sends to the warehouse at `url`."""
    engine = warehouse.make_engine(url)
    sent: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: sent.append(statement))
    try:
        warehouse.create_schema(engine)
    finally:
        engine.dispose()
    return sum(s.lstrip().upper().startswith("CREATE") for s in sent)


def _tables(url: str) -> set[str]:
    engine = warehouse.make_engine(url)
    try:
        with engine.connect() as conn:
            return warehouse.table_names(conn)
    finally:
        engine.dispose()


def test_create_schema_creates_every_table_then_only_looks(db_url):
    assert _ddl_count(db_url) == len(warehouse.metadata.tables)
    assert set(warehouse.metadata.tables) <= _tables(db_url)
    assert _ddl_count(db_url) == 0


@pytest.mark.parametrize("dropped", [("quarantine",), ("quality_results", "loads")])
def test_create_schema_completes_an_older_warehouse_and_keeps_its_rows(db_url, dropped):
    w = Warehouse(db_url)
    w.person("x:O", ours=True)
    w.save()
    engine = warehouse.make_engine(db_url)
    with engine.begin() as conn:
        for name in dropped:
            conn.execute(sa.text(f"DROP TABLE {name}"))
    engine.dispose()
    engine = warehouse.make_engine(db_url)
    with engine.connect() as conn:
        assert sorted(warehouse.missing_tables(conn)) == sorted(dropped)
    engine.dispose()
    assert _ddl_count(db_url) == len(dropped)
    assert set(warehouse.metadata.tables) <= _tables(db_url)
    rows = warehouse.query(db_url, "SELECT person_id FROM people")
    assert [r[0] for r in rows] == ["x:O"]


def test_the_api_completes_an_older_duckdb_warehouse(duckdb_url):
    Warehouse(duckdb_url).save()
    engine = warehouse.make_engine(duckdb_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE quarantine"))
    engine.dispose()
    records = api.compute_records(duckdb_url, "2026-W10")
    assert len(records) == len(cat.CATALOG)
    assert "quarantine" in _tables(duckdb_url)


def test_an_in_memory_warehouse_gets_its_schema_on_the_connection_it_reads():
    records = api.compute_records("duckdb:///:memory:", "2026-W10")
    assert [r["metric"] for r in records] == [m.name for m in cat.CATALOG]
    assert api.default_week("duckdb:///:memory:") is None


def _one_reciprocal_pair(url: str) -> None:
    """One of ours and one person who wrote to each other in 2026-W10."""
    w = Warehouse(url)
    w.person("x:O", ours=True)
    w.person("x:P")
    w.say("2026-03-03 10:00", "x:O", "x:P", "dm")
    w.say("2026-03-04 10:00", "x:P", "x:O", "dm")
    w.save()


def test_metrics_read_a_warehouse_that_another_process_has_open_for_reading(duckdb_url):
    _one_reciprocal_pair(duckdb_url)
    path = warehouse.duckdb_path(duckdb_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], "
         "read_only=True); print('open', flush=True); sys.stdin.read()", path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        # A read-write open would fail here with DuckDB's "Could not set lock on file".
        records = api.compute_records(duckdb_url, "2026-W10")
        assert api.default_week(duckdb_url) is not None
    finally:
        holder.communicate("", timeout=30)
    by = {r["metric"]: r["value"] for r in records}
    assert by["reciprocal_relationships"] == 1


def test_compute_and_compute_records_agree(duckdb_url):
    _one_reciprocal_pair(duckdb_url)
    records = api.compute_records(duckdb_url, "2026-W10", 2)
    frame = api.compute(duckdb_url, "2026-W10", 2)
    assert str(frame["value"].dtype) == "float64"
    as_records = [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                   for k, v in row.items()} for row in frame.to_dict("records")]
    assert as_records == records
    assert any(r["value"] is None for r in records)  # undefined values stay None, not NaN
