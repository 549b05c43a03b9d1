"""Connections.csv and Invitations.csv: people, `connect` and `invite` interactions."""
from __future__ import annotations

from pipelines.records import Parsed
from pipelines.sources.common import CsvTable, message_row
from pipelines.sources.linkedin.identity import Directory
from pipelines.sources.linkedin.settings import CONNECTED_ON, INVITATION_TIME, PLATFORM
from pipelines.sources.linkedin.values import parse_time, stamp


def parse_connections(table: CsvTable, label: str, directory: Directory, out: Parsed) -> None:
    """Each connection: a person, and a `connect` from the owner at 00:00 UTC of its day.

    LinkedIn does not say who asked (Invitations.csv does, for recent ones), so the owner is
    the actor and the connection the target.
    """
    owner = directory.owner
    assert owner is not None
    for line, row in table.rows:
        out.rows_read += 1
        name = f"{row['First Name'].strip()} {row['Last Name'].strip()}".strip()
        person = directory.person(name, row.get("URL"))
        if person is None:
            out.reject(label, line, "interactions",
                       "connection without a name or profile URL: cannot be identified", row)
            continue
        try:
            connected = parse_time(row["Connected On"], CONNECTED_ON, "Connected On")
        except ValueError as exc:
            out.reject(label, line, "interactions", str(exc), row)
            continue
        # The day keeps two connections apart whose names (and so ids) are the same.
        native = (f"{owner.split(':', 1)[1]}/connect/{person.split(':', 1)[1]}/"
                  f"{connected:%Y%m%d}")
        out.interactions.append(message_row(PLATFORM, native, connected, owner, "connect",
                                            target_id=person, file=label, line=line))


def parse_invitations(table: CsvTable, label: str, directory: Directory, out: Parsed) -> None:
    """Each invitation: an `invite` from its sender to its recipient."""
    for line, row in table.rows:
        out.rows_read += 1
        try:
            sent = parse_time(row["Sent At"], INVITATION_TIME, "Sent At")
        except ValueError as exc:
            out.reject(label, line, "interactions", str(exc), row)
            continue
        context = f"invitation/{stamp(sent)}"
        actor = directory.person(row["From"], row.get("inviterProfileUrl"), context)
        target = directory.person(row["To"], row.get("inviteeProfileUrl"), context)
        if actor is None or target is None:
            out.reject(label, line, "interactions", "invitation without From or To", row)
            continue
        native = f"{actor.split(':', 1)[1]}/invite/{target.split(':', 1)[1]}/{stamp(sent)}"
        out.interactions.append(message_row(PLATFORM, native, sent, actor, "invite",
                                            target_id=target, file=label, line=line))
