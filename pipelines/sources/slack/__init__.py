"""Slack workspace export: people from users.json, one interaction per message.

Natural key: interaction_id `slack:<channel id>/<ts>` (ts is unique per channel only, and kept
as the exported string, every digit); people by `slack:<user or bot id>`.
Write semantics: append events by native id (a re-export upserts the same rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    UTC, add_person, dm_target, head, mention_rows, message_row, pid, reaction_row,
)
from pipelines.sources.slack import helpers
from pipelines.sources.slack.settings import (
    API_RESPONSE_KEYS, CONVERSATION_LISTS, MENTION, MESSAGE_SUBTYPES, PLATFORM, SYSTEM_SUBTYPES,
    TOMBSTONE_SUBTYPES, USERS_FILE,
)

EXPECTED = ("a Slack workspace export folder (users.json, channels.json and one folder of "
            "YYYY-MM-DD.json day files per channel)")


@dataclass
class Conversation:
    """A channel, private channel, group DM or DM, as the workspace lists describe it."""

    id: str
    kind: str  # channel | group_dm | dm
    members: list[str] = field(default_factory=list)


def ts_time(ts: Any) -> datetime:
    """A Slack `ts` string ("1459032936.000002") as an exact UTC time (no float rounding)."""
    if not isinstance(ts, str):
        raise ValueError(f"ts {ts!r} is not a string (its digits are the message id)")
    seconds, _, fraction = ts.strip().partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"ts {ts!r} is not epoch seconds")
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime.fromtimestamp(int(seconds), tz=UTC) + timedelta(microseconds=micro)


def _is_api_response(path: Path) -> bool:
    text = head(path).lstrip()
    return text.startswith("{") and all(k in text for k in API_RESPONSE_KEYS) and (
        '"has_more"' in text or '"ok"' in text)


class SlackSource:
    """Slack standard export (Settings → Import/Export) or the same layout written by slackdump."""

    name = PLATFORM
    description = "Slack workspace export folder"
    natural_key = "interaction_id"
    write = "append events by native id"

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return (path / USERS_FILE).is_file() and any(
                (path / name).is_file() for name in CONVERSATION_LISTS)
        return path.suffix == ".json" and _is_api_response(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        if path.is_file() and _is_api_response(path):
            raise SourceError(
                f"{path.name}: a Slack Web API response (conversations.history), not a workspace "
                "export: it does not name its channel, and a Slack message id needs the channel. "
                f"Load {EXPECTED} instead (a slackdump export has that layout).")
        if not path.is_dir():
            raise SourceError(f"{path.name}: expected {EXPECTED}")
        return _Parser(path, ctx).run()


class _Parser:
    def __init__(self, root: Path, ctx: ParseContext) -> None:
        self.root, self.ctx = root, ctx
        self.out = Parsed()
        self.people: dict[str, Record] = {}
        self.bots: set[str] = set()  # user ids that users.json marks is_bot
        self.unknown_subtypes: dict[str, int] = {}

    def run(self) -> Parsed:
        users = helpers.read_list(self.root, USERS_FILE)
        if users is None:
            raise SourceError(f"{self.root.name}: no {USERS_FILE}; expected {EXPECTED}")
        self._users(users)
        by_folder = self._conversations()
        for folder in helpers.conversation_folders(self.root):
            conversation = by_folder.get(folder.name)
            if conversation is None:
                self.out.notes.append(
                    f"{folder.name}/: not in channels.json, groups.json, mpims.json or dms.json; "
                    "read as a channel whose id is the folder name")
                conversation = Conversation(folder.name, "channel")
            self._conversation(folder, conversation)
        for subtype, count in sorted(self.unknown_subtypes.items()):
            self.out.notes.append(
                f"{count} message(s) of unknown subtype {subtype!r} counted as skipped")
        return self.out

    def _users(self, users: list[Any]) -> None:
        for number, user in enumerate(users, 1):
            if not isinstance(user, dict) or not user.get("id"):
                self.out.reject(USERS_FILE, number, "people", "user without an id", user)
                continue
            profile = user.get("profile") or {}
            handle = user.get("name") or profile.get("display_name") or None
            display = user.get("real_name") or profile.get("real_name") or profile.get("display_name")
            add_person(self.out, self.people, PLATFORM, user["id"], handle, display or None,
                       self.ctx.is_ours(PLATFORM, user["id"], handle))
            if user.get("is_bot"):
                self.bots.add(user["id"])

    def _conversations(self) -> dict[str, Conversation]:
        """Folder name → conversation (channels by name, DMs by id; ids always accepted)."""
        by_folder: dict[str, Conversation] = {}
        for list_name, kind in CONVERSATION_LISTS.items():
            for number, entry in enumerate(helpers.read_list(self.root, list_name) or [], 1):
                if not isinstance(entry, dict) or not entry.get("id"):
                    self.out.notes.append(f"{list_name} entry {number} has no id; ignored")
                    continue
                members = [m for m in entry.get("members") or [] if isinstance(m, str)]
                conversation = Conversation(entry["id"], kind, members)
                by_folder[entry["id"]] = conversation
                if entry.get("name"):
                    by_folder[entry["name"]] = conversation
        return by_folder

    def _conversation(self, folder: Path, conversation: Conversation) -> None:
        messages: list[tuple[str, int, Any]] = []
        for day in helpers.day_files(folder):
            relative = day.relative_to(self.root).as_posix()
            messages.extend((relative, n, m) for n, m in
                            enumerate(helpers.read_day(day, self.root), 1))
        # A file comment answers the message that shared the file: find those first.
        shared: dict[str, tuple[str, str]] = {}  # file id -> (ts, thread ts) of its sharing
        for _, _, message in messages:
            if not (isinstance(message, dict) and message.get("subtype") == "file_share"
                    and isinstance(message.get("ts"), str)):
                continue
            thread_ts = message.get("thread_ts")
            thread_ts = thread_ts if isinstance(thread_ts, str) and thread_ts else message["ts"]
            for file in [message.get("file"), *(message.get("files") or [])]:
                if isinstance(file, dict) and file.get("id"):
                    shared.setdefault(file["id"], (message["ts"], thread_ts))
        participants = conversation.members or sorted({
            m.get("user") for _, _, m in messages if isinstance(m, dict) and m.get("user")})
        for relative, number, message in messages:
            self.out.rows_read += 1
            self._message(conversation, participants, shared, relative, number, message)

    def _message(self, conversation: Conversation, participants: list[str],
                 shared: dict[str, tuple[str, str]], file: str, line: int, message: Any) -> None:
        out = self.out
        if not isinstance(message, dict):
            out.reject(file, line, "interactions", "message is not a JSON object", message)
            return
        subtype = message.get("subtype")
        if subtype in TOMBSTONE_SUBTYPES or subtype in SYSTEM_SUBTYPES:
            out.skipped += 1
            return
        if subtype not in MESSAGE_SUBTYPES:
            self.unknown_subtypes[subtype] = self.unknown_subtypes.get(subtype, 0) + 1
            out.skipped += 1
            return
        try:
            occurred_at = ts_time(message.get("ts"))
        except ValueError as exc:
            out.reject(file, line, "interactions", f"no usable time: {exc}", message)
            return
        ts = message["ts"].strip()
        comment = message.get("comment") if subtype == "file_comment" else None
        author = (message.get("user") or (comment or {}).get("user") or message.get("bot_id"))
        if not author:
            out.reject(file, line, "interactions", "message without an author (no user or bot_id)",
                       message)
            return
        actor = self._author(message, author)
        automated = bool(message.get("bot_id")) or subtype == "bot_message" or author in self.bots

        channel = conversation.id
        own_id = f"{channel}/{ts}"
        thread_ts = message.get("thread_ts")
        in_reply_to = target = None
        if subtype == "file_comment":
            kind = "comment"
            file_info = message.get("file") if isinstance(message.get("file"), dict) else {}
            target = pid(PLATFORM, file_info.get("user"))
            share_ts, share_thread = shared.get(file_info.get("id"), (None, None))
            in_reply_to = pid(PLATFORM, f"{channel}/{share_ts}") if share_ts else None
            thread_id = pid(PLATFORM, f"{channel}/{share_thread}") if share_thread else None
        elif isinstance(thread_ts, str) and thread_ts and thread_ts != ts:
            kind, thread_id = "reply", pid(PLATFORM, f"{channel}/{thread_ts}")
        else:
            kind, thread_id = "post", pid(PLATFORM, own_id)
        if conversation.kind in ("dm", "group_dm"):
            # A direct conversation is the thread; the other person is the target of a DM.
            kind, thread_id = "dm", pid(PLATFORM, channel)
            target = dm_target((pid(PLATFORM, m) for m in participants), actor) \
                if conversation.kind == "dm" else target
        row = message_row(PLATFORM, own_id, occurred_at, actor, kind, target_id=target,
                          thread_id=thread_id, in_reply_to=in_reply_to, automated=automated,
                          file=file, line=line)
        out.interactions.append(row)
        text = (comment or {}).get("comment") if comment else message.get("text")
        mentioned = [add_person(out, self.people, PLATFORM, native)
                     for native in MENTION.findall(text or "")]
        out.interactions.extend(mention_rows(row, mentioned))
        self._reactions(row, message, file, line)

    def _author(self, message: dict[str, Any], author: str) -> str:
        bot = message.get("bot_profile") if isinstance(message.get("bot_profile"), dict) else {}
        name = message.get("username") or bot.get("name")
        return add_person(self.out, self.people, PLATFORM, author, name, name,
                          self.ctx.is_ours(PLATFORM, author, name))

    def _reactions(self, row: Record, message: dict[str, Any], file: str, line: int) -> None:
        for reaction in message.get("reactions") or []:
            if not isinstance(reaction, dict) or not reaction.get("name"):
                self.out.reject(file, line, "interactions", "reaction without a name", reaction)
                continue
            users = [u for u in reaction.get("users") or [] if isinstance(u, str)]
            for user in users:
                person = add_person(self.out, self.people, PLATFORM, user)
                self.out.interactions.append(reaction_row(row, person, reaction["name"]))
            count = reaction.get("count")
            if isinstance(count, int) and count > len(users):
                self.out.notes.append(
                    f"{file} message {line}: reaction {reaction['name']} counts {count} but lists "
                    f"{len(users)} people; only the listed people have rows")


SOURCE = SlackSource()
