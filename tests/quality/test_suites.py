"""Every check of every suite, on a passing and a failing case, judged by each of its renderings.

The same inline records are staged in DuckDB (as the loader stages a batch), validated by
Great Expectations (the GX suite), filtered by the loader's SQL rule (the DuckDB rendering),
and, for the checks `rapport check` runs, by the SQLAlchemy Core rendering on a warehouse.
All must agree, which is what makes the suites the single source of truth.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import sqlalchemy as sa

from pipelines import rules, warehouse
from pipelines.quality import suites
from pipelines.quality.checks import LOAD, RECORD, WAREHOUSE, Check
from pipelines.quality.gx_run import frame_for_gx, validate_frame
from pipelines.quality.warehouse_checks import suite_checks
from tests.quality.cases import CASES, KNOWN_INTERACTIONS, KNOWN_PEOPLE, NOW, PARAMETERS, case_ids, records

ARROW = [(sa.DateTime, pa.timestamp("us")), (sa.Date, pa.date32()), (sa.Boolean, pa.bool_()),
         (sa.Integer, pa.int64()), (sa.Float, pa.float64()), (sa.Numeric, pa.float64()),
         (sa.String, pa.string())]


def arrow_type(column: sa.Column) -> pa.DataType:
    return next(arrow for kind, arrow in ARROW if isinstance(column.type, kind))
ALL = [(table, check.name) for table in suites.SUITES for check in suites.suite(table)]
STAMP = NOW.strftime("%Y-%m-%d %H:%M:%S")


def staged(table: str, rows: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding `rows` as `cases`, typed like the loader's staging table."""
    columns = warehouse.canonical_columns(table)
    types = {c: arrow_type(warehouse.table(table).c[c]) for c in columns}
    arrow = pa.table({**{c: pa.array([r[c] for r in rows], types[c]) for c in columns},
                      "case_id": pa.array([r["case_id"] for r in rows], pa.string())})
    con = duckdb.connect()
    con.register("incoming", arrow)
    con.execute("CREATE TABLE cases AS SELECT * FROM incoming")
    return con


def check_named(name: str) -> Check:
    return next(c for c in suites.all_checks() if c.name == name)


@pytest.fixture(scope="module")
def gx_failing() -> dict[str, set[str]]:
    """For every check: the case ids Great Expectations finds failing (one validation per table)."""
    out: dict[str, set[str]] = {}
    for table in suites.SUITES:
        con = staged(table, records(table))
        frame = frame_for_gx(con.sql("SELECT * FROM cases").to_arrow_table())
        for verdict in validate_frame(frame, suites.suite(table), NOW, name=f"cases_{table}",
                                      parameters=PARAMETERS, index=["case_id"], complete=True):
            assert verdict.status != "could_not_run", f"{verdict.check}: {verdict.error}"
            out[verdict.check] = set(verdict.offending)
    return out


def test_every_check_of_every_suite_has_a_passing_and_a_failing_case() -> None:
    named = {case.check for cases in CASES.values() for case in cases}
    assert named == {name for _, name in ALL}
    for cases in CASES.values():
        for case in cases:
            assert case.good and case.bad, case.check


def test_suites_are_literal_lists_of_named_described_checks() -> None:
    names = [name for _, name in ALL]
    assert len(names) == len(set(names)), "check names are unique"
    for table, name in ALL:
        check = check_named(name)
        assert check.table == table and check.severity in ("error", "warning")
        assert check.description
        if check.scope == RECORD:  # quoted into the quarantine reason by the loader's SQL
            assert "'" not in check.description, name


def test_the_loader_rules_are_the_record_checks_of_the_suites() -> None:
    record = [c for c in suites.all_checks() if c.scope == RECORD]
    assert [(r.name, r.severity, r.description) for r in rules.RULES] == [
        (c.name, c.severity, c.description) for c in record]


