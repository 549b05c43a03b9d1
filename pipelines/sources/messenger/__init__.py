"""Facebook Messenger export (message_N.json): one dm per message, plus reactions.

Natural key: interaction_id `messenger:<thread_path>/<timestamp_ms>` (the export has no message
ids; a second message in the same conversation and millisecond gets `-2`, `-3`, ...); people
by `messenger:<name>`, because the export names people only by their display name.
Write semantics: append events by native id.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    add_person, dm_target, from_epoch, message_row, pid, reaction_row, undo_mojibake,
)
from pipelines.sources.messenger import helpers
from pipelines.sources.messenger.settings import GROUP, ONE_TO_ONE, PLATFORM, SYSTEM_TYPES

EXPECTED = "a Messenger conversation file (message_1.json) or a folder holding them"


class MessengerSource:
    """Messenger conversations from Facebook's "Download your information" (JSON format)."""

    name = PLATFORM
    description = "Facebook Messenger export (message_N.json files)"
    natural_key = "interaction_id"
    write = "append events by native id"

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return bool(helpers.conversation_files(path)) and all(
                helpers.looks_like_conversation(f) for f in helpers.conversation_files(path)[:3])
        return helpers.looks_like_conversation(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        files = helpers.conversation_files(path)
        if not files:
            raise SourceError(f"{path.name}: no conversation files; expected {EXPECTED}")
        root = path if path.is_dir() else path.parent
        threads: dict[str, dict[str, Any]] = {}
        for file in files:
            data = helpers.read_conversation(file, root)
            name = file.relative_to(root).as_posix()
            key = undo_mojibake(data.get("thread_path")) or (
                file.parent.relative_to(root).as_posix() if file.parent != root else file.stem)
            thread = threads.setdefault(key, {"data": data, "items": []})
            thread["items"].extend((name, n, m) for n, m in enumerate(data["messages"], 1))
        parser = _Parser(ctx)
        owners = {o for t in threads.values() if (o := _owner(t["data"]))}
        for key, thread in threads.items():
            parser.thread(key, thread["data"], thread["items"], owners)
        return parser.out


def _names(data: dict[str, Any]) -> list[str]:
    return [undo_mojibake(p.get("name")) for p in data["participants"]
            if isinstance(p, dict) and p.get("name")]


def _owner(data: dict[str, Any]) -> str | None:
    """The export's owner, where a one-to-one conversation shows it.

    Facebook titles a one-to-one conversation with the other person's name, so the owner is
    the one participant the title does not name.
    """
    names = _names(data)
    title = undo_mojibake(data.get("title"))
    if data.get("thread_type", ONE_TO_ONE) != ONE_TO_ONE or len(set(names)) != 2:
        return None
    others = [n for n in names if n != title]
    return others[0] if len(others) == 1 else None


class _Parser:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.out = Parsed()
        self.people: dict[str, Record] = {}

    def person(self, name: str | None, owners: set[str]) -> str | None:
        return add_person(self.out, self.people, PLATFORM, name, None, name,
                          name in owners or self.ctx.is_ours(PLATFORM, name))

    def thread(self, key: str, data: dict[str, Any], items: list[tuple[str, int, Any]],
               owners: set[str]) -> None:
        names = _names(data)
        participants = {self.person(n, owners) for n in names}
        two_person = data.get("thread_type") != GROUP and len(participants) == 2
        rows: list[tuple[int, str, int, dict[str, Any]]] = []
        for file, line, message in items:
            self.out.rows_read += 1
            if not isinstance(message, dict):
                self.out.reject(file, line, "interactions", "message is not a JSON object", message)
                continue
            if message.get("is_unsent") or message.get("type") in SYSTEM_TYPES:
                self.out.skipped += 1
                continue
            stamp = message.get("timestamp_ms")
            if isinstance(stamp, bool) or not isinstance(stamp, int):
                self.out.reject(file, line, "interactions",
                                f"no usable time: timestamp_ms {stamp!r} is not epoch milliseconds",
                                message)
                continue
            if not message.get("sender_name"):
                self.out.reject(file, line, "interactions", "message without a sender_name", message)
                continue
            rows.append((stamp, file, line, message))
        # The export lists the newest first: number same-millisecond messages oldest first.
        rows.sort(key=lambda r: r[0])
        taken: dict[int, int] = {}
        for stamp, file, line, message in rows:
            taken[stamp] = taken.get(stamp, 0) + 1
            native = f"{key}/{stamp}" + (f"-{taken[stamp]}" if taken[stamp] > 1 else "")
            actor = self.person(undo_mojibake(message["sender_name"]), owners)
            row = message_row(PLATFORM, native, from_epoch(stamp, "ms"), actor, "dm",
                              target_id=dm_target(participants, actor) if two_person else None,
                              thread_id=pid(PLATFORM, key), file=file, line=line)
            self.out.interactions.append(row)
            for reaction in message.get("reactions") or []:
                if not (isinstance(reaction, dict) and reaction.get("actor") and reaction.get("reaction")):
                    self.out.reject(file, line, "interactions",
                                    "reaction without an actor or an emoji", reaction)
                    continue
                person = self.person(undo_mojibake(reaction["actor"]), owners)
                self.out.interactions.append(
                    reaction_row(row, person, undo_mojibake(reaction["reaction"])))


SOURCE = MessengerSource()
