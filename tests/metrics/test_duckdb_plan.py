"""DuckDB plans the catalog's shared activity rows without the OR of their readers' filters.

Left alone, DuckDB's `cte_filter_pusher` puts the OR of every reader's filter under the shared
`activity` CTE: one wide OR per interaction that nearly every row passes, each reader filtering
again. The API prepares its connection (`metrics.dialects.prepare_session`) so that it is not
done; these tests read the plan DuckDB chooses and compare the values both plans give.
"""
from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from metrics import catalog as cat
from metrics.compiler import compile_metrics
from metrics.dialects import prepare_session
from metrics.scope import Scope
from metrics.synthetic import generate
from pipelines import warehouse

NAMES = [m.name for m in cat.CATALOG]


def _compiled(engine: sa.Engine) -> tuple[str, tuple]:
    query = compile_metrics(NAMES, Scope.of("2026-W22", 104, engine="duckdb"))
    compiled = query.compile(engine, compile_kwargs={"render_postcompile": True})
    return str(compiled), tuple(compiled.params[k] for k in dict.fromkeys(compiled.positiontup))


def _activity_operators(plan: list[dict]) -> list[str]:
    """The operators under the `activity` CTE, down its first inputs to the table scan."""
    def find(node: dict) -> dict | None:
        if node.get("extra_info", {}).get("CTE Name") == "activity":
            return node
        return next((hit for child in node.get("children", []) if (hit := find(child))), None)

    node = next(hit for root in plan if (hit := find(root)))
    names = []
    while node.get("children"):
        node = node["children"][0]
        names.append(node["name"])
    return names


def _run(path: Path, prepared: bool) -> tuple[list[str], list[tuple]]:
    engine = warehouse.make_engine(f"duckdb:///{path}")
    try:
        sql, params = _compiled(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("RESET disabled_optimizers")
            if prepared:
                prepare_session(conn)
            plan = json.loads(conn.exec_driver_sql("EXPLAIN (FORMAT json) " + sql,
                                                   params).fetchall()[0][1])
            rows = [tuple(r) for r in conn.exec_driver_sql(sql, params).fetchall()]
        return _activity_operators(plan), rows
    finally:
        engine.dispose()


def test_prepared_duckdb_reads_activity_without_the_pushed_or(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    generate(f"duckdb:///{path}", 20_000, people=400)
    plain_ops, plain_rows = _run(path, prepared=False)
    prepared_ops, prepared_rows = _run(path, prepared=True)
    assert "FILTER" in plain_ops  # the reason for the setting
    assert "FILTER" not in prepared_ops
    assert prepared_ops[-1].endswith("SCAN")  # walked down to the interactions
    assert len(prepared_rows) == 104 and prepared_rows == plain_rows
    assert any(row[NAMES.index("reciprocal_relationships") + 1] for row in prepared_rows)