def test_ids_missing_from_people_are_never_errors() -> None:
    referential = [c for c in suites.all_checks() if c.scope == WAREHOUSE]
    assert referential and all(c.severity == "warning" for c in referential)
    assert "interactions.actor_in_people" in {c.name for c in referential}


@pytest.mark.parametrize("table,check", ALL)
def test_great_expectations_passes_the_good_case_and_fails_the_bad_one(
        table: str, check: str, gx_failing: dict[str, set[str]]) -> None:
    assert case_ids(table, check, "bad") <= gx_failing[check]
    assert not case_ids(table, check, "good") & gx_failing[check]


@pytest.mark.parametrize("table", list(suites.SUITES))
def test_great_expectations_passes_every_check_on_the_good_records(table: str) -> None:
    good = [r for r in records(table) if ":good:" in r["case_id"]]
    frame = frame_for_gx(staged(table, good).sql("SELECT * FROM cases").to_arrow_table())
    verdicts = validate_frame(frame, suites.suite(table), NOW, name=f"good_{table}",
                              parameters=PARAMETERS)
    assert {v.check: v.status for v in verdicts} == {c.name: "passed" for c in suites.suite(table)}


@pytest.mark.parametrize("table,check", [(t, c) for t, c in ALL
                                         if check_named(c).scope in (RECORD, LOAD)])
def test_the_loader_sql_agrees_with_great_expectations(
        table: str, check: str, gx_failing: dict[str, set[str]]) -> None:
    con = staged(table, records(table))
    query = check_named(check).expect.failing_rows("cases", "case_id").replace("{now}", STAMP)
    failing = {row[0] for row in con.execute(query).fetchall()}
    assert case_ids(table, check, "bad") <= failing
    assert not case_ids(table, check, "good") & failing
    assert failing == gx_failing[check]


def _warehouse_rows(table: str) -> list[dict[str, Any]]:
    """The cases of the checks `rapport check` runs, insertable into the canonical table."""
    names = {c.name for c in suite_checks()}
    keys = warehouse.NATURAL_KEYS[table]
    rows, seen = [], set()
    for row in records(table):
        name = row["case_id"].rsplit(":", 2)[0]
        key = tuple(row[k] for k in keys)
        if name in names and None not in key and key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


WAREHOUSE_RUN = [(c.table, c.name) for c in suites.all_checks()
                 if c.name in {w.name for w in suite_checks()}]


@pytest.mark.parametrize("table,check", WAREHOUSE_RUN)
def test_the_warehouse_sql_agrees_with_great_expectations(
        table: str, check: str, tmp_path: Path, gx_failing: dict[str, set[str]]) -> None:
    engine = warehouse.make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    warehouse.create_schema(engine)
    rows = _warehouse_rows(table)
    t = warehouse.table(table)
    columns = warehouse.canonical_columns(table)
    with engine.begin() as conn:
        conn.execute(warehouse.people.insert(), [
            {"person_id": p, "platform": "x", "is_ours": False} for p in KNOWN_PEOPLE])
        conn.execute(warehouse.interactions.insert(), [
            {"interaction_id": i, "platform": "x", "occurred_at": NOW, "actor_id": "x:alice",
             "kind": "post", "automated": False} for i in KNOWN_INTERACTIONS])
        conn.execute(t.insert(), [{c: r[c] for c in columns} for r in rows])
        by_key = {tuple(r[k] for k in warehouse.NATURAL_KEYS[table]): r["case_id"] for r in rows}
        keys = [t.c[k] for k in warehouse.NATURAL_KEYS[table]]
        found = conn.execute(sa.select(*keys).where(check_named(check).expect.core(t, NOW))).all()
    engine.dispose()
    failing = {by_key[tuple(row)] for row in found if tuple(row) in by_key}
    assert case_ids(table, check, "bad") <= failing
    assert not case_ids(table, check, "good") & failing
    assert failing == gx_failing[check] & set(by_key.values())
