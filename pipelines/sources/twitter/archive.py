"""The X/Twitter account archive: account, tweets, DMs, followers, following and likes."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import dm_target, from_iso, message_row, reaction_row
from pipelines.sources.twitter.helpers import read_ytd
from pipelines.sources.twitter.settings import (
    ARCHIVE_FILE_NAME, ARCHIVE_FILES, DM_MESSAGE_EVENT, DM_NOTICE_EVENTS, PLATFORM,
)
from pipelines.sources.twitter.tweets import Timeline, native_id

_ONE_TO_ONE = re.compile(r"^\d+-\d+$")


def parse_archive(files: list[Path], root: Path, out: Parsed, ctx: ParseContext,
                  people: dict[str, Record]) -> None:
    """Parse the archive files given (all from one archive) into `out`."""
    by_stem: dict[str, list[tuple[str, Path]]] = {}
    ignored: list[str] = []
    for path in files:
        label = _label(path, root)
        match = ARCHIVE_FILE_NAME.match(path.name)
        stem = match["stem"] if match else path.stem
        if stem in ARCHIVE_FILES:
            by_stem.setdefault(stem, []).append((label, path))
        else:
            ignored.append(label)
    if ignored and len(files) == 1:
        raise SourceError(f"{ignored[0]}: an archive file rapport does not read; expected one of "
                          + ", ".join(f"{s}.js" for s in ARCHIVE_FILES))
    if ignored:
        out.notes.append("archive files not used: " + ", ".join(ignored))

    timeline = Timeline(out, people, ctx)
    owner = _owner(by_stem, out, timeline)
    tweets = list(_records(by_stem, ("tweets", "tweet"), out))
    if owner is None and tweets:
        owner = _owner_from_self_replies([t for _, _, t in tweets])
        if owner is None:
            raise SourceError(f"{tweets[0][0]}: the archive's owner is unknown (no account.js, and "
                              "no reply to one of its own tweets); expected the whole archive "
                              "folder with data/account.js")
        timeline.owner = owner
        out.notes.append(f"no account.js: the owner {owner} was found from replies to own tweets")
    for label, number, record in tweets:
        tweet = record.get("tweet", record) if isinstance(record, dict) else None
        if not isinstance(tweet, dict):
            out.reject(label, number, "interactions", "not a tweet record", record)
            continue
        timeline.add(tweet, timeline.person(owner), label, number)
    timeline.finish()
    unknown: Counter[str] = Counter()
    for stem, group in (("direct-messages", False), ("direct-messages-group", True)):
        for label, number, record in _records(by_stem, (stem,), out):
            _conversation(record, group, label, number, out, timeline, unknown)
    if unknown:
        out.notes.append("DM events not read (skipped): "
                         + ", ".join(f"{name} ×{n}" for name, n in sorted(unknown.items())))
    for stem in ("follower", "following"):
        for label, number, record in _records(by_stem, (stem,), out):
            _follow(record, stem, label, number, out, timeline)
    for label, number, record in _records(by_stem, ("like",), out):
        like = record.get("like") if isinstance(record, dict) else None
        tweet = like.get("tweetId") if isinstance(like, dict) else None
        out.reject(label, number, "interactions",
                   "no time: like.js does not say when a tweet was liked" if tweet
                   else "not a like record", record)


def _label(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or path.name
    except ValueError:
        return path.name


def _records(by_stem: dict[str, list[tuple[str, Path]]], stems: tuple[str, ...],
             out: Parsed) -> Iterator[tuple[str, int, Any]]:
    """(file label, record number from 1, record) of every file of these stems."""
    for stem in stems:
        for label, path in by_stem.get(stem, []):
            records = read_ytd(path, ARCHIVE_FILES[stem], label)
            out.rows_read += len(records)
            for number, record in enumerate(records, start=1):
                yield label, number, record


def _owner(by_stem: dict[str, list[tuple[str, Path]]], out: Parsed,
           timeline: Timeline) -> str | None:
    """The archive owner's account id from account.js (recorded as a person of ours)."""
    owner = None
    for label, number, record in _records(by_stem, ("account",), out):
        account = record.get("account") if isinstance(record, dict) else None
        if not isinstance(account, dict) or not account.get("accountId"):
            out.reject(label, number, "people", "account record without accountId", record)
            continue
        owner = timeline.owner = str(account["accountId"])
        timeline.person(owner, account.get("username"), account.get("accountDisplayName"))
    return owner


