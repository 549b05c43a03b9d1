"""Erasure and retention: `rapport forget` removes a person everywhere rapport keeps data.

`forget PERSON` (a person_id like `twitter:12345`, or `platform:handle` like `twitter:@ann`):
- people: the person's row is deleted;
- interactions: every row the person sent or received (actor or target) is deleted, mentions
  and reactions included, and any row whose id embeds their native id; other people's
  messages stay, with the person's id replaced by `[erased]` where a thread or reply id
  embeds it (the same replacement everywhere, so threads still group);
- audience_daily: the person's accounts' rows are deleted;
- referrals: the referral stays (it is the business's revenue) with its referrer emptied;
- quarantine: every record whose raw text, reason or file names the person is deleted;
- quality_results and loads: the person's ids and names in offending lists, details, messages
  and file names are replaced by `[erased]`;
- files: the DuckDB warehouse is rewritten into a fresh file (deleted rows otherwise linger in
  its free blocks) and published like a load; unpublished copies (`<db>.next`) left by killed
  loads are removed; PostgreSQL tables are rewritten with VACUUM FULL, SQLite with VACUUM;
- caches: the stored weekly rollups are recomputed without the erased rows; the dashboard's
  caches key on the loads table, which gets a new row, so they drop; scratch folders a killed
  load left in the temporary folder are removed after a day.
The erasure is recorded in `loads` (format `erasure`, status `erased`) with the number of rows
removed and, per person, a salted SHA-256 of the id: the record never holds the name, yet shows
that a given person was erased to whoever knows the id (`pipelines.privacy.matches_erasure`).

Retention: `forget --quarantine-older-than DAYS` deletes quarantined records (the only raw
copies of export records rapport keeps) older than DAYS and rewrites the file the same way;
`forget --retention` applies `[retention] quarantine_days` from the team file (`rapport.toml`),
for a daily scheduled job. Uploaded exports are never kept: the dashboard loads them from a
temporary folder removed when the load ends, and scratch folders that a killed load left
behind are removed by either command once they are a day old.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa

from pipelines import privacy
from pipelines.publish import writable
from pipelines.warehouse import (
    NO_PROGRESS_BAR, audience_daily, duckdb_path, interactions, is_duckdb, loads, make_engine,
    people, quality_results, quarantine, referrals, resolve_url,
)

ERASED = "[erased]"
SCRATCH_PREFIXES = ("rapport-load-", "rapport-upload-", "rapport-csv-")
SCRATCH_MAX_AGE = timedelta(days=1)
MIN_TOKEN = 3  # shorter names are not searched in free text (they would match everything)


class ForgetError(Exception):
    """What to forget cannot be understood."""


@dataclass
class Erasure:
    """What one `forget` removed."""

    people: int = 0
    interactions: int = 0
    audience_daily: int = 0
    referrals_unlinked: int = 0
    quarantine: int = 0
    results_scrubbed: int = 0
    loads_scrubbed: int = 0
    files_removed: list[str] = field(default_factory=list)
    persons: list[dict[str, str]] = field(default_factory=list)  # salted digests, never names
    not_found: int = 0

    def counts(self) -> dict[str, int]:
        return {"people": self.people, "interactions": self.interactions,
                "audience_daily": self.audience_daily, "referrals_unlinked": self.referrals_unlinked,
                "quarantine": self.quarantine, "quality_results_scrubbed": self.results_scrubbed,
                "loads_scrubbed": self.loads_scrubbed, "files_removed": len(self.files_removed)}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


MIN_ID_TOKEN = 6  # a native id shorter than this may be another object's number too


@dataclass
class _Person:
    ids: set[str]
    tokens: set[str]  # strings that name the person in free text: ids, native ids, handles, names
    id_tokens: set[str] = field(default_factory=set)  # what may be embedded in other ids


def _resolve(conn: sa.Connection, spec: str) -> _Person:
    """The people a PERSON argument names, and the strings that name them."""
    platform, sep, rest = spec.strip().partition(":")
    if not sep or not platform or not rest:
        raise ForgetError(f"{spec!r}: expected a person_id like twitter:12345 or a "
                          "platform and handle like twitter:@ann")
    platform = platform.lower()
    handle = rest[1:] if rest.startswith("@") else rest
    candidates = {spec.strip()} if not rest.startswith("@") else set()
    key = privacy.load_key()
    if key is not None and candidates:  # the warehouse holds pseudonyms: find the one for this id
        candidates.add(privacy.Pseudonymiser(key).id(spec.strip()))
    by_handle = sa.and_(people.c.platform == platform,
                        sa.func.lower(people.c.handle).in_([handle.lower(), "@" + handle.lower()]))
    found = conn.execute(sa.select(people.c.person_id, people.c.handle, people.c.display_name)
                         .where(sa.or_(people.c.person_id.in_(candidates), by_handle))).all()
    ids = {r.person_id for r in found} | candidates
    tokens = set(ids) | {handle}
    for r in found:
        tokens |= {r.handle, r.display_name, r.person_id.partition(":")[2]}
    natives = {i.partition(":")[2] for i in ids} | {r.person_id.partition(":")[2] for r in found}
    handles = {h.lstrip("@") for h in {handle} | {r.handle for r in found if r.handle}}
    tokens |= natives
    id_tokens = {n for n in natives if len(n) >= MIN_ID_TOKEN} | {
        h for h in handles if len(h) >= MIN_TOKEN}
    return _Person(ids, {t.lstrip("@") for t in tokens if t and len(t.lstrip("@")) >= MIN_TOKEN},
                   id_tokens)


def _pattern(tokens: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in tokens if t}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w]){'(?:' + alternatives + ')'}(?![\w])", re.IGNORECASE)


def _mentions(column: sa.ColumnElement, tokens: set[str]) -> sa.ColumnElement[bool]:
    """A coarse, portable filter (refined in Python): the column contains one of the tokens."""
    return sa.or_(*(sa.func.lower(column).contains(t.lower(), autoescape=True) for t in tokens))


def _count(conn: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    # Counted first: not every driver reports the rows a DELETE or UPDATE touched.
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()


def _delete(conn: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    count = _count(conn, table, where)
    if count:
        conn.execute(table.delete().where(where))
    return count


def _erase(conn: sa.Connection, person: _Person, report: Erasure) -> None:
    ids = sorted(person.ids)
    report.interactions += _delete(conn, interactions, sa.or_(
        interactions.c.actor_id.in_(ids), interactions.c.target_id.in_(ids)))
    report.people += _delete(conn, people, people.c.person_id.in_(ids))
    report.audience_daily += _delete(conn, audience_daily, audience_daily.c.account_id.in_(ids))
    linked = referrals.c.referrer_id.in_(ids)
    report.referrals_unlinked += _count(conn, referrals, linked)
    conn.execute(referrals.update().where(linked).values(referrer_id=None))
    by_id = _pattern(person.id_tokens)
    if by_id is not None:  # ids that embed theirs: a mention of them, a DM thread named after them
        rows = conn.execute(sa.select(interactions.c.interaction_id).where(
            _mentions(interactions.c.interaction_id, person.id_tokens))).scalars().all()
        doomed = [i for i in rows if by_id.search(i)]
        for start in range(0, len(doomed), 500):
            report.interactions += _delete(conn, interactions, interactions.c.interaction_id.in_(
                doomed[start:start + 500]))
        _scrub(conn, interactions, "interaction_id", ("thread_id", "in_reply_to"),
               person.id_tokens, by_id)
    pattern = _pattern(person.tokens)
    if pattern is None:
        return
    rows = conn.execute(sa.select(quarantine.c.quarantine_id, quarantine.c.raw, quarantine.c.reason,
                                  quarantine.c.file).where(sa.or_(
        _mentions(quarantine.c.raw, person.tokens), _mentions(quarantine.c.reason, person.tokens),
        _mentions(quarantine.c.file, person.tokens)))).all()
    doomed = [r.quarantine_id for r in rows if any(pattern.search(v or "") for v in r[1:])]
    for start in range(0, len(doomed), 500):
        report.quarantine += _delete(conn, quarantine,
                                     quarantine.c.quarantine_id.in_(doomed[start:start + 500]))
    report.results_scrubbed += _scrub(conn, quality_results, "result_id",
                                      ("offending", "details", "observed"), person.tokens, pattern)
    report.loads_scrubbed += _scrub(conn, loads, "load_id", ("file", "message"), person.tokens,
                                    pattern)


def _scrub(conn: sa.Connection, table: sa.Table, key: str, columns: tuple[str, ...],
           tokens: set[str], pattern: re.Pattern[str]) -> int:
    """Replace the person's names and ids by [erased] in free-text columns; returns rows changed."""
    rows = conn.execute(sa.select(table.c[key], *(table.c[c] for c in columns)).where(
        sa.or_(*(_mentions(table.c[c], tokens) for c in columns)))).all()
    changed = 0
    for row in rows:
        values = {c: row[i + 1] for i, c in enumerate(columns)}
        scrubbed = {c: pattern.sub(ERASED, v) for c, v in values.items() if v and pattern.search(v)}
        if scrubbed:
            conn.execute(table.update().where(table.c[key] == row[0]).values(**scrubbed))
            changed += 1
    return changed


