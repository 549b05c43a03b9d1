"""Pseudonymised loads: people outside the team are stored under keyed pseudonyms.

Turned on by a key kept outside the warehouse: `RAPPORT_PSEUDONYM_KEY` (the key itself, at
least 16 characters) or `RAPPORT_PSEUDONYM_KEY_FILE` (a file holding it). Then every load
replaces, before any check sees them:

- each person id `<platform>:<native id>` by `<platform>:anon-<HMAC-SHA256(key, id), 20 hex>`,
  in every table (people, interaction actors and targets, audience accounts, referrers);
- each handle and display name by `anon-<the same digest, 10 hex>`;
- interaction, thread and reply ids the same way as person ids (a mention's or a DM
  conversation's id embeds people's native ids), so threads and replies still join;
- the raw text of quarantined records by the pseudonymised record (CSV lines that could not be
  read at all, and records a source could not map, are withheld: only file, line and reason,
  with the export's people named in the reason replaced by their pseudonyms).

People who are ours when the load runs (an export's owner, `--ours`, the team file, or already
ours in the warehouse) keep their ids and names, so who is ours still works. The same key gives
the same pseudonyms on every load, so loads still merge; without the key nobody can reverse
them, and a different key starts a different, unconnected set. Metrics are unchanged: they
count people and relationships, never names.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipelines.records import Parsed
from pipelines.sources.base import SourceError

KEY_ENV = "RAPPORT_PSEUDONYM_KEY"
KEY_FILE_ENV = "RAPPORT_PSEUDONYM_KEY_FILE"
MIN_KEY_LENGTH = 16
PREFIX = "anon-"
WITHHELD = "[withheld: pseudonymised load]"

# Columns holding ids that name people or embed their native ids, per canonical table.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("person_id",),
    "interactions": ("interaction_id", "actor_id", "target_id", "thread_id", "in_reply_to"),
    "audience_daily": ("account_id",),
    "referrals": ("referrer_id",),
    "costs": (),
}
NAME_COLUMNS = ("handle", "display_name")


class PrivacyError(SourceError):
    """Pseudonymisation is asked for but its key cannot be used (every file is refused)."""


def configured() -> bool:
    """Whether loads pseudonymise (a key or a key file is configured)."""
    return bool(os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV))


def load_key() -> bytes | None:
    """The pseudonym key from the environment or the key file; None when none is configured."""
    key = os.environ.get(KEY_ENV)
    source = KEY_ENV
    if not key and os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV]).expanduser()
        source = str(path)
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PrivacyError(f"pseudonym key file {path}: cannot be read ({exc.strerror}); "
                               f"set {KEY_FILE_ENV} to a readable file holding the key") from exc
    if not key:
        return None
    if len(key) < MIN_KEY_LENGTH:
        raise PrivacyError(f"pseudonym key from {source} is shorter than {MIN_KEY_LENGTH} "
                           "characters; use a long random key, e.g. `openssl rand -hex 32`")
    return key.encode("utf-8")


@dataclass
class Pseudonymiser:
    """Keyed pseudonyms for ids and names; ids in `ours` pass through unchanged."""

    key: bytes
    ours: set[str] = field(default_factory=set)

    def digest(self, value: str) -> str:
        return hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def id(self, value: str | None) -> str | None:
        """`<platform>:anon-<digest>` for an id (None and ours unchanged)."""
        if value is None or value == "" or value in self.ours or _is_pseudonym(value):
            return value
        platform, sep, _ = value.partition(":")
        token = PREFIX + self.digest(value)[:20]
        return f"{platform}:{token}" if sep else token

    def name(self, person_id: str | None, value: str | None) -> str | None:
        """The handle or display name to store for a person (None stays None)."""
        if value is None or value == "" or person_id in self.ours:
            return value
        if person_id is None:
            return PREFIX + self.digest(value)[:10]
        if _is_pseudonym(person_id):
            return PREFIX + person_id.rsplit(PREFIX, 1)[1][:10]
        return PREFIX + self.digest(person_id)[:10]


def _is_pseudonym(value: str) -> bool:
    return value.partition(":")[2].startswith(PREFIX) or value.startswith(PREFIX)


def from_environment(ours: set[str] | None = None) -> Pseudonymiser | None:
    """The configured pseudonymiser, or None when loads keep people's ids and names."""
    key = load_key()
    return Pseudonymiser(key, set(ours or ())) if key is not None else None


def _team_ids(team: dict[str, set[str]], rows: list[tuple]) -> set[str]:
    """Ids of staged people whom the team file names (by handle, display name or native id)."""
    found = set()
    for person_id, platform, handle, display_name in rows:
        names = {n.lstrip("@").lower() for n in team.get(platform or "", set())}
        native = (person_id or "").partition(":")[2].lower()
        if names & {(handle or "").lstrip("@").lower(), (display_name or "").lower(), native}:
            found.add(person_id)
    return found


