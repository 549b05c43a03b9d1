"""Golden SQL: the compiled SQL of every metric, per dialect, kept in tests/metrics/golden.

The test fails when the generated SQL drifts. After an intended change, regenerate with

    RAPPORT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/metrics/test_golden.py

and review the diff. DuckDB, PostgreSQL and SQLite are the engines rapport runs on; Snowflake,
BigQuery, Databricks and Trino are compile-only (their SQLAlchemy dialect packages must import,
else that dialect is skipped with the reason).
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from metrics import catalog as cat
from metrics.compiler import compile_metric

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("RAPPORT_UPDATE_GOLDEN") == "1"
END_WEEK, WEEKS = "2026-W10", 2  # a fixed range, so that the SQL is stable

DIALECTS = {
    "duckdb": ("duckdb_engine", "duckdb"),
    "postgresql": ("psycopg", "postgresql+psycopg"),
    "sqlite": ("sqlite3", "sqlite"),
    "snowflake": ("snowflake.sqlalchemy", "snowflake"),
    "bigquery": ("sqlalchemy_bigquery", "bigquery"),
    "databricks": ("databricks.sqlalchemy", "databricks"),
    "trino": ("trino.sqlalchemy", "trino"),
}


def dialect(name: str) -> sa.engine.Dialect:
    module, url = DIALECTS[name]
    try:
        importlib.import_module(module)
        return sa.engine.make_url(f"{url}://").get_dialect()()
    except Exception as exc:  # a missing or broken dialect package
        pytest.skip(f"{name} dialect not available: {module} does not import ({exc})")


def render(metric: str, d: sa.engine.Dialect) -> str:
    query = compile_metric(metric, END_WEEK, WEEKS, engine=d.name)
    try:
        text = str(query.compile(dialect=d, compile_kwargs={"literal_binds": True}))
    except Exception:  # some dialects cannot render every literal: keep the placeholders
        text = str(query.compile(dialect=d))
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("metric", [m.name for m in cat.CATALOG])
@pytest.mark.parametrize("name", list(DIALECTS))
def test_compiled_sql_matches_golden(name: str, metric: str):
    sql = render(metric, dialect(name))
    path = GOLDEN / name / f"{metric}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"{path} missing: run RAPPORT_UPDATE_GOLDEN=1 pytest {__file__}"
    assert sql == path.read_text(encoding="utf-8"), (
        f"compiled SQL of {metric} on {name} drifted from {path}; if intended, regenerate with "
        "RAPPORT_UPDATE_GOLDEN=1 pytest tests/metrics/test_golden.py")


def test_only_the_dialect_module_names_dialects():
    here = Path(__file__).resolve().parents[2] / "metrics"
    for path in here.glob("*.py"):
        if path.name in ("dialects.py", "synthetic.py", "floor.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for name in ("\"duckdb\"", "\"postgresql\"", "\"sqlite\"", "dialect.name"):
            assert name not in text, f"{path.name} branches on a dialect ({name})"
