"""Staging in DuckDB: typed rows, rule checks, quarantine and de-duplication, all in SQL.

Every load stages its records in a DuckDB connection (the warehouse itself when it is a DuckDB
file, else a scratch database): `stage_<table>` holds typed canonical columns plus `_seq`
(order in the export), `_line` (line or record number), `_file`, `_raw` and `_parse_error`;
`checked_<table>` adds `_rules` (the error rules a record breaks, as bits) and `_error` (their
names, or the parse error), and keeps `_raw` only for those records; `clean_<table>` keeps the
last row of each natural key among the records without errors (a view of `checked_<table>`
when no key repeats). For a CSV, `stage_<table>` is a view over `raw_<table>` (the file as text).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from pipelines import rules as rules_mod
from pipelines.records import Record
from pipelines.sources.base import SourceError
from pipelines.warehouse import NATURAL_KEYS, canonical_columns, metadata

OFFSET_PATTERN = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"
INTEGER_PATTERN = r"^\s*-?[0-9]+(\.0*)?\s*$"
MAX_OFFENDING = 20
HEADER_MAX_BYTES = 65536


def run(dcon: Any, statement: str, params: list | None = None) -> None:
    """Execute a statement on DuckDB and finish its result (DuckDB 2 wants results consumed)."""
    result = dcon.execute(statement, params) if params is not None else dcon.execute(statement)
    result.fetchall()


def _column_type(table: str, column: str) -> type:
    return type(metadata.tables[table].c[column].type)


def _sql_text(text: str) -> str:
    """Text made safe inside a single-quoted SQL literal."""
    return text.replace("'", "''")


def _quote(expr: str) -> str:
    """A SQL expression quoting a raw value for an error message (cut to 80 characters)."""
    return f"'''' || left({expr}, 80) || ''''"


def _typed_csv_column(table: str, column: str) -> tuple[str, str | None]:
    """(typed expression, parse-error expression or None) for one all-VARCHAR CSV column."""
    raw = f'"{column}"'
    present = f"nullif(trim({raw}), '')"
    kind = _column_type(table, column)
    if kind is sa.DateTime:
        # Most times end in Z: skip the regular expression (and the trim) for them.
        ok = (f"CASE WHEN suffix({raw}, 'Z') THEN TRUE "
              f"ELSE regexp_matches(trim({raw}), '{OFFSET_PATTERN}') END")
        parsed = f"coalesce(try_cast({raw} AS TIMESTAMPTZ), try_cast(trim({raw}) AS TIMESTAMPTZ))"
        cast = f"CAST({parsed} AT TIME ZONE 'UTC' AS TIMESTAMP)"
        typed = f"CASE WHEN {present} IS NOT NULL AND {ok} THEN {cast} END"
        err = (f"CASE WHEN {present} IS NOT NULL AND ({typed}) IS NULL THEN "
               f"'{column} ' || {_quote(raw)} || ' is not an ISO 8601 time with an offset' END")
        return typed, err
    if kind is sa.Date:
        typed = f"try_strptime(trim({raw}), '%Y-%m-%d')::DATE"
        err = (f"CASE WHEN {present} IS NOT NULL AND ({typed}) IS NULL THEN "
               f"'{column} ' || {_quote(raw)} || ' is not a date like 2026-11-16' END")
        return typed, err
    if kind is sa.BigInteger:
        ok = f"regexp_matches({raw}, '{INTEGER_PATTERN}')"
        # Through DECIMAL, not DOUBLE: every digit kept, and a number past BIGINT becomes NULL.
        typed = (f"CASE WHEN {present} IS NOT NULL AND {ok} THEN "
                 f"try_cast(try_cast(trim({raw}) AS DECIMAL(38, 0)) AS BIGINT) END")
        err = (f"CASE WHEN {present} IS NOT NULL AND NOT {ok} THEN "
               f"'{column} ' || {_quote(raw)} || ' is not a whole number' "
               f"WHEN {present} IS NOT NULL AND ({typed}) IS NULL THEN "
               f"'{column} ' || {_quote(raw)} || ' is too large for a count' END")
        return typed, err
    if kind in (sa.Float, sa.Double):
        cast = f"try_cast(trim({raw}) AS DOUBLE)"
        typed = f"CASE WHEN isfinite({cast}) THEN {cast} END"
        err = (f"CASE WHEN {present} IS NOT NULL AND ({typed}) IS NULL THEN "
               f"'{column} ' || {_quote(raw)} || ' is not a number' END")
        return typed, err
    if kind is sa.Boolean:
        low = f"lower(trim({raw}))"
        typed = f"CASE WHEN {low} = 'true' THEN TRUE WHEN {low} = 'false' THEN FALSE WHEN {present} IS NULL THEN FALSE END"
        err = (f"CASE WHEN {present} IS NOT NULL AND {low} NOT IN ('true', 'false') THEN "
               f"'{column} ' || {_quote(raw)} || ' is not true or false' END")
        return typed, err
    return _without_nul(raw), None


def _without_nul(expr: str) -> str:
    """Text with NUL bytes removed, empty as NULL (replace() only runs where a NUL is)."""
    return (f"CASE WHEN contains({expr}, chr(0)) THEN nullif(replace({expr}, chr(0), ''), '') "
            f"ELSE nullif({expr}, '') END")


@dataclass
class CsvHeader:
    columns: list[str]
    unknown: list[str] = field(default_factory=list)


def read_header(path: Path, table: str) -> CsvHeader:
    """The header of a canonical CSV; refuses a file missing a required column."""
    # Only the first line, and a bounded part of it: a later line in another encoding is the
    # reader's business (quarantined with its line), and a single huge line must not be read whole.
    with path.open("rb") as f:
        start = f.read(HEADER_MAX_BYTES + 1)
    end = min((i for i in (start.find(b"\n"), start.find(b"\r")) if i >= 0), default=len(start))
    if end > HEADER_MAX_BYTES:
        raise SourceError(f"{path.name}: line 1: no line break in the first {HEADER_MAX_BYTES:,} "
                          "bytes; expected a header line with the column names")
    try:
        text = start[:end].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path.name}: line 1: the header is not UTF-8 text (byte {exc.start}); "
                          "save the file as UTF-8 and load it again") from exc
    first = next(csv.reader(io.StringIO(text)), None)
    if not first:
        raise SourceError(f"{path.name}: empty file; expected a header line with the columns "
                          f"{', '.join(canonical_columns(table))}")
    names = [c.strip() for c in first]
    expected = canonical_columns(table)
    missing = [c for c in expected if c not in names]
    if missing:
        raise SourceError(f"{path.name}: line 1: missing required column(s) {', '.join(missing)}; "
                          f"expected the columns {', '.join(expected)}")
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise SourceError(f"{path.name}: line 1: column(s) {', '.join(dupes)} appear twice")
    return CsvHeader(names, [c for c in names if c not in expected])


def stage_csv(dcon: Any, table: str, path: Path, label: str) -> tuple[CsvHeader, int]:
    """Read a canonical CSV with DuckDB into `stage_<table>`; returns its header and record count.

    Records that are not CSV at all (ragged rows, bad quoting, invalid UTF-8, lines past the size
    cap) land in `csvrej_<table>` with their line; the rest are typed, errors kept per record.
    """
    header = read_header(path, table)
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header.columns) + "}"
    unified, lines = _unify_line_ends(path)
    src = str(unified or path).replace("'", "''")
    drop_staging(dcon, table)
    run(dcon, "DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    try:
        run(dcon,
            f"CREATE TEMP TABLE raw_{table} AS SELECT * FROM read_csv('{src}', columns={columns}, "
            "header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
            "store_rejects=true, max_line_size=8388608, parallel=true)"
        )
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise SourceError(f"{path.name}: cannot be read as CSV ({reason})") from exc
    finally:
        if unified is not None:
            unified.unlink(missing_ok=True)
    run(dcon, f"""CREATE OR REPLACE TEMP TABLE csvrej_{table} AS
        SELECT line - 1 AS record, line, error_type, error_message, csv_line FROM reject_errors
        QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx) = 1""")
    rejected = sorted(r[0] for r in dcon.execute(f"SELECT record FROM csvrej_{table}").fetchall())
    typed, errors = [], []
    for column in canonical_columns(table):
        expr, err = _typed_csv_column(table, column)
        typed.append(f"{expr} AS \"{column}\"")
        if err:
            errors.append(err)
    raw_json = "CAST(to_json({" + ", ".join(f"'{c}': \"{c}\"" for c in header.columns) + "}) AS VARCHAR)"
    # Rows written inside an open transaction get rowids from a large base: count from the first.
    base = dcon.execute(f"SELECT coalesce(min(rowid), 0) FROM raw_{table}").fetchall()[0][0]
    index = f"(r.rowid - {base})"
    line_expr = f"{index} + 2"
    if rejected:
        # Accepted row i sits after k rejected records: line = i + 2 + k (header is line 1).
        segs = [(r - k - 1, k + 1) for k, r in enumerate(rejected)]
        values = ", ".join(f"({s}, {o})" for s, o in segs)
        run(dcon, f"CREATE OR REPLACE TEMP TABLE segs_{table} AS SELECT * FROM (VALUES {values}) v(start_idx, shift)")
        line_expr = (f"{index} + 2 + coalesce((SELECT max(shift) FROM segs_{table} "
                     f"WHERE start_idx <= {index}), 0)")
    count = dcon.execute(f"SELECT count(*) FROM raw_{table}").fetchall()[0][0] + len(rejected)
    # One physical line per record (the header included) proves that no value spans lines.
    shifted = lines != count + 1 and _physical_lines(dcon, table, header.columns,
                                                     f"CAST({line_expr} AS BIGINT)")
    line = f"CAST({line_expr} AS BIGINT)" + (" + coalesce(s.shift, 0)" if shifted else "")
    join = f" LEFT JOIN shift_{table} s ON s.line = CAST({line_expr} AS BIGINT)" if shifted else ""
    # A view, not a table: the typed rows are materialised once, by check_and_clean, and the
    # raw JSON of a record is only ever computed for the records that are quarantined.
    run(dcon, f"""CREATE TEMP VIEW stage_{table} AS SELECT
        {', '.join(typed)},
        CAST({index} AS BIGINT) AS _seq, {line} AS _line, '{label.replace("'", "''")}' AS _file,
        {raw_json} AS _raw,
        nullif(concat_ws('; ', {', '.join(errors) or "NULL"}), '') AS _parse_error
        FROM raw_{table} r{join}""")
    return header, count


def _unify_line_ends(path: Path, chunk_bytes: int = 1 << 24) -> tuple[Path | None, int | None]:
    """(a temporary copy of `path` with every line end as LF when it mixes CRLF, CR and LF,
    else None; the file's number of physical lines when it uses one kind, else None).

    DuckDB's reader stops on a file whose rows end differently (a file edited on Windows and
    appended to elsewhere); line numbers stay the same in the copy.
    """
    def chunks(handle: Any) -> Any:
        while chunk := handle.read(chunk_bytes):
            if chunk.endswith(b"\r"):
                chunk += handle.read(1)  # never split a CRLF between two chunks
            yield chunk

    breaks = {"crlf": 0, "cr": 0, "lf": 0}
    last = b""
    with path.open("rb") as f:
        for chunk in chunks(f):
            last = chunk[-1:]
            if b"\r" not in chunk:  # the usual file: LF only, one fast count
                breaks["lf"] += chunk.count(b"\n")
            else:
                crlf = chunk.count(b"\r\n")
                breaks["crlf"] += crlf
                breaks["cr"] += chunk.count(b"\r") - crlf
                breaks["lf"] += chunk.count(b"\n") - crlf
            if sum(1 for n in breaks.values() if n) > 1:
                break
    kinds = [k for k, n in breaks.items() if n]
    if len(kinds) < 2:
        lines = sum(breaks.values()) + (1 if last not in (b"", b"\n", b"\r") else 0)
        return None, lines
    fd, name = tempfile.mkstemp(prefix="rapport-csv-", suffix=".csv")
    with path.open("rb") as src, os.fdopen(fd, "wb") as out:
        for chunk in chunks(src):
            out.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
    return Path(name), None


def _line_breaks(expr: str) -> str:
    """SQL counting the line breaks (CRLF, CR or LF) inside a text value."""
    lf = f"replace(replace(coalesce({expr}, ''), chr(13) || chr(10), chr(10)), chr(13), chr(10))"
    return f"(length({lf}) - length(replace({lf}, chr(10), '')))"


def _physical_lines(dcon: Any, table: str, columns: list[str], record_line: str) -> bool:
    """Where quoted fields span lines, build `shift_<table>` (record line → lines to add) and
    move the rejected records to their physical lines; False when no value spans lines.

    DuckDB numbers records (header = 1); a quoted newline shifts every later record down.
    """
    spanning = " OR ".join(f'contains("{c}", chr(10)) OR contains("{c}", chr(13))' for c in columns)
    spans = dcon.execute(f"SELECT count(*) FROM raw_{table} WHERE {spanning}").fetchall()[0][0]
    spans += dcon.execute(f"SELECT count(*) FROM csvrej_{table} WHERE "
                          "contains(csv_line, chr(10)) OR contains(csv_line, chr(13))").fetchall()[0][0]
    if not spans:
        return False
    breaks = " + ".join(_line_breaks(f'"{c}"') for c in columns)
    run(dcon, f"""CREATE OR REPLACE TEMP TABLE shift_{table} AS
        SELECT line, coalesce(sum(breaks) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING
                                                AND 1 PRECEDING), 0) AS shift
        FROM (SELECT {record_line} AS line, {breaks} AS breaks FROM raw_{table} r
              UNION ALL SELECT line, {_line_breaks('csv_line')} FROM csvrej_{table})""")
    run(dcon, f"""UPDATE csvrej_{table} SET line = csvrej_{table}.line + s.shift FROM shift_{table} s
        WHERE s.line = csvrej_{table}.line""")
    return True


STAGING_PREFIXES = ("upsert", "stage", "clean", "checked", "csvrej", "segs", "shift", "raw",
                    "inferred")


def drop_staging(dcon: Any, table: str) -> None:
    """Drop every staging relation of `table` (views before the tables they read)."""
    names = [f"{prefix}_{table}" for prefix in STAGING_PREFIXES]
    found = dcon.execute(
        "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND view_name IN $names "
        "UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() "
        "WHERE temporary AND table_name IN $names", {"names": names}).fetchall()
    for name, kind in sorted(found, key=lambda f: (f[1] != "VIEW", names.index(f[0]))):
        run(dcon, f"DROP {kind} IF EXISTS {name}")


_ARROW_TYPES = {
    sa.String: pa.string(), sa.Text: pa.string(), sa.DateTime: pa.timestamp("us"),
    sa.Date: pa.date32(), sa.BigInteger: pa.int64(), sa.Float: pa.float64(),
    sa.Double: pa.float64(),
    sa.Boolean: pa.bool_(),
}


def _utc_naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def stage_records(dcon: Any, table: str, records: list[Record], default_file: str) -> None:
    """Stage a source's records (plain Python values) into `stage_<table>`."""
    columns = canonical_columns(table)
    data: dict[str, list] = {c: [] for c in columns}
    lines, files, raws = [], [], []
    for rec in records:
        for c in columns:
            value = rec.get(c)
            if c in ("automated", "is_ours") and value is None:
                value = False
            data[c].append(_utc_naive(value))
        lines.append(rec.get("_line"))
        files.append(rec.get("_file") or default_file)
        raws.append(json.dumps({c: rec.get(c) for c in columns}, default=str, ensure_ascii=False))
    arrays = {c: pa.array(data[c], type=_ARROW_TYPES[_column_type(table, c)]) for c in columns}
    arrow = pa.table({**arrays, "_line": pa.array(lines, pa.int64()),
                      "_file": pa.array(files, pa.string()), "_raw": pa.array(raws, pa.string())})
    dcon.register("incoming_records", arrow)
    select = []
    for c in columns:
        if _column_type(table, c) in (sa.String, sa.Text):
            select.append(f"{_without_nul(chr(34) + c + chr(34))} AS \"{c}\"")
        else:
            select.append(f"\"{c}\"")
    drop_staging(dcon, table)
    run(dcon, f"""CREATE TEMP TABLE stage_{table} AS SELECT {', '.join(select)},
        row_number() OVER () - 1 AS _seq, _line, _file, _raw, CAST(NULL AS VARCHAR) AS _parse_error
        FROM incoming_records""")
    dcon.unregister("incoming_records")


