"""The vocabulary of the suites: a named check and the expectation it makes.

A `Check` is one line of a suite: a domain name (`interactions.kind_is_canonical`), a
severity and a description a community manager can read. Its expectation is a small spec
that renders itself three ways, so that one definition drives every engine:

- `duckdb()`: a DuckDB predicate, TRUE for a failing record, over the staged columns (the
  loader's rules in `pipelines.rules`, `{now}` standing for the load's clock);
- `core(table, now)`: the same predicate in SQLAlchemy Core over a warehouse table, for the
  checks that `rapport check` runs on what is loaded;
- `gx(now)`: the Great Expectations expectation (built-in or a named subclass from
  `pipelines.quality.gx_expectations`), imported only when a validation really runs.

Null semantics follow Great Expectations: a value check ignores empty cells and presence is
its own check (`NotNull`), so GX and SQL count the same records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

ERROR = "error"
WARNING = "warning"

RECORD = "record"  # one record at a time: checked at load, an error quarantines the record
LOAD = "load"  # across the records of one load (a key repeated): checked at load
WAREHOUSE = "warehouse"  # needs other loaded data (people, threads): checked by `rapport check`

# The earliest plausible date per platform (its public launch); others: 2000-01-01.
PLATFORM_LAUNCH: dict[str, date] = {
    "linkedin": date(2003, 5, 5),
    "facebook": date(2004, 2, 4),
    "messenger": date(2008, 4, 1),
    "twitter": date(2006, 3, 21),
    "x": date(2006, 3, 21),
    "github": date(2008, 2, 8),
    "meetup": date(2002, 6, 12),
    "discourse": date(2013, 2, 5),
    "slack": date(2013, 8, 14),
    "telegram": date(2013, 8, 14),
    "discord": date(2015, 5, 13),
    "mattermost": date(2015, 10, 2),
    "mastodon": date(2016, 3, 16),
}
EARLIEST = date(2000, 1, 1)
FUTURE_TOLERANCE = timedelta(days=1)

ID_PATTERN = r"^[a-z][a-z0-9_]*:\S.*$"
PLATFORM_PATTERN = r"^[a-z][a-z0-9_]*$"
WEEK_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"


def _q(column: str) -> str:
    return '"' + column + '"'


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _meta(check: "Check") -> dict[str, Any]:
    return {"description": check.description, "meta": {"check": check.name},
            "severity": "critical" if check.severity == ERROR else "warning"}


class Expectation:
    """What a check expects; renders to DuckDB SQL, SQLAlchemy Core and Great Expectations."""

    scope = RECORD
    columns: tuple[str, ...] = ()

    def duckdb(self) -> str:
        """DuckDB predicate over staged columns, TRUE when a record fails; `{now}` is the clock."""
        raise NotImplementedError

    def failing_rows(self, relation: str, select: str = "*") -> str:
        """A DuckDB query for the failing records of `relation` (`{now}` is the clock)."""
        return f"SELECT {select} FROM {relation} WHERE {self.duckdb()}"

    def failing_count(self, relation: str) -> str:
        """A DuckDB query counting the failing records of `relation`."""
        return f"SELECT count(*) FROM ({self.failing_rows(relation, '1 AS one')})"

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        """The failing-record predicate over a warehouse table."""
        raise NotImplementedError

    def gx(self, check: "Check", now: datetime) -> Any:
        """The Great Expectations expectation (imports GX)."""
        raise NotImplementedError


@dataclass(frozen=True)
class NotNull(Expectation):
    """The column has a value (GX: expect_column_values_to_not_be_null)."""

    column: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def duckdb(self) -> str:
        return f"{_q(self.column)} IS NULL"

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        return table.c[self.column].is_(None)

    def gx(self, check: "Check", now: datetime) -> Any:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToNotBeNull(column=self.column, **_meta(check))


@dataclass(frozen=True)
class InSet(Expectation):
    """A non-empty value is one of `values` (GX: expect_column_values_to_be_in_set)."""

    column: str
    values: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def duckdb(self) -> str:
        return f"{_q(self.column)} IS NOT NULL AND {_q(self.column)} NOT IN ({_sql_list(self.values)})"

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        col = table.c[self.column]
        return sa.and_(col.is_not(None), col.not_in(self.values))

    def gx(self, check: "Check", now: datetime) -> Any:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToBeInSet(column=self.column, value_set=list(self.values),
                                               **_meta(check))


@dataclass(frozen=True)
class Matches(Expectation):
    """A non-empty value matches an anchored regular expression (GX: ..._to_match_regex).

    The pattern is searched (DuckDB `regexp_matches`, Python `re.search`); a final `$` is
    rendered `\\Z` for Python, whose `$` would also accept a trailing newline.
    """

    column: str
    pattern: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def duckdb(self) -> str:
        return (f"{_q(self.column)} IS NOT NULL AND "
                f"NOT regexp_matches({_q(self.column)}, '{self.pattern}')")

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        col = table.c[self.column]
        return sa.and_(col.is_not(None), sa.not_(col.regexp_match(self.pattern)))

    def python_pattern(self) -> str:
        return self.pattern[:-1] + r"\Z" if self.pattern.endswith("$") else self.pattern

    def gx(self, check: "Check", now: datetime) -> Any:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToMatchRegex(column=self.column, regex=self.python_pattern(),
                                                  **_meta(check))


@dataclass(frozen=True)
class CanonicalId(Matches):
    """A non-empty id looks like `<platform>:<native id>` (GX: ExpectCanonicalIds)."""

    pattern: str = ID_PATTERN

    def gx(self, check: "Check", now: datetime) -> Any:
        from pipelines.quality import gx_expectations as gxx

        return gxx.ExpectCanonicalIds(column=self.column, regex=self.python_pattern(), **_meta(check))


@dataclass(frozen=True)
class NeverNegative(Expectation):
    """A count or amount is never below zero (GX: ExpectCountsNeverNegative)."""

    column: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def duckdb(self) -> str:
        return f"{_q(self.column)} < 0"

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        return table.c[self.column] < 0

    def gx(self, check: "Check", now: datetime) -> Any:
        from pipelines.quality import gx_expectations as gxx

        return gxx.ExpectCountsNeverNegative(column=self.column, **_meta(check))


@dataclass(frozen=True)
class NotInFuture(Expectation):
    """A time or day is not after the clock plus a day (GX: ExpectNotInFuture)."""

    column: str
    is_day: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def latest(self, now: datetime) -> datetime:
        """The latest acceptable value for the clock `now`."""
        if self.is_day:
            return datetime.combine(now.date() + FUTURE_TOLERANCE, datetime.min.time())
        return now + FUTURE_TOLERANCE

    def duckdb(self) -> str:
        if self.is_day:
            return f"{_q(self.column)} > CAST(TIMESTAMP '{{now}}' AS DATE) + 1"
        return f"{_q(self.column)} > TIMESTAMP '{{now}}' + INTERVAL 1 DAY"

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        latest = self.latest(now)
        return table.c[self.column] > (latest.date() if self.is_day else latest)

    def gx(self, check: "Check", now: datetime) -> Any:
        from pipelines.quality import gx_expectations as gxx

        return gxx.ExpectNotInFuture(column=self.column, max_value=self.latest(now), **_meta(check))


@dataclass(frozen=True)
class AfterPlatformLaunch(Expectation):
    """A time is not before 2000 nor before its platform existed (GX: ExpectAfterPlatformLaunch)."""

    column: str
    platform_column: str = "platform"
    is_day: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.platform_column)

    def duckdb(self) -> str:
        whens = " ".join(f"WHEN '{p}' THEN DATE '{d.isoformat()}'" for p, d in PLATFORM_LAUNCH.items())
        value = f"CAST({_q(self.column)} AS TIMESTAMP)" if self.is_day else _q(self.column)
        return (f"{value} < CAST(CASE {_q(self.platform_column)} {whens} "
                f"ELSE DATE '{EARLIEST.isoformat()}' END AS TIMESTAMP)")

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        convert = (lambda d: d) if self.is_day else (lambda d: datetime.combine(d, datetime.min.time()))
        launch = sa.case({p: convert(d) for p, d in PLATFORM_LAUNCH.items()},
                         value=table.c[self.platform_column], else_=convert(EARLIEST))
        return table.c[self.column] < launch

    def gx(self, check: "Check", now: datetime) -> Any:
        from pipelines.quality import gx_expectations as gxx

        return gxx.ExpectAfterPlatformLaunch(
            column_A=self.column, column_B=self.platform_column,
            launches={p: d.isoformat() for p, d in PLATFORM_LAUNCH.items()},
            earliest=EARLIEST.isoformat(), **_meta(check))


@dataclass(frozen=True)
class PresentWhen(Expectation):
    """`column` has a value on records whose `when` column is in `values` (a reply has a thread)."""

    column: str
    when: str
    values: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.when)

    def duckdb(self) -> str:
        return f"{_q(self.when)} IN ({_sql_list(self.values)}) AND {_q(self.column)} IS NULL"

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(table.c[self.when].in_(self.values), table.c[self.column].is_(None))

    def gx(self, check: "Check", now: datetime) -> Any:
        from great_expectations.expectations.row_conditions import Column

        from pipelines.quality import gx_expectations as gxx

        return gxx.ExpectRepliesToHaveThread(
            column=self.column, row_condition=Column(self.when).is_in(list(self.values)),
            **_meta(check))


@dataclass(frozen=True)
class UniqueKey(Expectation):
    """The natural key appears once in a load (GX: expect_compound_columns_to_be_unique)."""

    key: tuple[str, ...]
    scope = LOAD

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key

    def duckdb(self) -> str:
        raise NotImplementedError("a repeated key is a property of a load, not of one record")

    def failing_rows(self, relation: str, select: str = "*") -> str:
        # As GX counts it: every record whose key occurs more than once (records whose key
        # is entirely empty are left out).
        keys = ", ".join(_q(k) for k in self.key)
        present = " OR ".join(f"{_q(k)} IS NOT NULL" for k in self.key)
        return (f"SELECT {select} FROM (SELECT *, count(*) OVER (PARTITION BY {keys}) AS _n "
                f"FROM {relation} WHERE {present}) WHERE _n > 1")

    def gx(self, check: "Check", now: datetime) -> Any:
        import great_expectations.expectations as gxe

        if len(self.key) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=self.key[0], **_meta(check))
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(self.key), **_meta(check))


@dataclass(frozen=True)
class KnownIn(Expectation):
    """A non-empty value exists in another table's column (actors exist in people).

    Needs the warehouse, so it is checked by `rapport check`; in Great Expectations it is
    `ExpectKnownIds` whose value set is the suite parameter `parameter`.
    """

    column: str
    other_table: str
    other_column: str
    parameter: str
    scope = WAREHOUSE

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def core(self, table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
        # An alias: the table may refer to itself (what a message answers is a message).
        other = table.metadata.tables[self.other_table].alias(f"known_{self.other_table}")
        col = table.c[self.column]
        return sa.and_(col.is_not(None), ~sa.exists().where(other.c[self.other_column] == col))

    def gx(self, check: "Check", now: datetime) -> Any:
        from pipelines.quality import gx_expectations as gxx

        return gxx.ExpectKnownIds(column=self.column, value_set={"$PARAMETER": self.parameter},
                                  **_meta(check))


@dataclass(frozen=True)
class Check:
    """One named expectation of a suite, with its severity and what it means."""

    name: str  # <table>.<what>, the name quarantine reasons and quality_results use
    severity: str  # error: the record is quarantined; warning: it loads, marked
    description: str
    expect: Expectation

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def scope(self) -> str:
        return self.expect.scope


def error(name: str, description: str, expect: Expectation) -> Check:
    """A check whose failure makes a record unusable."""
    return Check(name, ERROR, description, expect)


def warning(name: str, description: str, expect: Expectation) -> Check:
    """A check whose failure marks data that still loads."""
    return Check(name, WARNING, description, expect)
