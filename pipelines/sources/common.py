"""Small helpers every source shares: reading files, parsing times, building rows."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from pipelines.records import Parsed, Record
from pipelines.sources.base import SourceError

UTC = timezone.utc
_HANDLE_TOKEN = re.compile(r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]|[A-Za-z0-9_])")


def pid(platform: str, native: Any) -> str | None:
    """The canonical person or interaction id `<platform>:<native id>` (None when empty)."""
    if native is None or native == "":
        return None
    return f"{platform}:{native}"


def read_text(path: Path) -> str:
    """A text file as UTF-8 (a byte-order mark is dropped), or SourceError naming it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path.name}: not UTF-8 text (byte {exc.start}): {exc.reason}") from exc
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot be read: {exc.strerror}") from exc


def read_json(path: Path) -> Any:
    """A JSON document, or SourceError naming the file, line and column where it breaks."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path.name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc


def head(path: Path, size: int = 4096) -> str:
    """The first bytes of a file as text, for cheap detection ('' when unreadable)."""
    try:
        with path.open("rb") as f:
            return f.read(size).decode("utf-8-sig", errors="replace")
    except OSError:
        return ""


def from_epoch(value: Any, unit: str = "s") -> datetime:
    """An epoch number or numeric string in seconds ("s") or milliseconds ("ms") as UTC."""
    number = float(value)
    if unit == "ms":
        number /= 1000.0
    return datetime.fromtimestamp(number, tz=UTC)


def from_iso(value: str) -> datetime:
    """An ISO 8601 time that carries its offset (`Z` accepted); naive times are refused."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed


def from_format(value: str, fmt: str, *, assume_utc: bool = False) -> datetime:
    """A time in a fixed strptime format; `assume_utc` only where the export documents UTC."""
    parsed = datetime.strptime(value.strip(), fmt)
    if parsed.tzinfo is None:
        if not assume_utc:
            raise ValueError(f"time {value!r} has no UTC offset")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def handle_tokens(text: str | None) -> list[str]:
    """`@handle` tokens in plain text, in order, without the @ (e-mail addresses excluded)."""
    if not text:
        return []
    return _HANDLE_TOKEN.findall(text)


def mention_rows(message: Record, mentioned: Iterable[str | None]) -> list[Record]:
    """One `mention` row per person a message names, other than its actor and its target.

    `mentioned` holds person_ids; the rows share the message's time, thread and platform.
    """
    rows: list[Record] = []
    seen: set[str] = set()
    message_id = message["interaction_id"]
    for person in mentioned:
        if not person or person in seen or person in (message.get("actor_id"), message.get("target_id")):
            continue
        seen.add(person)
        native = person.split(":", 1)[1]
        rows.append({
            "interaction_id": f"{message_id}/mention/{native}",
            "platform": message["platform"],
            "occurred_at": message["occurred_at"],
            "actor_id": message["actor_id"],
            "target_id": person,
            "kind": "mention",
            "thread_id": message.get("thread_id"),
            "in_reply_to": None,
            "automated": bool(message.get("automated", False)),
            **{k: v for k, v in message.items() if k in ("_line", "_file")},
        })
    return rows


def add_person(out: Parsed, seen: dict[str, Record], platform: str, native: Any,
               handle: str | None = None, display_name: str | None = None,
               is_ours: bool = False) -> str | None:
    """Record a person once per export (later calls fill missing names); returns person_id."""
    person_id = pid(platform, native)
    if person_id is None:
        return None
    row = seen.get(person_id)
    if row is None:
        row = {"person_id": person_id, "platform": platform, "handle": handle,
               "display_name": display_name, "is_ours": is_ours}
        seen[person_id] = row
        out.people.append(row)
    else:
        row["handle"] = row["handle"] or handle
        row["display_name"] = row["display_name"] or display_name
        row["is_ours"] = row["is_ours"] or is_ours
    if is_ours:
        out.owners.add(person_id)
    return person_id


_WHITESPACE = re.compile(r"\s*")