@dataclass
class CheckOutcome:
    """One rule's verdict on one staged table."""

    rule: rules_mod.Rule
    failed: int
    offending: list[str]
    platform: str | None = None


def check_and_clean(dcon: Any, table: str, now: datetime) -> tuple[list[CheckOutcome], int, int]:
    """Apply the rules; build `checked_<table>` and `clean_<table>`.

    Each error rule is evaluated once per record, into the bit set `_rules`; the messages in
    `_error` and every rule's count are read from it. Returns (rule outcomes, records
    quarantined, in-load duplicates dropped).
    """
    now_sql = now.strftime("%Y-%m-%d %H:%M:%S")
    errors = rules_mod.rules_for(table, rules_mod.ERROR)
    if len(errors) > 62:
        raise ValueError(f"{table}: {len(errors)} error rules; the _rules bit set holds 62")
    bits = " + ".join(f"CASE WHEN ({r.sql(now_sql)}) THEN {1 << i} ELSE 0 END"
                      for i, r in enumerate(errors)) or "0"
    messages = [f"CASE WHEN _rules & {1 << i} <> 0 THEN "
                f"'{_sql_text(r.name + ': ' + r.description)}' END" for i, r in enumerate(errors)]
    run(dcon, f"DROP TABLE IF EXISTS checked_{table}")
    run(dcon, f"""CREATE TEMP TABLE checked_{table} AS SELECT *,
        CASE WHEN _parse_error IS NOT NULL THEN _parse_error
             ELSE nullif(concat_ws('; ', {', '.join(messages) or 'NULL'}), '') END AS _error,
        CAST(NULL AS VARCHAR) AS _raw
        FROM (SELECT * EXCLUDE (_raw),
                     CASE WHEN _parse_error IS NULL THEN {bits} ELSE 0 END AS _rules
              FROM stage_{table})""")
    counts = dcon.execute(
        f"""SELECT count(*) FILTER (WHERE _error IS NOT NULL),
                   count(*) FILTER (WHERE _error IS NULL),
                   count(DISTINCT ({', '.join(f'"{k}"' for k in NATURAL_KEYS[table])}))
                       FILTER (WHERE _error IS NULL)
                   {''.join(f', count(*) FILTER (WHERE _rules & {1 << i} <> 0)' for i in range(len(errors)))}
            FROM checked_{table}""").fetchall()[0]
    quarantined, valid, distinct, failed = counts[0], counts[1], counts[2], counts[3:]
    if quarantined:
        _keep_raw(dcon, table)
    keys = ", ".join(f'"{k}"' for k in NATURAL_KEYS[table])
    run(dcon, f"DROP {'VIEW' if _is_view(dcon, f'clean_{table}') else 'TABLE'} IF EXISTS clean_{table}")
    if distinct != valid:  # the last row of a repeated key wins
        run(dcon, f"""CREATE TEMP TABLE clean_{table} AS SELECT * FROM checked_{table}
            WHERE _error IS NULL
            QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _seq DESC) = 1""")
        kept = dcon.execute(f"SELECT count(*) FROM clean_{table}").fetchall()[0][0]
    else:  # nothing to rank: the records without errors, as they are
        run(dcon, f"CREATE TEMP VIEW clean_{table} AS SELECT * FROM checked_{table} "
                  "WHERE _error IS NULL")
        kept = valid
    outcomes = [_outcome(dcon, rule, f"checked_{table}", f"_rules & {1 << i} <> 0", failed[i])
                for i, rule in enumerate(errors)]
    warnings = rules_mod.rules_for(table, rules_mod.WARNING)
    if warnings:
        found = dcon.execute("SELECT " + ", ".join(
            f"count(*) FILTER (WHERE {r.sql(now_sql)})" for r in warnings)
            + f" FROM clean_{table}").fetchall()[0]
        outcomes += [_outcome(dcon, r, f"clean_{table}", r.sql(now_sql), n)
                     for r, n in zip(warnings, found)]
    return outcomes, quarantined, valid - kept


