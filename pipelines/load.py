"""`rapport load`: detect each export, stage and check it, upsert it, record what happened.

One file (or one platform export) is one transaction: its rows, its quarantine, its check
results and its `loads` row commit together or not at all. A file that cannot be read at all
is refused by name and loads nothing; bad records go to quarantine with file, line and reason.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import sqlalchemy as sa

from pipelines import stage
from pipelines.stage import run
from pipelines.archive import extract_zip
from pipelines.merge import Target, earliest_change, stage_table, upsert
from pipelines.publish import writable
from pipelines.quality import at_load
from pipelines.quality.runner import after_load
from pipelines.privacy import pseudonymise_stage
from pipelines.records import Parsed
from pipelines.sources import registry
from pipelines.sources.base import ParseContext, Source, SourceError
from pipelines.sources.generic import CanonicalCsvSource
from pipelines.team import apply_team, load_team
from pipelines.threads import (
    INFERRED_KINDS, drop_redundant_mentions, ensure_thread_index, infer_reply_targets,
    inferred_targets,
)
from pipelines.warehouse import (
    CANONICAL_TABLES, NO_PROGRESS_BAR, is_duckdb, loads, make_engine, memory_setting, metadata,
    quality_results,
)

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class CheckSummary:
    check: str
    severity: str
    status: str  # passed | failed | could_not_run
    observed: int
    offending: list[str] = field(default_factory=list)
    platform: str | None = None
    details: dict[str, Any] | None = None  # stored as JSON (e.g. Great Expectations' verdict)
    result_id: str | None = None  # its row in quality_results, once stored


@dataclass
class FileSummary:
    """What happened to one file or export."""

    file: str
    format: str
    status: str  # loaded | refused
    rows_read: int = 0
    loaded: int = 0
    duplicate: int = 0
    skipped: int = 0
    quarantined: int = 0
    message: str = ""
    load_id: str = ""
    seconds: float = 0.0
    checks: list[CheckSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The earliest time whose weekly metrics the file's rows may change (naive UTC), or None.
    changed_since: datetime | None = None

    @property
    def failed_checks(self) -> list[CheckSummary]:
        return [c for c in self.checks if c.status != "passed"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        if path.is_dir():
            digest.update(str(f.relative_to(path)).encode())
        with f.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class _Unit:
    """One transaction's worth of input: a canonical CSV, or one platform export."""

    def __init__(self, label: str, path: Path, source: Source, table: str | None = None):
        self.label, self.path, self.source, self.table = label, path, source, table


def _units(path: Path, scratch: Path) -> list[_Unit]:
    label = str(path)
    if not path.exists():
        raise SourceError(f"{label}: no such file or folder")
    root = path
    if path.is_file() and path.suffix.lower() == ".zip":
        root = extract_zip(path, scratch / uuid.uuid4().hex)
    source = registry.detect(root)
    if source is None:
        known = ", ".join(s.description for s in registry.all_sources())
        inner = sorted(p.name for p in root.rglob("*.zip")) if root.is_dir() else []
        hint = (f"; it holds another archive ({', '.join(inner[:3])}), which rapport does not "
                "open: extract that one and load it" if inner else "")
        raise SourceError(f"{label}: not an export rapport recognises{hint}; "
                          f"expected one of: {known}")
    if isinstance(source, CanonicalCsvSource):
        return [_Unit(str(p) if root is path else f"{label}!{p.name}", p, source, t)
                for t, p in source.files(root)]
    return [_Unit(label, root, source)]


def load_paths(paths: list[Path], url: str | None = None, *, ours: dict[str, set[str]] | None = None,
               progress: Progress | None = None, now: datetime | None = None) -> list[FileSummary]:
    """Load every export in `paths` into the warehouse at `url`; one summary per file."""
    from pipelines.warehouse import resolve_url

    url = resolve_url(url)
    ctx = ParseContext(ours={k: set(v) for k, v in (ours or {}).items()})
    team = load_team()
    with at_load.validating(), tempfile.TemporaryDirectory(prefix="rapport-load-") as tmp, \
            writable(url) as write_url:
        scratch = Path(tmp)
        engine = make_engine(write_url)
        with _held_open(engine):
            summaries = _load_plan(engine, paths, scratch, ctx, team, progress, now)
        engine.dispose()
    return summaries


