"""messages.csv: every message a `dm`, grouped into conversations by CONVERSATION ID.

In a two-person conversation a message's target is the other person (the opening message
included); in a group conversation the target is left to the loader's reply-target inference.
The export has no message ids: a message's id is its conversation, time and a fingerprint of
its sender and content.
"""
from __future__ import annotations

from pipelines.records import Parsed
from pipelines.sources.common import CsvTable, dm_target, message_row
from pipelines.sources.linkedin.identity import Directory, recipients
from pipelines.sources.linkedin.settings import (
    DRAFT_VALUES, MESSAGE_TIME, PLATFORM, SPONSORED_CONTENT, SPONSORED_TITLES,
)
from pipelines.sources.linkedin.values import digest, parse_time, stamp


def is_sponsored(row: dict[str, str]) -> bool:
    """Sponsored or templated bulk InMail (sent by LinkedIn's campaign tools)."""
    title = (row.get("CONVERSATION TITLE") or "").strip().lower()
    content = row.get("CONTENT") or ""
    return title in SPONSORED_TITLES or any(mark in content for mark in SPONSORED_CONTENT)


def parse_messages(table: CsvTable, label: str, directory: Directory, out: Parsed) -> None:
    """Every message of every conversation as a dm row."""
    conversations: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in table.rows:
        out.rows_read += 1
        conversation = row["CONVERSATION ID"].strip()
        if not conversation:
            out.reject(label, line, "interactions", "message without CONVERSATION ID", row)
        elif (row.get("IS MESSAGE DRAFT") or "").strip().lower() in DRAFT_VALUES:
            out.skipped += 1  # an unsent draft is not a message
        else:
            conversations.setdefault(conversation, []).append((line, row))
    for conversation, rows in conversations.items():
        thread = f"{PLATFORM}:conversation/{conversation}"
        participants: set[str | None] = set()
        ready = []
        for line, row in rows:
            actor = directory.person(row["FROM"], row.get("SENDER PROFILE URL"), conversation)
            participants.add(actor)
            participants.update(directory.person(n, u, conversation) for n, u in recipients(row))
            try:
                sent = parse_time(row["DATE"], MESSAGE_TIME, "DATE")
            except ValueError as exc:
                out.reject(label, line, "interactions", str(exc), row)
                continue
            if actor is None:
                out.reject(label, line, "interactions", "message without FROM", row)
                continue
            ready.append((line, row, actor, sent))
        for line, row, actor, sent in ready:
            native = (f"conversation/{conversation}/{stamp(sent)}/"
                      f"{digest(row['FROM'], row.get('CONTENT'))}")
            out.interactions.append(message_row(
                PLATFORM, native, sent, actor, "dm", target_id=dm_target(participants, actor),
                thread_id=thread, automated=is_sponsored(row), file=label, line=line))