def fill_clean(dcon: Any, table: str, column: str, relation: str) -> None:
    """Set the empty `column` of the clean staged rows of `table` from `relation`, which holds
    the table's natural key and that column (a NULL there leaves the row as it is)."""
    keys = NATURAL_KEYS[table]
    view = _is_view(dcon, f"clean_{table}")
    rows = f"checked_{table}" if view else f"clean_{table}"
    match = " AND ".join(f'{rows}."{k}" = v."{k}"' for k in keys)
    only_clean = f" AND {rows}._error IS NULL" if view else ""
    run(dcon, f"""UPDATE {rows} SET "{column}" = v."{column}" FROM {relation} v
        WHERE {match} AND {rows}."{column}" IS NULL AND v."{column}" IS NOT NULL{only_clean}""")


def _is_view(dcon: Any, name: str) -> bool:
    return bool(dcon.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = ?",
                             [name]).fetchall()[0][0])


def _keep_raw(dcon: Any, table: str, batch: int = 10_000) -> None:
    """Copy the raw record into `checked_<table>._raw` for the records that are quarantined.

    Their `_seq` values are listed literally: a constant filter reaches the staged rows before
    any JSON is built, inside an open transaction too.
    """
    seqs = [r[0] for r in dcon.execute(
        f"SELECT _seq FROM checked_{table} WHERE _error IS NOT NULL ORDER BY _seq").fetchall()]
    for start in range(0, len(seqs), batch):
        chosen = ", ".join(str(s) for s in seqs[start:start + batch])
        run(dcon, f"""UPDATE checked_{table} SET _raw = s._raw
            FROM (SELECT _seq, _raw FROM stage_{table} WHERE _seq IN ({chosen})) s
            WHERE checked_{table}._seq = s._seq""")


def _outcome(dcon: Any, rule: rules_mod.Rule, relation: str, predicate: str,
             failed: int) -> CheckOutcome:
    """A rule's verdict: its count of failing records and the first few of them."""
    key = NATURAL_KEYS[rule.table][0]
    offending: list[str] = []
    if failed:
        rows = dcon.execute(
            f"SELECT coalesce(CAST(\"{key}\" AS VARCHAR), 'line ' || _line) FROM {relation} "
            f"WHERE {predicate} ORDER BY _seq LIMIT {MAX_OFFENDING}").fetchall()
        offending = [r[0] for r in rows]
    return CheckOutcome(rule, failed, offending)