@contextlib.contextmanager
def _held_open(engine: sa.Engine) -> Iterator[None]:
    """On a DuckDB file, one connection held open for the whole load.

    Every transaction opens its own connection (the engine pools none); while this one stays
    open they share the open database instead of opening it again, and closing them does not
    checkpoint it each time (the publish checkpoints once).
    """
    if engine.dialect.name != "duckdb" or engine.url.database in (None, "", ":memory:"):
        yield
        return
    keeper = engine.raw_connection()
    try:
        yield
    finally:
        keeper.close()


def _load_plan(engine: sa.Engine, paths: list[Path], scratch: Path, ctx: ParseContext,
               team: dict[str, set[str]], progress: Progress | None,
               now: datetime | None) -> list[FileSummary]:
    """Load every unit of `paths`, then the warehouse checks, rollups and GX verdicts."""
    from metrics.rollup import before_load, refresh_after_load

    summaries: list[FileSummary] = []
    ensure_thread_index(engine)
    rolled_up = before_load(engine)
    plan: list[tuple[Path, list[_Unit] | SourceError]] = []
    for path in paths:
        try:
            plan.append((path, _units(Path(path), scratch)))
        except SourceError as exc:
            plan.append((path, exc))
    total = sum(len(u) if isinstance(u, list) else 1 for _, u in plan)
    done = 0
    for path, units in plan:
        if isinstance(units, SourceError):
            summaries.append(_record_refusal(engine, str(path), "unknown", str(units), None))
            done += 1
            _tick(progress, str(path), done, total)
            continue
        for unit in units:
            _tick(progress, unit.label, done, total)
            summaries.append(_load_unit_contained(engine, unit, ctx, team, now or _now(),
                                                  scratch))
            done += 1
            _tick(progress, unit.label, done, total)
    at_load.no_more_samples()
    after_load(engine, summaries, now or _now())
    loaded = [s for s in summaries if s.status == "loaded"]
    if loaded:
        since = min((s.changed_since for s in loaded if s.changed_since is not None), default=None)
        refresh_after_load(engine, memory=load_memory(), progress=progress,
                           changes=None if rolled_up is None else (rolled_up, since))
    _store_great_expectations(engine, summaries)
    return summaries


def _load_unit_contained(engine: sa.Engine, unit: _Unit, ctx: ParseContext,
                         team: dict[str, set[str]], now: datetime, scratch: Path) -> FileSummary:
    """Load one unit; an unexpected failure refuses that file only, never the whole command."""
    try:
        return _load_unit(engine, unit, ctx, team, now, scratch)
    except Exception as exc:  # noqa: BLE001 - the file is refused by name, the rest go on
        # The exception's text may quote the file's content: only its kind is shown.
        return _record_refusal(engine, unit.label, unit.source.name,
                               f"{unit.label}: could not be loaded ({type(exc).__name__}); "
                               "nothing of it was loaded and the other files were not affected",
                               None)


def _tick(progress: Progress | None, what: str, done: int, total: int) -> None:
    if progress is not None:
        progress(what, done, total)


def _record_refusal(engine: sa.Engine, file: str, fmt: str, message: str,
                    sha: str | None) -> FileSummary:
    load_id = uuid.uuid4().hex
    stamp = _now()
    with engine.begin() as conn:
        conn.execute(loads.insert().values(
            load_id=load_id, file=file, sha256=sha, format=fmt, status="refused",
            message=message, started_at=stamp, finished_at=stamp))
    return FileSummary(file=file, format=fmt, status="refused", message=message, load_id=load_id)


def load_memory() -> str:
    """DuckDB's memory while it stages a file (RAPPORT_LOAD_MEMORY, default 1GB); past it,
    staged rows spill to disk, so a large file loads in bounded memory."""
    try:
        return memory_setting("RAPPORT_LOAD_MEMORY", "1GB") or "1GB"
    except ValueError as exc:
        raise SourceError(str(exc)) from None


def _scratch_duckdb(scratch: Path) -> Any:
    con = duckdb.connect(str(scratch / f"stage-{uuid.uuid4().hex}.duckdb"))
    con.execute(NO_PROGRESS_BAR)
    con.execute(f"SET temp_directory = '{scratch}'")
    con.execute(f"SET memory_limit = '{load_memory()}'")
    return con