def _owner_from_self_replies(tweets: list[Any]) -> str | None:
    """The author of the archive's tweets, seen where one of them answers another."""
    records = [r.get("tweet", r) for r in tweets if isinstance(r, dict)]
    ids = {native_id(t) for t in records if isinstance(t, dict)}
    for t in records:
        if isinstance(t, dict) and native_id(t, "in_reply_to_status_id") in ids:
            return native_id(t, "in_reply_to_user_id")
    return None


def _conversation(record: Any, group: bool, label: str, number: int, out: Parsed,
                  timeline: Timeline, unknown: Counter[str]) -> None:
    """One DM conversation: its messages as dm rows, their reactions, notices skipped."""
    conversation = record.get("dmConversation") if isinstance(record, dict) else None
    if not isinstance(conversation, dict) or not conversation.get("conversationId"):
        out.reject(label, number, "interactions", "not a dmConversation record", record)
        return
    conversation_id = str(conversation["conversationId"])
    thread = f"{PLATFORM}:dm/{conversation_id}"
    pair = conversation_id.split("-") if not group and _ONE_TO_ONE.match(conversation_id) else []
    events = conversation.get("messages") or []
    out.rows_read += len(events) - 1  # the conversation counted once; each event counts
    for position, event in enumerate(events, start=1):
        message = event.get(DM_MESSAGE_EVENT) if isinstance(event, dict) else None
        if message is None:
            out.skipped += 1  # joins, leaves, renames: notices, not messages
            kinds = list(event) if isinstance(event, dict) else [type(event).__name__]
            unknown.update(k for k in kinds if k not in DM_NOTICE_EVENTS)
            continue
        where = f"message {position} of conversation {conversation_id}"
        actor = timeline.person(message.get("senderId"))
        if not actor or not message.get("id"):
            out.reject(label, number, "interactions", f"{where}: no senderId or id", event)
            continue
        try:
            occurred_at = from_iso(str(message.get("createdAt") or ""))
        except ValueError:
            reason = "no time" if not message.get("createdAt") else (
                f"createdAt {message.get('createdAt')!r} is not an ISO 8601 time with offset")
            out.reject(label, number, "interactions", f"{where}: {reason}", event)
            continue
        target = None
        if not group:
            target = timeline.person(message.get("recipientId")) or dm_target(
                [timeline.person(p) for p in pair], actor)
        row = message_row(PLATFORM, str(message["id"]), occurred_at, actor, "dm",
                          target_id=target, thread_id=thread, file=label, line=number)
        out.interactions.append(row)
        for reaction in message.get("reactions") or []:
            _reaction(reaction, row, where, label, number, out, timeline)


def _reaction(reaction: Any, message: Record, where: str, label: str, number: int,
              out: Parsed, timeline: Timeline) -> None:
    person = timeline.person(reaction.get("senderId")) if isinstance(reaction, dict) else None
    if not person or not reaction.get("reactionKey"):
        out.reject(label, number, "interactions", f"{where}: reaction without senderId or reactionKey",
                   reaction)
        return
    try:
        occurred_at = from_iso(str(reaction.get("createdAt") or ""))
    except ValueError:
        out.reject(label, number, "interactions", f"{where}: reaction with no usable time (createdAt)",
                   reaction)
        return
    out.interactions.append(reaction_row(message, person, str(reaction["reactionKey"]), occurred_at))


def _follow(record: Any, stem: str, label: str, number: int, out: Parsed,
            timeline: Timeline) -> None:
    """A follower or followed account: a person; the follow itself has no time, so it is rejected."""
    entry = record.get(stem) if isinstance(record, dict) else None
    account = native_id(entry, "accountId") if isinstance(entry, dict) else None
    if account is None:
        out.reject(label, number, "people", f"not a {stem} record (no accountId)", record)
        return
    timeline.person(account)
    who = f"{account} followed the owner" if stem == "follower" else f"the owner followed {account}"
    out.reject(label, number, "interactions", f"no time: {stem}.js does not say when {who}", record)
