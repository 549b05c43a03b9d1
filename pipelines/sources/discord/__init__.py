"""DiscordChatExporter JSON: one interaction per message, plus mentions and reactions.

Natural key: interaction_id `discord:<message id>` (Discord ids are global snowflakes); people
by `discord:<user id>`.
Write semantics: append events by native id. A message id repeated in an export is emitted
each time: the loader keeps the last and counts the duplicates.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    add_person, dm_target, from_iso, mention_rows, message_row, pid, reaction_row,
    reply_chain_roots,
)
from pipelines.sources.discord import helpers
from pipelines.sources.discord.settings import (
    DM_CHANNEL, FORWARD_REFERENCE, GROUP_DM_CHANNEL, KNOWN_SYSTEM_TYPES, MESSAGE_TYPES, PLATFORM,
    THREAD_CHANNELS,
)


@dataclass
class _Item:
    """One exported message with where it was read."""

    file: str
    line: int
    message: Any

    @property
    def id(self) -> str | None:
        value = self.message.get("id") if isinstance(self.message, dict) else None
        return str(value) if value not in (None, "") else None

    @property
    def author(self) -> dict[str, Any]:
        author = self.message.get("author") if isinstance(self.message, dict) else None
        return author if isinstance(author, dict) else {}

    @property
    def parent(self) -> str | None:
        """The message this one answers, when it is a reply (not a forward, not a pin)."""
        if not isinstance(self.message, dict) or self.message.get("type") not in MESSAGE_TYPES:
            return None
        reference = self.message.get("reference")
        if not isinstance(reference, dict) or reference.get("type") == FORWARD_REFERENCE:
            return None
        parent = reference.get("messageId")
        return str(parent) if parent else None


class DiscordSource:
    """DiscordChatExporter JSON: a channel file, or a folder of files (split parts together)."""

    name = PLATFORM
    description = "DiscordChatExporter JSON export (a file, or a folder of channel files and parts)"
    natural_key = "interaction_id"
    write = "append events by native id"

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            files = helpers.export_files(path)
            return bool(files) and all(helpers.looks_like_export(f) for f in files)
        return helpers.looks_like_export(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        files = helpers.export_files(path)
        if not files:
            raise SourceError(f"{path.name}: no .json files; expected DiscordChatExporter JSON")
        channels: dict[str, tuple[dict[str, Any], list[_Item]]] = {}
        for file in files:
            data = helpers.read_export(file)
            _, items = channels.setdefault(str(data["channel"]["id"]), (data["channel"], []))
            items.extend(_Item(file.name, n, m) for n, m in enumerate(data["messages"], 1))
        parser = _Parser(ctx)
        for channel, items in channels.values():
            parser.channel(channel, items)
        return parser.finish()


class _Parser:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.out = Parsed()
        self.people: dict[str, Record] = {}
        self.unknown_types: dict[str, int] = {}
        self.seen_ids: dict[str, int] = {}

    def finish(self) -> Parsed:
        for kind, count in sorted(self.unknown_types.items()):
            self.out.notes.append(f"{count} message(s) of unknown type {kind!r} counted as skipped")
        repeated = sum(n - 1 for n in self.seen_ids.values() if n > 1)
        if repeated:
            self.out.notes.append(f"{repeated} message(s) repeat an id already in the export")
        return self.out

    def person(self, user: dict[str, Any]) -> str | None:
        native = user.get("id")
        name = user.get("name") or None
        return add_person(self.out, self.people, PLATFORM, native, name,
                          user.get("nickname") or name, self.ctx.is_ours(PLATFORM, native, name))

    def channel(self, channel: dict[str, Any], items: list[_Item]) -> None:
        kind = channel.get("type")
        by_id: dict[str, _Item] = {}
        for item in items:
            if item.id and item.id not in by_id:
                by_id[item.id] = item
        roots = reply_chain_roots({i: by_id[i].parent for i in by_id})
        participants = {pid(PLATFORM, i.author.get("id")) for i in items} - {None}
        for item in items:
            self.out.rows_read += 1
            self.message(channel, kind, item, by_id, roots, participants)

    def message(self, channel: dict[str, Any], kind: str | None, item: _Item,
                by_id: dict[str, _Item], roots: dict[str, str], participants: set[str]) -> None:
        out, message = self.out, item.message
        if not isinstance(message, dict):
            out.reject(item.file, item.line, "interactions", "message is not a JSON object", message)
            return
        mtype = message.get("type")
        if mtype not in MESSAGE_TYPES:
            if mtype not in KNOWN_SYSTEM_TYPES:
                self.unknown_types[str(mtype)] = self.unknown_types.get(str(mtype), 0) + 1
            out.skipped += 1
            return
        if not item.id:
            out.reject(item.file, item.line, "interactions", "message without an id", message)
            return
        try:
            occurred_at = from_iso(str(message.get("timestamp") or ""))
        except ValueError as exc:
            out.reject(item.file, item.line, "interactions",
                       f"no usable time: timestamp {message.get('timestamp')!r} ({exc})", message)
            return
        if not item.author.get("id"):
            out.reject(item.file, item.line, "interactions", "message without an author id", message)
            return
        self.seen_ids[item.id] = self.seen_ids.get(item.id, 0) + 1
        actor = self.person(item.author)
        parent = item.parent
        parent_item = by_id.get(parent) if parent else None
        parent_author = pid(PLATFORM, parent_item.author.get("id")) if parent_item else None
        in_reply_to = pid(PLATFORM, parent)
        channel_id = str(channel["id"])
        if kind in (DM_CHANNEL, GROUP_DM_CHANNEL):
            row_kind, thread = "dm", channel_id
            target = dm_target(participants, actor) if kind == DM_CHANNEL else parent_author
        elif kind in THREAD_CHANNELS:
            # A thread channel's id is its starter message's id: the thread's root.
            row_kind, thread, target = "reply", channel_id, parent_author
        elif parent:
            row_kind, thread, target = "reply", roots.get(item.id, parent), parent_author
        else:
            row_kind, thread, target = "post", roots.get(item.id, item.id), None
        row = message_row(PLATFORM, item.id, occurred_at, actor, row_kind, target_id=target,
                          thread_id=pid(PLATFORM, thread), in_reply_to=in_reply_to,
                          automated=bool(item.author.get("isBot")), file=item.file, line=item.line)
        out.interactions.append(row)
        mentioned = [self.person(u) for u in message.get("mentions") or [] if isinstance(u, dict)]
        out.interactions.extend(mention_rows(row, mentioned))
        self.reactions(row, item)

    def reactions(self, row: Record, item: _Item) -> None:
        for reaction in item.message.get("reactions") or []:
            emoji = reaction.get("emoji") if isinstance(reaction, dict) else None
            if not isinstance(emoji, dict) or not (emoji.get("name") or emoji.get("id")):
                self.out.reject(item.file, item.line, "interactions", "reaction without an emoji",
                                reaction)
                continue
            label = emoji.get("name") or ""
            if emoji.get("id"):  # a custom emoji: its name is not unique, its id is
                label = f"{label}:{emoji['id']}"
            users = reaction.get("users")
            if not isinstance(users, list):
                self.out.reject(
                    item.file, item.line, "interactions",
                    f"reaction {label} (count {reaction.get('count')}) on message {item.id} lists no "
                    "users (older DiscordChatExporter versions): per-person reaction rows cannot be "
                    "made", reaction)
                continue
            for user in users:
                if isinstance(user, dict) and user.get("id"):
                    self.out.interactions.append(reaction_row(row, self.person(user), label))


SOURCE = DiscordSource()
