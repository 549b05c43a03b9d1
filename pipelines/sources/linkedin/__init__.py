"""LinkedIn personal data export: a folder of CSVs (or one of them).

Natural keys and write semantics (the loader upserts on these keys):
- interactions, appended as events by derived native id (the export has no ids):
  posts `linkedin:share:<n>` (the ShareLink URN), comments `<post URN>/comment/<time>-<hash>`,
  reactions `<post URN>/reaction/<owner>/<TYPE>`, messages
  `conversation/<CONVERSATION ID>/<time>/<hash>`, `<owner>/connect/<person>/<day>`,
  `<sender>/invite/<recipient>/<time>`; threads are the post's URN or the conversation.
- people, merged by `linkedin:in/<profile slug>` or `linkedin:name/<normalised name>` (see
  `identity`). The personal export holds no analytics: no audience_daily.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.records import Parsed
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import CsvTable, read_csv
from pipelines.sources.linkedin.activity import parse_comments, parse_reactions, parse_shares
from pipelines.sources.linkedin.helpers import export_files, is_export_file
from pipelines.sources.linkedin.identity import Directory, find_owner, recipients
from pipelines.sources.linkedin.messages import parse_messages
from pipelines.sources.linkedin.network import parse_connections, parse_invitations
from pipelines.sources.linkedin.settings import FILES, PLATFORM

EXPECTED = ("a LinkedIn data export: a folder with " + ", ".join(
    n.capitalize() if n != "messages.csv" else n for n in FILES) + " (any of them)")
PARSERS = {
    "connections.csv": parse_connections, "invitations.csv": parse_invitations,
    "messages.csv": parse_messages, "shares.csv": parse_shares,
    "comments.csv": parse_comments, "reactions.csv": parse_reactions,
}


@dataclass(frozen=True)
class LinkedInSource:
    """Detects and parses LinkedIn personal data exports."""

    name: str = PLATFORM
    description: str = ("LinkedIn data export (Connections, Invitations, messages, Shares, "
                        "Comments, Reactions CSV)")
    natural_keys: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "interactions": ("interaction_id",), "people": ("person_id",)})
    write: dict[str, str] = field(default_factory=lambda: {
        "interactions": "append events by native id", "people": "merge by person_id"})

    def detect(self, path: Path) -> bool:
        """A folder holding any export CSV, or one such CSV."""
        if path.is_dir():
            return any(is_export_file(p) for p in path.glob("*.csv"))
        return is_export_file(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        """Every file of the export read, then mapped once the owner is known."""
        if path.is_dir():
            files, others = export_files(path)
        elif path.is_file() and path.name.lower() in FILES:
            files, others = [path], []
        else:
            raise SourceError(f"{path.name}: not a LinkedIn export file; expected {EXPECTED}")
        if not files:
            raise SourceError(f"{path.name}: no LinkedIn export file in it; expected {EXPECTED}")
        out = Parsed()
        if others:
            out.notes.append("files not used: " + ", ".join(others))
        tables: dict[str, CsvTable] = {}
        labels: dict[str, str] = {}
        for file in files:
            spec = FILES[file.name.lower()]
            table = read_csv(file, spec.required, spec.known, escapechar=spec.escapechar,
                             header_within=spec.header_within,
                             expected=f"LinkedIn's {file.name} with columns "
                                      + ", ".join(spec.required))
            key, labels[file.name.lower()] = file.name.lower(), file.name
            tables[key] = table
            if table.unknown:
                out.notes.append(f"{file.name}: columns not used (schema drift): "
                                 + ", ".join(table.unknown))
            for line, fields, reason in table.malformed:
                out.rows_read += 1
                out.reject(file.name, line, "interactions", reason, fields)
        directory = _directory(tables, out, ctx)
        if "profile.csv" in tables:
            out.rows_read += len(tables["profile.csv"].rows)
        for key, parser in PARSERS.items():
            if key in tables:
                parser(tables[key], labels[key], directory, out)
        return out


def _directory(tables: dict[str, CsvTable], out: Parsed, ctx: ParseContext) -> Directory:
    """The people directory, having learnt every name-URL pair and found the owner."""
    directory = Directory(out, ctx)
    for _, row in tables.get("messages.csv", CsvTable([], [], [], [])).rows:
        directory.learn(row["FROM"], row.get("SENDER PROFILE URL"))
        for name, url in recipients(row):
            directory.learn(name, url)
    for _, row in tables.get("connections.csv", CsvTable([], [], [], [])).rows:
        directory.learn(f"{row['First Name'].strip()} {row['Last Name'].strip()}", row.get("URL"))
    for _, row in tables.get("invitations.csv", CsvTable([], [], [], [])).rows:
        directory.learn(row["From"], row.get("inviterProfileUrl"))
        directory.learn(row["To"], row.get("inviteeProfileUrl"))
    ambiguous = directory.ambiguous_names()
    if ambiguous:
        out.notes.append("names shown with several profile URLs (matched by URL only): "
                         + ", ".join(ambiguous))
    name, evidence, notes = find_owner(tables, ctx)
    out.notes.extend(notes)
    url = None
    if name and directory.knows_slug(name):
        name, url = None, f"https://www.linkedin.com/in/{name.lower()}"
    directory.set_owner(name, url, evidence)
    return directory


SOURCE = LinkedInSource()