def _load_unit(engine: sa.Engine, unit: _Unit, ctx: ParseContext, team: dict[str, set[str]],
               now: datetime, scratch: Path) -> FileSummary:
    started = time.perf_counter()
    load_id = uuid.uuid4().hex
    started_at = _now()
    fmt = unit.source.name
    sha = _sha256(unit.path)
    parsed: Parsed | None = None
    if unit.table is None:
        try:
            parsed = unit.source.parse(unit.path, ctx)
        except SourceError as exc:
            return _record_refusal(engine, unit.label, fmt, str(exc), sha)
    parse_seconds = time.perf_counter() - started
    shared = engine.dialect.name == "duckdb"
    summary = FileSummary(file=unit.label, format=fmt, status="loaded", load_id=load_id)
    try:
        with engine.begin() as conn:
            dcon = conn.connection.driver_connection if shared else _scratch_duckdb(scratch)
            try:
                if shared:
                    run(dcon, "SET TimeZone = 'UTC'")
                    run(dcon, f"SET memory_limit = '{load_memory()}'")
                target = Target(conn, dcon, shared)
                t0 = time.perf_counter()
                tables = _stage(dcon, unit, parsed, summary)
                pseudonymise_stage(conn, dcon, tables, parsed, team)  # when a key is set
                parse_seconds += time.perf_counter() - t0
                t1 = time.perf_counter()
                _check(dcon, tables, now, summary)
                check_seconds = time.perf_counter() - t1
                t2 = time.perf_counter()
                _write(target, tables, parsed, unit, load_id, now, summary)
                if "people" in tables:
                    apply_team(conn, team)
                write_seconds = time.perf_counter() - t2
                conn.execute(loads.insert().values(
                    load_id=load_id, file=unit.label, sha256=sha, format=fmt,
                    rows_read=summary.rows_read, rows_loaded=summary.loaded,
                    rows_duplicate=summary.duplicate, rows_skipped=summary.skipped,
                    rows_quarantined=summary.quarantined, status="loaded",
                    message="; ".join(summary.notes) or None, started_at=started_at,
                    finished_at=_now(), parse_seconds=parse_seconds,
                    check_seconds=check_seconds, write_seconds=write_seconds))
                _store_checks(conn, summary, load_id, now)
                _drop_staging(dcon, tables)
            finally:
                if not shared:
                    dcon.close()
    except SourceError as exc:
        return _record_refusal(engine, unit.label, fmt, str(exc), sha)
    summary.seconds = time.perf_counter() - started
    return summary


def _drop_staging(dcon: Any, tables: list[str]) -> None:
    for table in tables:
        stage.drop_staging(dcon, table)


def _stage(dcon: Any, unit: _Unit, parsed: Parsed | None, summary: FileSummary) -> list[str]:
    if unit.table is not None:
        header, count = stage.stage_csv(dcon, unit.table, unit.path, unit.label)
        summary.rows_read = count
        if header.unknown:
            summary.notes.append(f"{unit.path.name}: unknown column(s) {', '.join(header.unknown)} "
                                 "were not loaded (schema drift)")
            summary.checks.append(CheckSummary(f"{unit.table}.known_columns", "warning", "failed",
                                               len(header.unknown), header.unknown))
        return [unit.table]
    assert parsed is not None
    tables = [t for t in CANONICAL_TABLES if parsed.table(t)]
    for table in tables:
        stage.stage_records(dcon, table, parsed.table(table), unit.path.name)
    summary.rows_read = parsed.rows_read or sum(len(parsed.table(t)) for t in tables)
    summary.skipped = parsed.skipped
    summary.notes.extend(parsed.notes)
    return tables


def _check(dcon: Any, tables: list[str], now: datetime, summary: FileSummary) -> None:
    for table in tables:
        outcomes, quarantined, duplicates = stage.check_and_clean(dcon, table, now)
        summary.quarantined += quarantined
        summary.duplicate += duplicates
        parse_failed = dcon.execute(
            f"SELECT count(*) FROM checked_{table} WHERE _parse_error IS NOT NULL").fetchall()[0][0]
        summary.checks.append(CheckSummary(f"{table}.values_parse", "error",
                                           "failed" if parse_failed else "passed", parse_failed))
        for o in outcomes:
            summary.checks.append(CheckSummary(o.rule.name, o.rule.severity,
                                               "failed" if o.failed else "passed", o.failed,
                                               o.offending))
        summary.checks.append(CheckSummary(f"{table}.key_unique_in_load", "warning",
                                           "failed" if duplicates else "passed", duplicates))
        if dcon.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = 'csvrej_{table}'").fetchall()[0][0]:
            rejected = dcon.execute(f"SELECT count(*) FROM csvrej_{table}").fetchall()[0][0]
            summary.quarantined += rejected
            summary.checks.append(CheckSummary(f"{table}.csv_well_formed", "error",
                                               "failed" if rejected else "passed", rejected))
        at_load.start(dcon, table, now, summary)


