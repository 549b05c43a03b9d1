"""A first load into DuckDB fills empty tables and then keys them: the tables it leaves must be
defined exactly as the schema defines them, and still refuse a repeated key."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.load import load_paths
from pipelines.warehouse import create_schema, make_engine

from tests.pipelines.test_load_generic import full_folder


def definition(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return tuple(con.execute(query).fetchall() for query in (
            "SELECT table_name, sql FROM duckdb_tables() ORDER BY ALL",
            "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints() "
            "ORDER BY ALL",
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns ORDER BY ALL",
            "SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL"))
    finally:
        con.close()


def test_a_first_load_leaves_the_tables_as_the_schema_defines_them(tmp_path: Path) -> None:
    schema_only = tmp_path / "schema.duckdb"
    engine = make_engine(f"duckdb:///{schema_only}")
    create_schema(engine)
    engine.dispose()
    loaded = tmp_path / "loaded.duckdb"
    summaries = load_paths([full_folder(tmp_path)], f"duckdb:///{loaded}")
    assert [s.status for s in summaries] == ["loaded"] * 5
    expected, got = definition(schema_only), definition(loaded)
    canonical = {"people", "interactions", "audience_daily", "referrals", "costs"}
    assert canonical <= {name for name, _ in expected[0]}
    assert [t for t in got[0] if t[0] in canonical] == [t for t in expected[0] if t[0] in canonical]
    for table in canonical:
        assert [c for c in got[1] if c[0] == table] == [c for c in expected[1] if c[0] == table]
        assert [c for c in got[2] if c[0] == table] == [c for c in expected[2] if c[0] == table]
    assert got[3] == expected[3]


def test_the_key_of_a_first_loaded_table_still_refuses_a_repeat(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    load_paths([full_folder(tmp_path)], f"duckdb:///{path}")
    con = duckdb.connect(str(path))
    try:
        with pytest.raises(duckdb.ConstraintException, match="primary key"):
            con.execute("INSERT INTO interactions SELECT * FROM interactions LIMIT 1")
    finally:
        con.close()