def _record(conn: sa.Connection, what: str, message: dict) -> None:
    stamp = _now()
    conn.execute(loads.insert().values(
        load_id=uuid.uuid4().hex, file=what, sha256=None, format="erasure", status="erased",
        message=json.dumps(message, sort_keys=True), started_at=stamp, finished_at=stamp))


def _compact_duckdb(path: Path) -> None:
    """Rewrite a DuckDB file into a fresh one: deleted rows linger in a file's free blocks."""
    import duckdb

    fresh = path.with_name(path.name + ".compact")
    for leftover in (fresh, Path(str(fresh) + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(NO_PROGRESS_BAR)
        con.execute(f"ATTACH '{_sql(str(path))}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{_sql(str(fresh))}' AS dst")
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH src")
        con.execute("CHECKPOINT dst")
        con.execute("DETACH dst")
    finally:
        con.close()
    os.replace(fresh, path)
    Path(str(path) + ".wal").unlink(missing_ok=True)


def _refresh_rollups(engine: sa.Engine) -> None:
    """Recompute the stored weekly rollups (a cache of metric values) without the erased rows."""
    from metrics.rollup import refresh_after_load

    refresh_after_load(engine)


def _sql(text: str) -> str:
    return text.replace("'", "''")


def _vacuum(url: str, tables: Iterable[sa.Table]) -> None:
    """Rewrite PostgreSQL tables (VACUUM FULL) or the SQLite file so deleted rows are gone."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                for table in tables:
                    conn.exec_driver_sql(f'VACUUM FULL "{table.name}"')
            elif engine.dialect.name == "sqlite":
                conn.exec_driver_sql("VACUUM")
    finally:
        engine.dispose()


def _leftovers(url: str) -> list[Path]:
    """Unpublished copies of a DuckDB warehouse that a killed load or erasure left behind."""
    if not is_duckdb(url) or duckdb_path(url) == ":memory:":
        return []
    live = Path(duckdb_path(url)).resolve()
    names = (".next", ".next.wal", ".next.compact", ".next.compact.wal")
    return [live.with_name(live.name + n) for n in names if live.with_name(live.name + n).exists()]


def purge_scratch(max_age: timedelta = SCRATCH_MAX_AGE, folder: Path | None = None) -> list[Path]:
    """Remove scratch folders and files of killed loads older than `max_age` (extracted exports)."""
    folder = folder or Path(tempfile.gettempdir())
    cutoff = time.time() - max_age.total_seconds()
    removed = []
    for path in folder.glob("rapport-*"):
        try:
            if not path.name.startswith(SCRATCH_PREFIXES) or path.stat().st_mtime > cutoff:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        except OSError:
            continue
    return removed


def forget(persons: list[str], url: str | None = None) -> Erasure:
    """Erase each person everywhere in the warehouse at `url`; see the module's docstring."""
    url = resolve_url(url)
    report = Erasure()
    for leftover in _leftovers(url):  # before writable() recreates its own .next
        leftover.unlink(missing_ok=True)
        report.files_removed.append(leftover.name)
    with writable(url) as write_url:
        engine = make_engine(write_url)
        try:
            with engine.begin() as conn:
                for spec in persons:
                    person = _resolve(conn, spec)
                    before = report.people
                    _erase(conn, person, report)
                    report.not_found += report.people == before
                    report.persons.append(privacy.erasure_digest(spec.strip()))
                _record(conn, "rapport forget", {"erased": report.persons, **report.counts()})
            _refresh_rollups(engine)
        finally:
            engine.dispose()
        if is_duckdb(write_url):
            _compact_duckdb(Path(duckdb_path(write_url)))
    if not is_duckdb(url):
        _vacuum(url, (people, interactions, audience_daily, referrals, quarantine, quality_results,
                      loads))
    report.files_removed += [p.name for p in purge_scratch()]
    return report


def apply_retention(url: str | None = None, *, quarantine_days: int,
                    now: datetime | None = None, record: bool = True,
                    conn: sa.Connection | None = None) -> int:
    """Delete quarantined records older than `quarantine_days`; returns how many.

    With `conn` it runs in that transaction (a load's); otherwise it publishes like a load.
    """
    if quarantine_days < 0:
        raise ForgetError(f"--quarantine-older-than {quarantine_days}: expected 0 or more days")
    cutoff = (now or _now()) - timedelta(days=quarantine_days)
    if conn is not None:
        return _delete(conn, quarantine, quarantine.c.quarantined_at < cutoff)
    url = resolve_url(url)
    with writable(url) as write_url:
        engine = make_engine(write_url)
        try:
            with engine.begin() as tx:
                removed = apply_retention(quarantine_days=quarantine_days, now=now, conn=tx)
                if record:
                    _record(tx, "rapport forget --quarantine-older-than",
                            {"quarantine": removed, "older_than_days": quarantine_days})
        finally:
            engine.dispose()
        if removed and is_duckdb(write_url):
            _compact_duckdb(Path(duckdb_path(write_url)))
    if removed and not is_duckdb(url):
        _vacuum(url, (quarantine,))
    purge_scratch()
    return removed


def configured_quarantine_days(path: Path | None = None) -> int | None:
    """`[retention] quarantine_days` from the team file (rapport.toml), or None."""
    from pipelines.team import team_file

    path = path or team_file()
    if not path.exists():
        return None
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("retention", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ForgetError(f"{path}: not valid TOML: {exc}") from exc
    days = section.get("quarantine_days") if isinstance(section, dict) else None
    if days is None:
        return None
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ForgetError(f"{path}: retention.quarantine_days must be a whole number of days")
    return days


def run_forget(persons: list[str], *, quarantine_older_than: int | None, retention: bool,
               db: str | None) -> int:
    """The `rapport forget` command: prints counts only (never the names); returns the exit code."""
    import click

    from pipelines.publish import LoaderBusy

    try:
        if retention and quarantine_older_than is None:
            quarantine_older_than = configured_quarantine_days()
            if quarantine_older_than is None:
                click.echo("rapport forget --retention: no [retention] quarantine_days in the "
                           "team file (rapport.toml); nothing to do")
                return 0
        if not persons and quarantine_older_than is None:
            click.echo("rapport forget: name a PERSON (twitter:12345 or twitter:@ann), or give "
                       "--quarantine-older-than DAYS or --retention", err=True)
            return 2
        if persons:
            report = forget(persons, db)
            counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.counts().items())
            click.echo(f"erased {len(persons)} person(s): {counts}")
            if report.not_found:
                click.echo(f"{report.not_found} of them had no row in people; their mentions "
                           "in quarantine and check results were still removed")
        if quarantine_older_than is not None:
            removed = apply_retention(db, quarantine_days=quarantine_older_than)
            click.echo(f"removed {removed} quarantined record(s) older than "
                       f"{quarantine_older_than} day(s)")
    except (ForgetError, privacy.PrivacyError) as exc:
        click.echo(f"rapport forget: {exc}", err=True)
        return 2
    except LoaderBusy as exc:
        click.echo(f"rapport forget: {exc}", err=True)
        return 3
    return 0