_QUARANTINE_COLUMNS = ["quarantine_id", "load_id", "file", "line", "table", "reason", "raw",
                       "quarantined_at"]


def _write(target: Target, tables: list[str], parsed: Parsed | None, unit: _Unit, load_id: str,
           now: datetime, summary: FileSummary) -> None:
    dcon = target.dcon
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    parts = []
    for table in tables:
        parts.append(f"""SELECT _file AS file, _line AS line, '{table}' AS "table",
            _error AS reason, _raw AS raw FROM checked_{table} WHERE _error IS NOT NULL""")
        if unit.table is not None:
            parts.append(f"""SELECT '{_sql(unit.label)}', line, '{table}',
                'csv_well_formed: ' || error_type || ': ' || error_message, csv_line
                FROM csvrej_{table}""")
    if parsed is not None and parsed.rejected:
        import pyarrow as pa

        rows = parsed.rejected
        summary.quarantined += len(rows)
        dcon.register("source_rejects", pa.table({
            "file": [r.file for r in rows], "line": pa.array([r.line for r in rows], pa.int64()),
            "table": [r.table for r in rows], "reason": [r.reason for r in rows],
            "raw": [r.raw_text() for r in rows]}))
        parts.append('SELECT file, line, "table", reason, raw FROM source_rejects')
    if parts:
        query = (f"SELECT CAST(uuid() AS VARCHAR) AS quarantine_id, '{load_id}' AS load_id, "
                 "file, CAST(line AS BIGINT) AS line, \"table\", replace(reason, chr(0), '') AS reason, "
                 f"replace(raw, chr(0), '') AS raw, TIMESTAMP '{stamp}' AS quarantined_at "
                 f"FROM ({' UNION ALL '.join(parts)})")
        target.append(query, stage_table("quarantine", "quarantine"), _QUARANTINE_COLUMNS)
    # Into an empty interactions table, the rows are written with their inferred targets.
    first = "interactions" in tables and target.shared and _is_empty(target.conn, "interactions")
    if first:
        _infer_in_staging(target)
    for table in tables:
        summary.changed_since = _earlier(summary.changed_since, earliest_change(target, table))
        written, unchanged = upsert(target, table, load_id)
        summary.loaded += written
        summary.duplicate += unchanged
    if "interactions" in tables:
        if first:  # no earlier load has rows to infer again
            drop_redundant_mentions(target.conn, load_id)
        else:
            infer_reply_targets(target.conn, load_id)
            summary.changed_since = _earlier(summary.changed_since,
                                             _infer_touched_threads(target.conn, load_id))


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _is_empty(conn: sa.Connection, table: str) -> bool:
    return conn.execute(sa.select(sa.literal(1)).select_from(metadata.tables[table])
                        .limit(1)).first() is None


def _infer_in_staging(target: Target) -> None:
    """Give the clean staged interactions the targets the inference finds among them alone.

    For a first load they are what `infer_reply_targets` would set once the rows are written;
    DuckDB updates a written text column slowly (0.3-0.5 s for 5,000 values), a staged one fast.
    """
    staged = stage_table("clean_interactions", "interactions")
    query = inferred_targets(staged).compile(dialect=target.conn.dialect,
                                             compile_kwargs={"literal_binds": True})
    run(target.dcon, "DROP TABLE IF EXISTS inferred_interactions")
    run(target.dcon, f"CREATE TEMP TABLE inferred_interactions AS {query}")
    stage.fill_clean(target.dcon, "interactions", "target_id", "inferred_interactions")