def read_json_documents(path: Path) -> list[Any]:
    """Every JSON document in a file: one, or several written one after another (perceval)."""
    text = read_text(path)
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = _WHITESPACE.match(text, 0).end()
    while position < len(text):
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{path.name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from exc
        documents.append(document)
        position = _WHITESPACE.match(text, position).end()
    if not documents:
        raise SourceError(f"{path.name}: empty file, expected JSON")
    return documents


def undo_mojibake(text: str | None) -> str | None:
    """Text that Meta exports wrote as UTF-8 bytes read as latin-1, decoded back.

    Applied only when it round-trips: plain ASCII and text that is already right stay as given.
    """
    if not text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def dm_target(participants: Iterable[str | None], actor: str | None) -> str | None:
    """In a two-person conversation, the person who is not the actor; None otherwise."""
    people = {p for p in participants if p}
    if len(people) != 2 or actor not in people:
        return None
    return next(p for p in people if p != actor)


def reply_chain_roots(parent_of: dict[str, str | None]) -> dict[str, str]:
    """The root of each message's reply chain, following explicit parents.

    `parent_of` maps every message of the export to the message it answers (None for none).
    A parent that is not in the export ends the chain and is its root; a cycle ends where it
    closes.
    """
    roots: dict[str, str] = {}
    for start in parent_of:
        chain: list[str] = []
        seen: set[str] = set()
        node = start
        while node not in roots:
            chain.append(node)
            seen.add(node)
            parent = parent_of.get(node)
            if parent is None or parent in seen:
                root = node
                break
            if parent not in parent_of:
                root = parent
                break
            node = parent
        else:
            root = roots[node]
        for member in chain:
            roots[member] = root
    return roots


def reaction_row(message: Record, person: str, emoji: str,
                 occurred_at: datetime | None = None) -> Record:
    """One reaction by `person` to `message` (`<message id>/reaction/<native id>/<emoji>`).

    Exports rarely date a reaction: without `occurred_at` it takes the message's time, the
    earliest moment it can have happened. Its target is the message's author.
    """
    native = person.split(":", 1)[1]
    return {
        "interaction_id": f"{message['interaction_id']}/reaction/{native}/{emoji}",
        "platform": message["platform"],
        "occurred_at": occurred_at or message["occurred_at"],
        "actor_id": person,
        "target_id": message["actor_id"],
        "kind": "reaction",
        "thread_id": message.get("thread_id"),
        "in_reply_to": message["interaction_id"],
        "automated": False,
        **{k: v for k, v in message.items() if k in ("_line", "_file")},
    }


def message_row(platform: str, native_id: str, occurred_at: datetime, actor_id: str, kind: str,
                *, target_id: str | None = None, thread_id: str | None = None,
                in_reply_to: str | None = None, automated: bool = False,
                file: str | None = None, line: int | None = None) -> Record:
    """One message as an interactions row (id `<platform>:<native id>`)."""
    return {
        "interaction_id": f"{platform}:{native_id}",
        "platform": platform,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "target_id": target_id,
        "kind": kind,
        "thread_id": thread_id,
        "in_reply_to": in_reply_to,
        "automated": bool(automated),
        "_file": file,
        "_line": line,
    }


_PERCEVAL_BACKEND = re.compile(r'"backend_name"\s*:\s*"([^"]+)"')


def perceval_backend(text: str) -> str | None:
    """The backend named by the first GrimoireLab perceval envelope in `text` (a file's head)."""
    if not text.lstrip().startswith("["):
        return None
    found = _PERCEVAL_BACKEND.search(text)
    return found.group(1) if found else None


def unwrap_perceval(document: Any, path: Path,
                    backend: str | tuple[str, ...]) -> list[tuple[int, str | None, Any]]:
    """(item number, category, data) of each perceval envelope; SourceError if one is not from
    `backend` (a name, or a tuple of names such as ("GitHub", "GitHubQL")).

    GrimoireLab wraps every record as `{backend_name, category, data, timestamp, updated_on,
    uuid, ...}`; `timestamp` and `updated_on` are when perceval fetched it, never a message time.
    """
    names = (backend,) if isinstance(backend, str) else tuple(backend)
    expected = " or ".join(repr(n) for n in names)
    if not isinstance(document, list):
        raise SourceError(f"{path.name}: expected a JSON list of perceval items ({expected})")
    items: list[tuple[int, str | None, Any]] = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict) or "backend_name" not in item or "data" not in item:
            raise SourceError(f"{path.name}: item {number} is not a perceval item "
                              f"(expected backend_name and data, from {expected})")
        if str(item["backend_name"]).lower() not in {n.lower() for n in names}:
            raise SourceError(f"{path.name}: item {number} comes from perceval backend "
                              f"{item['backend_name']!r}, expected {expected}")
        items.append((number, item.get("category"), item["data"]))
    return items


