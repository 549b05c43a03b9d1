"""Tweets (archive and API v1.1 alike) as canonical rows: messages, shares and mentions.

Threads need every tweet of the export first (a reply's thread is the root of its reply
chain), so tweets are collected in a `Timeline` and turned into rows by `finish`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext
from pipelines.sources.common import add_person, from_format, mention_rows, pid, reply_chain_roots
from pipelines.sources.twitter.settings import AUTOMATION_CLIENTS, CREATED_AT_FORMAT, PLATFORM

_TAG = re.compile(r"<[^>]*>")
_RETWEET_TEXT = re.compile(r"^RT @(\w+):")


def tweet_time(tweet: dict) -> Any:
    """A tweet's created_at ("Sat Feb 18 19:45:15 +0000 2023") as an aware datetime."""
    value = tweet.get("created_at")
    if not isinstance(value, str) or not value.strip():
        raise ValueError("no time: created_at is missing")
    try:
        return from_format(value, CREATED_AT_FORMAT)
    except ValueError as exc:
        raise ValueError(f"created_at {value!r} is not like 'Sat Feb 18 19:45:15 +0000 2023'") from exc


def native_id(obj: dict, key: str = "id") -> str | None:
    """An id as its `_str` twin when there is one (API numbers lose digits elsewhere)."""
    value = obj.get(f"{key}_str")
    if value in (None, ""):
        value = obj.get(key)
    return None if value in (None, "") else str(value)


def is_automated(tweet: dict) -> bool:
    """Whether the tweet was published by a scheduling or automation client."""
    client = _TAG.sub("", str(tweet.get("source") or "")).strip().lower()
    return any(client == name.lower() or client.startswith(name.lower() + " ")
               for name in AUTOMATION_CLIENTS)


@dataclass
class _Entry:
    native: str
    row: Record
    embedded: bool
    parent: str | None = None  # native id of the message answered (messages only)
    mentioned: list[str] = field(default_factory=list)
    shared: str | None = None  # native id of the shared tweet (shares only)


class Timeline:
    """The tweets of one export, turned into rows once all are known."""

    def __init__(self, out: Parsed, people: dict[str, Record], ctx: ParseContext,
                 owner: str | None = None) -> None:
        self.out, self.people, self.ctx, self.owner = out, people, ctx, owner
        self.entries: list[_Entry] = []
        self.known: set[str] = set()
        self.top_level: set[str] = set()

    def person(self, user_id: Any, handle: str | None = None, name: str | None = None) -> str | None:
        """Record a person of this export; ours when the owner or named by the team config."""
        if user_id in (None, ""):
            return None
        user_id = str(user_id)
        ours = user_id == self.owner or self.ctx.is_ours(
            PLATFORM, user_id, handle, handle.lower() if handle else None)
        return add_person(self.out, self.people, PLATFORM, user_id, handle, name, ours)

    def user(self, user: dict | None) -> str | None:
        """The person of an API `user` object."""
        if not isinstance(user, dict):
            return None
        return self.person(native_id(user), user.get("screen_name"), user.get("name"))

    def add(self, tweet: dict, actor: str | None, file: str, line: int,
            embedded: bool = False) -> None:
        """Add one tweet (and, from the API, the tweets it embeds) written by `actor`."""
        native = native_id(tweet)
        if native is None or actor is None:
            what = "id" if native is None else "author"
            self.out.reject(file, line, "interactions", f"tweet without {what}", tweet)
            return
        if embedded and native in self.known:
            return
        try:
            occurred_at = tweet_time(tweet)
        except ValueError as exc:
            self.out.reject(file, line, "interactions", str(exc), tweet)
            return
        self.known.add(native)
        if not embedded:
            self.top_level.add(native)
        row: Record = {
            "interaction_id": pid(PLATFORM, native), "platform": PLATFORM,
            "occurred_at": occurred_at, "actor_id": actor, "target_id": None, "kind": "post",
            "thread_id": None, "in_reply_to": None, "automated": is_automated(tweet),
            "_file": file, "_line": line,
        }
        entry = _Entry(native, row, embedded)
        original = tweet.get("retweeted_status")
        text = str(tweet.get("full_text") or tweet.get("text") or "")
        mentions = (tweet.get("entities") or {}).get("user_mentions") or []
        if isinstance(original, dict):
            row["kind"] = "share"
            row["target_id"] = self.user(original.get("user"))
            entry.shared = native_id(original)
            row["in_reply_to"] = pid(PLATFORM, entry.shared)
        elif _RETWEET_TEXT.match(text):
            # An archive retweet: no embedded original, only "RT @author:" and its mention.
            row["kind"] = "share"
            author = _RETWEET_TEXT.match(text)[1].lower()
            for m in mentions:
                if str(m.get("screen_name", "")).lower() == author:
                    row["target_id"] = self.person(native_id(m), m.get("screen_name"), m.get("name"))
                    break
        else:
            entry.parent = native_id(tweet, "in_reply_to_status_id")
            if entry.parent:
                row["kind"] = "reply"
                row["in_reply_to"] = pid(PLATFORM, entry.parent)
                row["target_id"] = self.person(native_id(tweet, "in_reply_to_user_id"),
                                               tweet.get("in_reply_to_screen_name"))
            for m in mentions:
                person = self.person(native_id(m), m.get("screen_name"), m.get("name"))
                if person:
                    entry.mentioned.append(person)
        self.entries.append(entry)
        for key in ("retweeted_status", "quoted_status"):
            inner = tweet.get(key)
            if isinstance(inner, dict):
                self.add(inner, self.user(inner.get("user")), file, line, embedded=True)

    def finish(self) -> None:
        """Resolve threads and write every row (mentions after their message)."""
        # An embedded copy gives way to the tweet itself when the export holds both.
        entries = [e for e in self.entries if not (e.embedded and e.native in self.top_level)]
        parent_of = {e.native: e.parent for e in entries if e.row["kind"] != "share"}
        roots = reply_chain_roots(parent_of)
        for e in entries:
            if e.row["kind"] == "share":
                root = roots.get(e.shared) if e.shared else None
            else:
                root = roots[e.native]
            e.row["thread_id"] = pid(PLATFORM, root)
            self.out.interactions.append(e.row)
            self.out.interactions.extend(mention_rows(e.row, e.mentioned))