def _infer_touched_threads(conn: sa.Connection, load_id: str) -> datetime | None:
    """Infer again the still-empty targets of earlier loads in the threads this load added to;
    on DuckDB, returns the earliest time of the rows that changed (None elsewhere or if none).

    A reply loaded before the messages it answers (overlapping exports loaded out of time order)
    then gets the target it would have had in time order, so load order does not matter.
    Inferring a load again fills any of its waiting rows it now can, wherever they are, and
    drops the mentions a filled target made redundant: the rows that may change are noted
    before, and compared after.
    """
    from pipelines.warehouse import interactions as rows

    touched = sa.select(rows.c.thread_id).where(rows.c.load_id == load_id,
                                                rows.c.thread_id.is_not(None))
    earlier = conn.execute(sa.select(rows.c.load_id).distinct().where(
        rows.c.load_id != load_id, rows.c.target_id.is_(None), rows.c.kind.in_(INFERRED_KINDS),
        rows.c.thread_id.in_(touched))).scalars().all()
    if not earlier:
        return None
    noted = conn.dialect.name == "duckdb"  # rollups, the reason to know, live on DuckDB only
    if noted:
        listed = ", ".join("'" + _sql(other) + "'" for other in earlier)
        inferred = ", ".join(f"'{kind}'" for kind in INFERRED_KINDS)
        conn.exec_driver_sql(
            "CREATE OR REPLACE TEMP TABLE reinferred_before AS "
            "SELECT interaction_id, occurred_at, kind = 'mention' AS mention FROM interactions "
            f"WHERE load_id IN ({listed}) AND (kind = 'mention' OR "
            f"(target_id IS NULL AND kind IN ({inferred})))")
    for other in earlier:
        infer_reply_targets(conn, other)
    if not noted:
        return None
    since = conn.exec_driver_sql(
        "SELECT min(b.occurred_at) FROM reinferred_before b "
        "LEFT JOIN interactions i ON i.interaction_id = b.interaction_id "
        "WHERE i.interaction_id IS NULL OR (NOT b.mention AND i.target_id IS NOT NULL)").scalar()
    conn.exec_driver_sql("DROP TABLE reinferred_before")
    return since


def _sql(text: str) -> str:
    return text.replace("'", "''")


def _result_row(c: CheckSummary, load_id: str, now: datetime) -> dict[str, Any]:
    return {
        "result_id": c.result_id, "load_id": load_id, "week": None, "platform": c.platform,
        "check": c.check, "severity": c.severity, "status": c.status, "observed": str(c.observed),
        "offending": json.dumps(c.offending[: stage.MAX_OFFENDING]) if c.offending else None,
        "details": json.dumps(c.details, default=str) if c.details else None, "checked_at": now,
    }


def _store_checks(conn: sa.Connection, summary: FileSummary, load_id: str, now: datetime) -> None:
    """Store the file's check results in its transaction; Great Expectations' verdicts on its
    sample are still running, so each sample's `<table>.gx_suite` is stored as could_not_run
    until `_store_great_expectations` replaces it (and stays so if the load stops before)."""
    summary.checks.extend(at_load.placeholders(summary, CheckSummary))
    for c in summary.checks:
        c.result_id = uuid.uuid4().hex
    rows = [_result_row(c, load_id, now) for c in summary.checks]
    if rows:
        conn.execute(quality_results.insert(), rows)


def _store_great_expectations(engine: sa.Engine, summaries: list[FileSummary]) -> None:
    """Wait for Great Expectations on every loaded file's sample and store its verdicts.

    Done once, after the files' own transactions, so that importing and running Great
    Expectations overlaps the loading instead of holding up the first file's transaction.
    """
    changed: list[tuple[FileSummary, CheckSummary]] = []
    for s in summaries:
        if s.status != "loaded":
            continue
        for suite in at_load.finish(s, CheckSummary):
            stored = next((c for c in s.checks if c.check == suite.check and c.result_id), None)
            if stored is None:
                continue
            suite.result_id = stored.result_id
            s.checks[s.checks.index(stored)] = suite
            changed.append((s, suite))
        changed += [(s, c) for c in s.checks if c.details and "gx" in c.details]
    if not changed:
        return
    fields = ("status", "observed", "offending", "details")
    update = quality_results.update().where(
        quality_results.c.result_id == sa.bindparam("b_id")).values(
        **{f: sa.bindparam(f"b_{f}") for f in fields})
    rows = [_result_row(c, s.load_id, _now()) for s, c in changed]
    try:
        with engine.begin() as conn:
            conn.execute(update, [{"b_id": r["result_id"], **{f"b_{f}": r[f] for f in fields}}
                                  for r in rows])
    except Exception:  # noqa: BLE001 - the data is loaded; the stored rows say GX did not run
        pass