def _ours(conn: sa.Connection, dcon: Any, tables: list[str], parsed: Parsed | None,
          team: dict[str, set[str]]) -> set[str]:
    from pipelines.warehouse import people

    ours = set(conn.execute(sa.select(people.c.person_id).where(people.c.is_ours)).scalars())
    ours |= {f"{p}:{n.lstrip('@')}" for p, names in team.items() for n in names}
    if parsed is not None:
        ours |= set(parsed.owners)
    if "people" in tables:
        ours |= {r[0] for r in dcon.execute(
            "SELECT person_id FROM stage_people WHERE is_ours").fetchall()}
        ours |= _team_ids(team, dcon.execute(
            "SELECT person_id, platform, handle, display_name FROM stage_people").fetchall())
    return ours


def _is_table(dcon: Any, name: str) -> bool:
    return bool(dcon.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND "
                             "table_name = ?", [name]).fetchall()[0][0])


def pseudonymise_stage(conn: sa.Connection, dcon: Any, tables: list[str], parsed: Parsed | None,
                       team: dict[str, set[str]] | None = None) -> bool:
    """The loader's hook: pseudonymise the staged rows of one load when a key is configured.

    Runs after staging and before the checks, in the load's DuckDB connection; `stage_<table>`
    is either a table, or a view over `raw_<table>` (a CSV read as text). Returns whether it ran.
    """
    key = load_key()
    if key is None:
        return False
    p = Pseudonymiser(key, _ours(conn, dcon, tables, parsed, team or {}))
    dcon.create_function("rapport_pseudonym_id", p.id, ["VARCHAR"], "VARCHAR")
    dcon.create_function("rapport_pseudonym_name", p.name, ["VARCHAR", "VARCHAR"], "VARCHAR")
    try:
        for table in tables:
            target = f"stage_{table}" if _is_table(dcon, f"stage_{table}") else f"raw_{table}"
            _pseudonymise_relation(dcon, table, target)
            if _is_table(dcon, f"csvrej_{table}"):
                dcon.execute(f"UPDATE csvrej_{table} SET csv_line = ?", [WITHHELD]).fetchall()
    finally:
        dcon.remove_function("rapport_pseudonym_id")
        dcon.remove_function("rapport_pseudonym_name")
    if parsed is not None:
        scrub = _reason_scrubber(p, parsed)
        for rejected in parsed.rejected:
            rejected.raw = WITHHELD
            rejected.reason = scrub(rejected.reason)
    return True


def _reason_scrubber(p: Pseudonymiser, parsed: Parsed) -> Any:
    """A function replacing the export's people's ids and names in a reason by pseudonyms."""
    import re

    replace: dict[str, str] = {}
    for person in parsed.people:
        person_id = person.get("person_id")
        if not person_id or person_id in p.ours:
            continue
        token = p.id(person_id) or ""
        replace[person_id] = token
        replace[person_id.partition(":")[2]] = token.partition(":")[2]
        for column in NAME_COLUMNS:
            if person.get(column):
                replace[str(person[column])] = p.name(person_id, str(person[column])) or ""
    words = sorted((w for w in replace if len(w) >= 3), key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    return lambda text: pattern.sub(lambda m: replace[m.group(0)], text) if text else text


def _pseudonymise_relation(dcon: Any, table: str, target: str) -> None:
    from pipelines.warehouse import canonical_columns

    present = {r[0] for r in dcon.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [target]).fetchall()}
    sets = [f'"{c}" = rapport_pseudonym_id("{c}")' for c in ID_COLUMNS[table] if c in present]
    if table == "people":
        sets += [f'"{c}" = rapport_pseudonym_name(person_id, "{c}")'
                 for c in NAME_COLUMNS if c in present]
    if sets:  # SET expressions all read the values from before the update
        dcon.execute(f"UPDATE {target} SET {', '.join(sets)}").fetchall()
    if "_raw" in present:  # a staged table keeps each record's raw text: rebuild it
        columns = [c for c in canonical_columns(table) if c in present]
        struct = ", ".join(f"'{c}': \"{c}\"" for c in columns)
        dcon.execute(f"UPDATE {target} SET _raw = CAST(to_json({{{struct}}}) AS VARCHAR)").fetchall()


def erasure_digest(person_id: str, salt: bytes | None = None) -> dict[str, str]:
    """A salted SHA-256 of a person id, to record an erasure without the name."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.sha256(salt + person_id.encode("utf-8")).hexdigest()
    return {"salt": salt.hex(), "sha256": digest}


def matches_erasure(person_id: str, record: str) -> bool:
    """Whether an erasure record (JSON with salt and sha256) is about `person_id`."""
    data = json.loads(record)
    return erasure_digest(person_id, bytes.fromhex(data["salt"]))["sha256"] == data["sha256"]
