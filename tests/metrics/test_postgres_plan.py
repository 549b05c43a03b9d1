"""PostgreSQL plans the catalog without nested loops.

PostgreSQL keeps no statistics for CTEs and estimates a filtered CTE scan at about one row, so
left alone it joins the pair CTEs with nested loops: quadratic in the pairs, and the 104-week
catalog over a million interactions did not finish in five minutes. The API prepares its
connection (`metrics.dialects.prepare_session`); these tests read the plan PostgreSQL chooses.
"""
from __future__ import annotations

import sqlalchemy as sa

from metrics import catalog as cat
from metrics.compiler import compile_metrics
from metrics.dialects import prepare_session
from metrics.scope import Scope
from pipelines import warehouse

HEAVY = ["conversations", "reciprocal_relationships", "new_reciprocal_relationships",
         "member_reciprocal_pairs", "automation_unfollows", "reply_rate", "response_rate"]


def _plan(url: str, names: list[str], prepared: bool) -> str:
    engine = warehouse.make_engine(url)
    warehouse.create_schema(engine)
    query = compile_metrics(names, Scope.of("2026-W22", 104))
    compiled = query.compile(engine, compile_kwargs={"render_postcompile": True})
    try:
        with engine.connect() as conn:
            if prepared:
                prepare_session(conn)
            rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
            return "\n".join(row[0] for row in rows)
    finally:
        engine.dispose()


def test_unprepared_postgres_joins_pairs_by_nested_loops(pg_url: str) -> None:
    """The reason for the setting: without it pair CTEs are joined to each other by loops."""
    loops = _nested_loop_inputs(_plan(pg_url, HEAVY, prepared=False))
    assert any(not any(" on weeks" in child for child in children) for children in loops)


def _nested_loop_inputs(plan: str) -> list[list[str]]:
    """For every Nested Loop of an EXPLAIN text, the nodes it joins (its direct children)."""
    lines = plan.splitlines()
    found = []
    for i, line in enumerate(lines):
        if "Nested Loop" not in line:
            continue
        depth = len(line) - len(line.lstrip(" ->"))
        children = []
        for later in lines[i + 1:]:
            later_depth = len(later) - len(later.lstrip(" ->"))
            if later_depth <= depth:
                break
            if later.lstrip().startswith("->") and later_depth == depth + 6:
                children.append(later.strip())
        found.append(children)
    return found


def test_prepared_connection_joins_pairs_by_hash(pg_url: str) -> None:
    """What is left of nested loops are the range joins of the ~105-row weeks table (the
    audience days of a week, the levels known by a week's end): no pair join among them."""
    plan = _plan(pg_url, [m.name for m in cat.CATALOG], prepared=True)
    assert "Hash Join" in plan
    for children in _nested_loop_inputs(plan):
        assert any(" on weeks" in child for child in children), children


def test_the_setting_ends_with_the_transaction(pg_url: str) -> None:
    engine = warehouse.make_engine(pg_url)
    try:
        with engine.connect() as conn:
            prepare_session(conn)
            assert conn.exec_driver_sql("SHOW enable_nestloop").scalar() == "off"
            conn.rollback()
            assert conn.exec_driver_sql("SHOW enable_nestloop").scalar() == "on"
    finally:
        engine.dispose()


def test_other_engines_are_left_alone(duckdb_url: str) -> None:
    engine = warehouse.make_engine(duckdb_url)
    try:
        with engine.connect() as conn:
            prepare_session(conn)
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
