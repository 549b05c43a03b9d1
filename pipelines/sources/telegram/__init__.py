"""Telegram Desktop export (JSON): one interaction per message, plus mentions and reactions.

Natural key: interaction_id `telegram:<chat id>/<message id>` (message ids are numbered per
chat); people by `telegram:<from_id>` as exported (`user700000000`, `channel123`).
Write semantics: append events by native id.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    add_person, dm_target, from_epoch, mention_rows, message_row, pid, reaction_row,
    reply_chain_roots,
)
from pipelines.sources.telegram import helpers
from pipelines.sources.telegram.settings import (
    CHANNEL_CHATS, CHAT_TYPES, GROUP_DM_CHATS, MENTION_ENTITY, MESSAGE, PLATFORM, SELF_CHATS,
    SERVICE, TWO_PERSON_CHATS,
)

EXPECTED = ("a Telegram Desktop export (Export chat history or Export Telegram data, "
            "format JSON: result.json)")


def _native(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


class TelegramSource:
    """Telegram Desktop JSON export: one chat, or a whole account (`chats.list`)."""

    name = PLATFORM
    description = "Telegram Desktop JSON export (result.json, one chat or a whole account)"
    natural_key = "interaction_id"
    write = "append events by native id"

    def detect(self, path: Path) -> bool:
        return helpers.looks_like_export(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        file = helpers.export_file(path)
        data = helpers.read_export(path)
        if isinstance(data, dict) and "ok" in data and isinstance(data.get("result"), list):
            raise SourceError(
                f"{file.name}: a Telegram Bot API getUpdates response, not an export: it holds only "
                "the updates a bot had not yet confirmed (at most 24 hours), so it cannot stand for "
                f"a chat's history. Load {EXPECTED}.")
        if isinstance(data, dict) and isinstance(data.get("chats"), dict):
            owner = (data.get("personal_information") or {}).get("user_id")
            chats = list(data["chats"].get("list") or [])
            chats += list((data.get("left_chats") or {}).get("list") or [])
        elif isinstance(data, dict) and isinstance(data.get("messages"), list) and "type" in data:
            owner, chats = None, [data]
        else:
            raise SourceError(f"{file.name}: expected {EXPECTED}: an object with a chat type and "
                              "a messages list, or with chats.list")
        parser = _Parser(file.name, ctx, _native(owner) and f"user{owner}")
        if parser.owner:
            parser.person(parser.owner, ours=True)
        for number, chat in enumerate(chats, 1):
            parser.chat(number, chat)
        return parser.finish()


class _Parser:
    def __init__(self, file: str, ctx: ParseContext, owner: str | None) -> None:
        self.file, self.ctx, self.owner = file, ctx, owner
        self.out = Parsed()
        self.people: dict[str, Record] = {}
        self.unknown: dict[str, int] = {}
        self.self_notes = 0
        self.line = 0  # messages are numbered across the whole file

    def finish(self) -> Parsed:
        for what, count in sorted(self.unknown.items()):
            self.out.notes.append(f"{count} {what} counted as skipped")
        if self.self_notes:
            self.out.notes.append(f"{self.self_notes} message(s) in Saved Messages (notes to "
                                  "oneself) counted as skipped")
        return self.out

    def person(self, native: str | None, display: Any = None, ours: bool = False) -> str | None:
        numeric = native[4:] if native and native.startswith("user") else None
        display = display if isinstance(display, str) and display else None
        return add_person(self.out, self.people, PLATFORM, native, None, display,
                          ours or self.ctx.is_ours(PLATFORM, native, numeric))

    def chat(self, number: int, chat: Any) -> None:
        if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
            raise SourceError(f"{self.file}: chat {number} has no messages list; expected {EXPECTED}")
        chat_id, chat_type = _native(chat.get("id")), chat.get("type")
        if chat_id is None:
            raise SourceError(f"{self.file}: chat {number} ({chat.get('name')!r}) has no id")
        messages = chat["messages"]
        if chat_type not in CHAT_TYPES:
            self.out.notes.append(f"chat {number} has unknown type {chat_type!r}: its "
                                  f"{len(messages)} message(s) read as a group chat")
        peer = None
        if chat_type in TWO_PERSON_CHATS:
            # A personal chat's id is the other person's user id: the export's owner is the
            # one who is not that person.
            peer = f"user{chat_id}"
            self.person(peer, chat.get("name"))
            senders = {_native(m.get("from_id")) for m in messages if isinstance(m, dict)}
            owners = senders - {peer, None}
            owner = self.owner or (owners.pop() if len(owners) == 1 else None)
            if owner:
                self.person(owner, ours=True)
            participants = {pid(PLATFORM, peer), pid(PLATFORM, owner)}
        else:
            participants = set()
        by_id = {_native(m.get("id")): m for m in messages
                 if isinstance(m, dict) and m.get("type") == MESSAGE and _native(m.get("id"))}
        roots = reply_chain_roots({i: _native(m.get("reply_to_message_id")) for i, m in by_id.items()})
        for message in messages:
            self.line += 1
            self.out.rows_read += 1
            self.message(chat_id, chat_type, peer, participants, by_id, roots, message)

    def message(self, chat_id: str, chat_type: str | None, peer: str | None,
                participants: set[str | None], by_id: dict[str | None, Any],
                roots: dict[str, str], message: Any) -> None:
        out, line = self.out, self.line
        if not isinstance(message, dict):
            out.reject(self.file, line, "interactions", "message is not a JSON object", message)
            return
        mtype = message.get("type")
        if mtype != MESSAGE:
            if mtype != SERVICE:
                key = f"message(s) of unknown type {mtype!r}"
                self.unknown[key] = self.unknown.get(key, 0) + 1
            out.skipped += 1
            return
        if chat_type in SELF_CHATS:
            self.self_notes += 1
            out.skipped += 1
            return
        native = _native(message.get("id"))
        if native is None:
            out.reject(self.file, line, "interactions", "message without an id", message)
            return
        unixtime = message.get("date_unixtime")
        if unixtime is None:
            reason = (f"date {message['date']!r} is local time without a zone (Telegram Desktop "
                      "writes the exporting computer's clock and does not say its zone), and "
                      "date_unixtime is missing; export again with a recent Telegram Desktop"
                      if message.get("date") else "message without a date")
            out.reject(self.file, line, "interactions", f"no usable time: {reason}", message)
            return
        if not str(unixtime).strip().isdigit():
            out.reject(self.file, line, "interactions",
                       f"no usable time: date_unixtime {unixtime!r} is not epoch seconds", message)
            return
        sender = _native(message.get("from_id"))
        if sender is None:
            out.reject(self.file, line, "interactions", "message without a sender (from_id)", message)
            return
        actor = self.person(sender, message.get("from"))
        parent = _native(message.get("reply_to_message_id"))
        parent_message = by_id.get(parent) if parent else None
        parent_author = pid(PLATFORM, _native(parent_message.get("from_id"))) if parent_message else None
        if chat_type in TWO_PERSON_CHATS:
            kind, thread, target = "dm", chat_id, dm_target(participants, actor)
        elif chat_type in GROUP_DM_CHATS:
            kind, thread, target = "dm", chat_id, parent_author
        elif parent:
            kind, target = "reply", parent_author
            thread = f"{chat_id}/{roots.get(native, parent)}"
        else:
            kind, thread, target = "post", f"{chat_id}/{roots.get(native, native)}", None
        if chat_type in CHANNEL_CHATS and kind == "reply":
            kind = "comment"
        row = message_row(
            PLATFORM, f"{chat_id}/{native}", from_epoch(str(unixtime).strip()), actor, kind,
            target_id=target, thread_id=pid(PLATFORM, thread),
            in_reply_to=pid(PLATFORM, f"{chat_id}/{parent}") if parent else None,
            automated=chat_type == "bot_chat" and sender == peer, file=self.file, line=line)
        out.interactions.append(row)
        out.interactions.extend(mention_rows(row, self.mentions(message)))
        self.reactions(row, message)

    def mentions(self, message: dict[str, Any]) -> list[str | None]:
        entities = message.get("text_entities")
        if not isinstance(entities, list):  # older exports: entities inside a mixed `text` array
            entities = message.get("text") if isinstance(message.get("text"), list) else []
        return [self.person(f"user{e['user_id']}", e.get("text")) for e in entities
                if isinstance(e, dict) and e.get("type") == MENTION_ENTITY and _native(e.get("user_id"))]

    def reactions(self, row: Record, message: dict[str, Any]) -> None:
        for reaction in message.get("reactions") or []:
            if not isinstance(reaction, dict):
                continue
            label = reaction.get("emoji") or reaction.get("document_id") or reaction.get("type")
            recent = [r for r in reaction.get("recent") or []
                      if isinstance(r, dict) and _native(r.get("from_id"))]
            if not recent:
                self.out.reject(self.file, self.line, "interactions",
                                f"reaction {label} (count {reaction.get('count')}) names nobody: "
                                "per-person reaction rows cannot be made", reaction)
                continue
            for entry in recent:
                person = self.person(_native(entry["from_id"]), entry.get("from"))
                self.out.interactions.append(reaction_row(row, person, str(label)))
            count = reaction.get("count")
            if isinstance(count, int) and count > len(recent):
                self.out.notes.append(
                    f"{self.file} message {self.line}: reaction {label} counts {count} but names "
                    f"{len(recent)} people; only those have rows")


SOURCE = TelegramSource()