@dataclass
class CsvTable:
    """A CSV file read whole: its header, its records with their first line, what was odd."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line where the record starts, values by column)
    malformed: list[tuple[int, list[str], str]]  # (line, raw fields, reason)
    unknown: list[str]  # columns the caller does not know (schema drift)


def read_csv(path: Path, required: Iterable[str], known: Iterable[str] = (), *,
             escapechar: str | None = None, header_within: int = 1,
             expected: str = "CSV") -> CsvTable:
    """Read a CSV export, finding its header within the first `header_within` lines.

    The header is the first line holding every `required` column (a preamble before it is
    skipped); if there is none, or a required column is missing, SourceError names the file,
    the missing columns and `expected`. A record whose number of fields differs from the
    header's is returned in `malformed`, not guessed at. Fields may be of any length.
    """
    required = list(required)
    text = read_text(path)
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(text, newline=""), escapechar=escapechar)
    columns: list[str] | None = None
    first: list[str] | None = None
    try:
        for fields in reader:
            if not fields:
                continue
            first = first or fields
            names = [f.strip() for f in fields]
            if all(r in names for r in required):
                columns = names
                break
            if reader.line_num >= header_within:
                break
        if columns is None:
            if first is None:
                raise SourceError(f"{path.name}: empty file, expected {expected}")
            names = [f.strip() for f in first]
            missing = [r for r in required if r not in names]
            where = "header" if header_within <= 1 else f"first {header_within} lines"
            raise SourceError(
                f"{path.name}: missing required column(s) {', '.join(map(repr, missing))} "
                f"in its {where}; expected {expected}"
            )
        rows: list[tuple[int, dict[str, str]]] = []
        malformed: list[tuple[int, list[str], str]] = []
        line = reader.line_num + 1
        for fields in reader:
            if fields and (len(fields) > 1 or fields[0].strip()):
                if len(fields) == len(columns):
                    rows.append((line, dict(zip(columns, fields))))
                else:
                    malformed.append((line, fields, f"{len(fields)} fields where the header has "
                                                    f"{len(columns)}"))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"{path.name}: not readable as CSV at line {reader.line_num}: {exc}") from exc
    known_names = set(required) | set(known)
    unknown = [c for c in columns if c not in known_names]
    return CsvTable(columns, rows, malformed, unknown)


def parse_count(value: str | None) -> int:
    """A count as written in an export ("72", "72.0"); ValueError for "1.2K", "N/A", "", "-"."""
    text = (value or "").strip()
    try:
        number = float(text) if text else None
    except ValueError:
        number = None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"count {value!r} is not a number")
    if not number.is_integer():
        raise ValueError(f"count {value!r} is not a whole number")
    return int(number)


def export_files(folder: Path, claims: Callable[[Path], bool],
                 pattern: str = "*.json") -> list[Path]:
    """The files of a folder export when a source claims every one (else []), sorted.

    Hidden files and macOS `__MACOSX` leftovers are ignored; a folder mixing formats is not one
    platform's export.
    """
    def visible(path: Path) -> bool:
        parts = path.relative_to(folder).parts
        return not any(part.startswith((".", "__MACOSX")) for part in parts)

    files = sorted(p for p in folder.rglob(pattern) if p.is_file() and visible(p))
    return files if files and all(claims(p) for p in files) else []


def parse_files(folder: Path, files: Iterable[Path],
                parse_file: Callable[[Path], Parsed]) -> Parsed:
    """One Parsed for several files of a folder export: people merged by person_id, and
    records and rejections naming their file relative to the folder."""
    out = Parsed()
    people: dict[str, Record] = {}
    for path in files:
        part = parse_file(path)
        relative = path.relative_to(folder).as_posix()
        for table in ("interactions", "audience_daily", "referrals", "costs"):
            for row in part.table(table):
                if row.get("_file") in (None, path.name):
                    row["_file"] = relative
                out.table(table).append(row)
        for person in part.people:
            known = people.get(person["person_id"])
            if known is None:
                people[person["person_id"]] = person
                out.people.append(person)
            else:
                known["handle"] = known["handle"] or person["handle"]
                known["display_name"] = known["display_name"] or person["display_name"]
                known["is_ours"] = known["is_ours"] or person["is_ours"]
        for r in part.rejected:
            file = relative if r.file == path.name else r.file
            out.reject(file, r.line, r.table, r.reason, r.raw)
        out.rows_read += part.rows_read
        out.skipped += part.skipped
        out.owners |= part.owners
        out.notes.extend(part.notes)
    return out


def read_export_json(path: Path, expected: str) -> Any:
    """read_json, whose refusal also says which format the file was expected to be in."""
    try:
        return read_json(path)
    except SourceError as exc:
        raise SourceError(f"{exc}; expected {expected}") from exc
