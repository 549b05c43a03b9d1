"""Beyond one machine: the catalog's generated SQL runs on Apache Spark and gives DuckDB's numbers.

The metrics are compiled with the Databricks SQL dialect (databricks-sqlalchemy, the dialect a
company's Databricks or Spark SQL warehouse uses) and executed by a local Spark session
(pyspark, `local[2]`) over the same canonical tables that DuckDB holds: every metric of the
catalog, every week, must be equal (floating-point values to 1e-9).
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from metrics import catalog as cat
from metrics.compiler import compile_metrics
from metrics.scope import Scope
from metrics.synthetic import generate
from pipelines import warehouse
from tests.conftest import need

pytestmark = [pytest.mark.slow]

END_WEEK = "2026-W22"
WEEKS = 6


def _java_version() -> str | None:
    java = shutil.which("java")
    if java is None:
        return None
    result = subprocess.run([java, "-version"], capture_output=True, text=True)
    return (result.stderr or result.stdout).splitlines()[0] if result.returncode == 0 else None


@pytest.fixture(scope="module")
def spark():
    """A local Spark session in UTC, tuned for small data (one partition, no code generation)."""
    need(_java_version() is not None, "Java is not installed: Apache Spark needs a JDK 17 or later")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        need(False, "pyspark is not installed: pip install -e '.[test]'")
    session = (SparkSession.builder.master("local[2]").appName("rapport-spark-test")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def duckdb_warehouse(tmp_path_factory) -> Path:
    """A seeded synthetic warehouse (about two years, 4,000 interactions) in a DuckDB file."""
    path = tmp_path_factory.mktemp("spark") / "warehouse.duckdb"
    generate(f"duckdb:///{path}", interactions=4000, people=300, seed=11)
    return path


def _register(spark, source: Path, folder: Path) -> None:
    """Every canonical table of the DuckDB file as a Spark view (through Parquet)."""
    import duckdb

    with duckdb.connect(str(source), read_only=True) as con:
        for name in warehouse.CANONICAL_TABLES:
            target = folder / f"{name}.parquet"
            con.execute(f"COPY {name} TO '{target}' (FORMAT parquet)")
            spark.read.parquet(str(target)).createOrReplaceTempView(name)


def databricks_sql(names: list[str]) -> tuple[str, dict]:
    """The catalog compiled by the Databricks dialect: SQL text with named parameters."""
    from databricks.sqlalchemy import DatabricksDialect

    query = compile_metrics(names, Scope.of(END_WEEK, WEEKS, tz="UTC"))
    compiled = query.compile(dialect=DatabricksDialect(),
                             compile_kwargs={"render_postcompile": True})
    # The dialect back-quotes parameter names for its connector; spark.sql takes them bare.
    return re.sub(r":`(\w+)`", r":\1", str(compiled)), dict(compiled.params)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def test_every_metric_on_spark_equals_duckdb(spark, duckdb_warehouse: Path, tmp_path: Path):
    names = [m.name for m in cat.CATALOG]
    engine = warehouse.make_engine(f"duckdb:///{duckdb_warehouse}", read_only=True)
    with engine.connect() as conn:
        expected = [dict(r) for r in conn.execute(
            compile_metrics(names, Scope.of(END_WEEK, WEEKS, tz="UTC"))).mappings()]
    engine.dispose()
    _register(spark, duckdb_warehouse, tmp_path)
    sql, params = databricks_sql(names)
    got = [r.asDict() for r in spark.sql(sql, args=params).collect()]

    assert [r["week"] for r in got] == [r["week"] for r in expected]
    assert sum(r["reciprocal_relationships"] for r in expected) > 0, "the data must exercise the metric"
    different = [(e["week"], n, e[n], g[n]) for e, g in zip(expected, got) for n in names
                 if not _same(e[n], g[n])]
    assert different == [], f"Spark and DuckDB disagree (week, metric, duckdb, spark): {different[:10]}"
