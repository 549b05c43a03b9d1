"""Where SQL engines differ: small constructs, one `@compiles` per dialect.

This is the only module that knows dialect names. The compiler builds expressions with these
constructs; each renders portable SQL by default and engine-specific SQL where needed.

- `epoch_us(ts)`: whole microseconds since 1970 of a naive UTC timestamp (exact).
- `int_div(n, d)`: integer division of non-negative integers.
- `shift(ts, seconds)`: a timestamp moved by a whole number of seconds.
- `greatest(a, b)` / `least(a, b)`: the larger / smaller of two non-null values.
- `materialized(cte)`: compute a shared CTE once where the engine accepts the hint.
- `has_person_keys`, `has_week_sets`, `has_middle_values`, `has_asof`: whether an engine gets a
  measure's faster form (DuckDB); the others compile the portable form.
- `prepare_session(conn)`: planner settings a connection needs before it runs the catalog.

SQLite stores SQLAlchemy DateTime values as text `YYYY-MM-DD HH:MM:SS.ffffff` and compares them
as text, so its shift keeps that exact format (seconds moved, fraction kept) and its epoch
reads the fraction separately: no precision is lost.
"""
from __future__ import annotations

import itertools

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class epoch_us(FunctionElement):
    """Whole microseconds since 1970-01-01 of a naive UTC timestamp (exact integer)."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "epoch_us"


@compiles(epoch_us)
def _epoch_default(element, compiler, **kw):
    (ts,) = element.clauses
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(ts, **kw)}) * 1000000 AS BIGINT)"


@compiles(epoch_us, "duckdb")
def _epoch_duckdb(element, compiler, **kw):
    (ts,) = element.clauses
    return f"epoch_us({compiler.process(ts, **kw)})"


@compiles(epoch_us, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    (ts,) = element.clauses
    t = compiler.process(ts, **kw)
    return (f"(CAST(strftime('%s', substr({t}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({t} || '.000000', 21, 6) AS INTEGER))")


@compiles(epoch_us, "snowflake")
def _epoch_snowflake(element, compiler, **kw):
    (ts,) = element.clauses
    return f"DATE_PART(epoch_microsecond, {compiler.process(ts, **kw)})"


@compiles(epoch_us, "bigquery")
def _epoch_bigquery(element, compiler, **kw):
    (ts,) = element.clauses
    return f"UNIX_MICROS(TIMESTAMP({compiler.process(ts, **kw)}))"


@compiles(epoch_us, "trino")
def _epoch_trino(element, compiler, **kw):
    (ts,) = element.clauses
    return f"CAST(to_unixtime({compiler.process(ts, **kw)}) * 1000000 AS BIGINT)"


@compiles(epoch_us, "databricks")
def _epoch_databricks(element, compiler, **kw):
    # unix_micros takes TIMESTAMP only; warehouse columns are often TIMESTAMP_NTZ (naive UTC).
    # The cast reads a naive value in the session zone, which must be UTC (Databricks' default).
    (ts,) = element.clauses
    return f"unix_micros(CAST({compiler.process(ts, **kw)} AS TIMESTAMP))"


class int_div(ColumnElement):
    """Integer division of two non-negative integers (the quotient, rounded down)."""

    inherit_cache = False

    def __init__(self, numerator, denominator: int):
        self.numerator = sa.sql.coercions.expect(sa.sql.roles.ExpressionElementRole, numerator)
        self.denominator = int(denominator)
        self.type = sa.BigInteger()


@compiles(int_div)
def _int_div_default(element, compiler, **kw):
    return f"(({compiler.process(element.numerator, **kw)}) / {element.denominator})"


@compiles(int_div, "duckdb")
def _int_div_duckdb(element, compiler, **kw):
    return f"(({compiler.process(element.numerator, **kw)}) // {element.denominator})"


@compiles(int_div, "snowflake")
@compiles(int_div, "trino")
def _int_div_floor(element, compiler, **kw):
    return f"FLOOR(({compiler.process(element.numerator, **kw)}) / {element.denominator})"


@compiles(int_div, "bigquery")
def _int_div_bigquery(element, compiler, **kw):
    return f"DIV({compiler.process(element.numerator, **kw)}, {element.denominator})"


@compiles(int_div, "databricks")
def _int_div_databricks(element, compiler, **kw):
    return f"(({compiler.process(element.numerator, **kw)}) DIV {element.denominator})"


def is_embedded_duckdb(bind: sa.Engine | sa.Connection) -> bool:
    """Whether the warehouse is the embedded DuckDB engine (memory settings, load-time rollups)."""
    return bind.dialect.name == "duckdb"


DUCKDB_OFF = "cte_filter_pusher"  # optimizers prepare_session turns off on DuckDB


def prepare_session(conn: sa.Connection) -> None:
    """Set up a connection that is about to run the catalog.

    PostgreSQL estimates every filtered scan of a shared CTE at about one row (it keeps no
    statistics for CTEs), so it plans the pair self-joins as nested loops, which are quadratic
    at a million interactions. Pairs are joined on equality keys, so hash and merge joins are
    always available: nested loops are switched off for the transaction, and remain only where
    nothing else can join (the range joins of the small weeks table).

    DuckDB pushes the OR of every reader's filters into a shared CTE (its `cte_filter_pusher`):
    on the catalog's activity rows, which nearly every row passes and each reader filters
    again, that is one wide OR evaluated per interaction for nothing (0.75 s of a 10M catalog's
    operator time). It is switched off; DuckDB has no session scope for this setting, so it
    holds for the database instance (this process's connections to the file), whose queries are
    all rapport's.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    elif conn.dialect.name == "duckdb":
        conn.exec_driver_sql(f"SET disabled_optimizers = '{DUCKDB_OFF}'")


def materialized(cte: sa.CTE) -> sa.CTE:
    """Ask the engines that accept it to compute a CTE once (it is read by many metrics)."""
    for dialect in ("duckdb", "postgresql", "sqlite"):
        cte = cte.prefix_with("MATERIALIZED", dialect=dialect)
    return cte


class shift(ColumnElement):
    """A timestamp moved by a whole number of seconds (negative: earlier)."""

    inherit_cache = False

    def __init__(self, ts, seconds: int):
        self.ts = sa.sql.coercions.expect(sa.sql.roles.ExpressionElementRole, ts)
        self.seconds = int(seconds)
        self.type = sa.DateTime()


@compiles(shift)
def _shift_default(element, compiler, **kw):
    return f"({compiler.process(element.ts, **kw)} + INTERVAL '{element.seconds}' SECOND)"


@compiles(shift, "duckdb")
def _shift_duckdb(element, compiler, **kw):
    return f"({compiler.process(element.ts, **kw)} + to_seconds({element.seconds}))"


@compiles(shift, "postgresql")
def _shift_postgresql(element, compiler, **kw):
    return f"({compiler.process(element.ts, **kw)} + INTERVAL '{element.seconds} seconds')"


@compiles(shift, "sqlite")
def _shift_sqlite(element, compiler, **kw):
    t = compiler.process(element.ts, **kw)
    return f"(datetime(substr({t}, 1, 19), '{element.seconds:+d} seconds') || substr({t}, 20))"


@compiles(shift, "snowflake")
def _shift_snowflake(element, compiler, **kw):
    return f"DATEADD(second, {element.seconds}, {compiler.process(element.ts, **kw)})"


@compiles(shift, "bigquery")
def _shift_bigquery(element, compiler, **kw):
    return f"DATETIME_ADD({compiler.process(element.ts, **kw)}, INTERVAL {element.seconds} SECOND)"


@compiles(shift, "databricks")
def _shift_databricks(element, compiler, **kw):
    return f"timestampadd(SECOND, {element.seconds}, {compiler.process(element.ts, **kw)})"


class greatest(FunctionElement):
    """The larger of non-null values."""

    inherit_cache = True
    name = "greatest"

    def __init__(self, *args):
        super().__init__(*args)
        self.type = self.clauses.clauses[0].type


class least(FunctionElement):
    """The smaller of non-null values."""

    inherit_cache = True
    name = "least"

    def __init__(self, *args):
        super().__init__(*args)
        self.type = self.clauses.clauses[0].type


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(least)
def _least_default(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


# ---- week sets as bits: DuckDB only (a UHUGEINT holds 128 weeks) ---------------------------

WEEK_BITS = 128


def engine_of(conn: sa.Connection) -> str:
    """The name of the engine a connection runs on (what Scope.engine holds)."""
    return conn.dialect.name


def has_person_keys(engine: str | None) -> bool:
    """Whether the catalog numbers the people it reads and compares numbers instead of ids.

    On DuckDB, grouping, joining and sorting on the text ids (a common platform prefix, then
    a native id) costs about a fifth of the catalog at 10M interactions; numbering every id
    once per statement and reading the numbers costs less (docs/benchmarks.md, change 35).
    Elsewhere the ids are read as they are: the numbering has been measured on DuckDB only.
    """
    return engine == "duckdb"


def has_week_sets(engine: str | None, weeks: int) -> bool:
    """Whether `weeks` weeks can be held as week_bits sets on that engine."""
    return engine == "duckdb" and weeks <= WEEK_BITS


class _week_set_sql(ColumnElement):
    """An expression on week sets, built from the named SQL expressions in `parts`."""

    inherit_cache = False
    parts: tuple[str, ...] = ()
    type = sa.types.NullType()

    def __init__(self, *values):
        for name, value in zip(self.parts, values, strict=True):
            setattr(self, name, sa.sql.coercions.expect(sa.sql.roles.ExpressionElementRole,
                                                        value))


class week_bits(_week_set_sql):
    """The set of week indexes lo..hi as the bits of one 128-bit integer (0 <= lo <= hi < 128)."""

    parts = ("lo", "hi")


@compiles(week_bits, "duckdb")
def _week_bits_duckdb(element, compiler, **kw):
    lo, hi = compiler.process(element.lo, **kw), compiler.process(element.hi, **kw)
    return (f"(((1::UHUGEINT << ({hi} - {lo} + 1)::UHUGEINT) - 1::UHUGEINT)"
            f" << ({lo})::UHUGEINT)")


class week_bit(_week_set_sql):
    """The set holding the one week index `idx` (0 <= idx < 128), as week_bits(idx, idx)."""

    parts = ("idx",)


@compiles(week_bit, "duckdb")
def _week_bit_duckdb(element, compiler, **kw):
    return f"(1::UHUGEINT << ({compiler.process(element.idx, **kw)})::UHUGEINT)"


class weeks_from(_week_set_sql):
    """The set of every week index from `lo` on (0 <= lo < 128), to AND with a week set."""

    parts = ("lo",)


@compiles(weeks_from, "duckdb")
def _weeks_from_duckdb(element, compiler, **kw):
    return f"~((1::UHUGEINT << ({compiler.process(element.lo, **kw)})::UHUGEINT) - 1::UHUGEINT)"


class has_week(_week_set_sql):
    """Whether week `idx` is in a set built by week_bits (and combined with & or |)."""

    parts = ("bits", "idx")
    type = sa.Boolean()


@compiles(has_week, "duckdb")
def _has_week_duckdb(element, compiler, **kw):
    bits, idx = compiler.process(element.bits, **kw), compiler.process(element.idx, **kw)
    return f"((({bits}) >> ({idx})::UHUGEINT) & 1::UHUGEINT = 1::UHUGEINT)"


# ---- the middle values of a group: DuckDB's quantile_disc ----------------------------------

def has_middle_values(engine: str | None) -> bool:
    """Whether the engine returns a group's lower middle value as an aggregate.

    DuckDB's quantile_disc(x, 0.5) is the lower of the two middle values (the middle one when
    there is an odd number), and −quantile_disc(−x, 0.5) the upper: a median taken as their
    mean is the mean of the same one or two values that the portable form picks with a window,
    without sorting each week's rows.
    """
    return engine == "duckdb"


# ---- the first later row of another table: DuckDB's ASOF join ------------------------------

def has_asof(engine: str | None) -> bool:
    """Whether the engine joins each row to the first later row of a key (ASOF LEFT JOIN)."""
    return engine == "duckdb"


class asof_outerjoin(sa.sql.selectable.Join):
    """left ASOF LEFT JOIN right ON keys AND right.t > left.t: each left row with the nearest
    right row by the inequality (or none). Only for engines where has_asof is true."""

    inherit_cache = False

    def __init__(self, left, right, onclause):
        super().__init__(left, right, onclause, isouter=True)


@compiles(asof_outerjoin)
def _asof_default(element, compiler, **kw):
    raise sa.exc.CompileError(f"{compiler.dialect.name} has no ASOF join")


@compiles(asof_outerjoin, "duckdb")
def _asof_duckdb(element, compiler, asfrom=False, from_linter=None, **kw):
    if from_linter:
        from_linter.edges.update(itertools.product(element.left._from_objects,
                                                   element.right._from_objects))
    left = element.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    right = element.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    on = element.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    return f"{left} ASOF LEFT JOIN {right} ON {on}"
