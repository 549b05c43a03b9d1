"""Meetup: events, event comments and RSVPs from the API (v2/v3 JSON) and perceval items.

Natural keys: interactions `meetup:event/<event id>` and `meetup:comment/<comment id>` (events
and comments are numbered apart); people `meetup:<member id>`, and the group itself
`meetup:group/<group id>` when it posts an event with no host. Write semantics: append events,
upserted on the natural key.

An event is a post rooting its thread (thread_id = its id), by its first host (else the
group), at `created` (when it was announced; `time` is when it takes place). Comments are
comments in the event's thread; they name only the thread, so target stays empty for the
loader's inference, unless a reply names its parent comment (`in_reply_to`). Times are epoch
milliseconds; an event's `utc_offset` (milliseconds too) gives its local offset. RSVPs are
attendance, not conversation: their members become people and the RSVPs are counted as
skipped with a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import FunctionSource, ParseContext, SourceError
from pipelines.sources.common import (
    add_person, export_files, from_epoch, handle_tokens, head, mention_rows, message_row,
    parse_files, perceval_backend, pid, read_export_json, unwrap_perceval,
)
from pipelines.sources.meetup import settings as S

EXPECTED = ("Meetup API JSON (a list of events, of event comments or of RSVPs) or perceval "
            "Meetup items")


def epoch_ms(value: Any, offset_ms: Any = None) -> datetime:
    """An epoch-milliseconds time, in the event's local offset when one is given (same instant)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        raise ValueError(f"time {value!r} is not epoch milliseconds")
    moment = from_epoch(value, "ms")
    if isinstance(offset_ms, (int, float)) and not isinstance(offset_ms, bool) \
            and abs(offset_ms) <= S.MAX_OFFSET_MS:
        moment = moment.astimezone(timezone(timedelta(milliseconds=offset_ms)))
    return moment


def shape(record: Any) -> str | None:
    """event, comment or rsvp for one Meetup API record."""
    if not isinstance(record, dict):
        return None
    if "response" in record and "member" in record:
        return "rsvp"
    if "comment" in record and "member" in record:
        return "comment"
    if "group" in record and ("time" in record or "event_hosts" in record):
        return "event"
    return None


@dataclass
class _Item:
    number: int
    kind: str | None
    record: Any
    event_id: str | None = None  # the enclosing event, for embedded comments and RSVPs
    parent: str | None = None  # the comment a reply answers


class _Export:
    """One Meetup file mapped to rows."""

    def __init__(self, path: Path, ctx: ParseContext):
        self.path, self.ctx, self.out = path, ctx, Parsed()
        self.people: dict[str, Record] = {}
        self.names: dict[str, str] = {}  # member name without spaces, lower case -> person_id
        self.comment_author: dict[str, str] = {}
        self.rsvps = 0
        self.likes = 0

    def member(self, member: Any) -> str | None:
        if not isinstance(member, dict) or member.get("id") in (None, ""):
            return None
        name = member.get("name")
        ours = self.ctx.is_ours(S.PLATFORM, str(member["id"]), name)
        person = add_person(self.out, self.people, S.PLATFORM, str(member["id"]), None, name, ours)
        if name:
            self.names.setdefault("".join(str(name).split()).lower(), person)
        return person

    def group(self, group: Any) -> str | None:
        if not isinstance(group, dict) or group.get("id") in (None, ""):
            return None
        ours = self.ctx.is_ours(S.PLATFORM, group.get("urlname"), str(group["id"]),
                                group.get("name"))
        return add_person(self.out, self.people, S.PLATFORM, S.GROUP_ID.format(group["id"]),
                          group.get("urlname"), group.get("name"), ours)

    # -- reading ------------------------------------------------------------------------------
    def items(self, document: Any) -> list[_Item]:
        """Every event, comment (replies included) and RSVP, embedded ones after their event."""
        if isinstance(document, list) and document and isinstance(document[0], dict) \
                and "backend_name" in document[0]:
            records = [(n, data) for n, _c, data in unwrap_perceval(document, self.path,
                                                                    S.PERCEVAL_BACKEND)]
        elif isinstance(document, list):
            records = list(enumerate(document, start=1))
        else:
            raise SourceError(f"{self.path.name}: not a Meetup export; expected {EXPECTED}")
        kinds = {shape(r) for _n, r in records} - {None}
        if records and not kinds:
            raise SourceError(f"{self.path.name}: no Meetup event, comment or RSVP found; "
                              f"expected {EXPECTED}")
        items: list[_Item] = []
        for number, record in records:
            items.append(_Item(number, shape(record), record))
            if shape(record) != "event":
                items.extend(self._replies(number, record, None))
                continue
            event_id = str(record.get("id")) if record.get("id") not in (None, "") else None
            for comment in record.get("comments") or []:
                items.append(_Item(number, "comment", comment, event_id))
                items.extend(self._replies(number, comment, event_id))
            for rsvp in record.get("rsvps") or []:
                items.append(_Item(number, "rsvp", rsvp, event_id))
        return items

    def _replies(self, number: int, comment: Any, event_id: str | None) -> list[_Item]:
        if not isinstance(comment, dict):
            return []
        found = []
        for reply in comment.get("replies") or []:
            parent = reply.get("in_reply_to") if isinstance(reply, dict) else None
            found.append(_Item(number, "comment", reply, event_id,
                               str(parent if parent not in (None, "") else comment.get("id"))))
            found.extend(self._replies(number, reply, event_id))
        return found

    # -- mapping ------------------------------------------------------------------------------
    def parse(self, document: Any) -> Parsed:
        items = self.items(document)
        for item in items:  # people first: @name tokens match anyone seen in the export
            if isinstance(item.record, dict):
                self.member(item.record.get("member"))
                for host in item.record.get("event_hosts") or []:
                    self.member(host)
                if item.kind == "comment" and item.record.get("id") not in (None, ""):
                    author = self.member(item.record.get("member"))
                    if author:
                        self.comment_author[str(item.record["id"])] = author
        for item in items:
            self.out.rows_read += 1
            if item.kind == "event":
                self._event(item)
            elif item.kind == "comment":
                self._comment(item)
            elif item.kind == "rsvp":
                self.rsvps += 1
                self.out.skipped += 1
            else:
                self._reject(item, "neither a Meetup event, comment nor RSVP")
        if self.rsvps:
            self.out.notes.append(f"{self.path.name}: {self.rsvps} RSVPs are attendance, not "
                                  "conversation: their members are people, the RSVPs skipped")
        if self.likes:
            self.out.notes.append(f"{self.path.name}: {self.likes} comment likes counted "
                                  "without who liked: not loaded")
        return self.out

    def _reject(self, item: _Item, reason: str) -> None:
        self.out.reject(self.path.name, item.number, "interactions", reason, item.record)

    def _event(self, item: _Item) -> None:
        event = item.record
        if event.get("id") in (None, ""):
            return self._reject(item, "event without an id")
        hosts = [self.member(h) for h in event.get("event_hosts") or []]
        actor = next((h for h in hosts if h), None) or self.group(event.get("group"))
        if actor is None:
            return self._reject(item, f"event {event['id']} has neither a host nor a group")
        try:
            occurred_at = epoch_ms(event.get("created"), event.get("utc_offset"))
        except (ValueError, OverflowError, OSError):
            return self._reject(item, f"event {event['id']}: created {event.get('created')!r} "
                                      "is not epoch milliseconds")
        native = S.EVENT_ID.format(event["id"])
        row = message_row(S.PLATFORM, native, occurred_at, actor, "post",
                          thread_id=pid(S.PLATFORM, native), file=self.path.name,
                          line=item.number)
        text = event.get("plain_text_description") or event.get("description")
        self.out.interactions.extend([row, *mention_rows(row, self._mentioned(text))])

    def _comment(self, item: _Item) -> None:
        comment = item.record
        if not isinstance(comment, dict) or comment.get("id") in (None, ""):
            return self._reject(item, "comment without an id")
        actor = self.member(comment.get("member"))
        if actor is None:
            return self._reject(item, f"comment {comment['id']} has no member")
        try:
            occurred_at = epoch_ms(comment.get("created"))
        except (ValueError, OverflowError, OSError):
            return self._reject(item, f"comment {comment['id']}: created "
                                      f"{comment.get('created')!r} is not epoch milliseconds")
        event_id = item.event_id
        if event_id is None:
            found = S.COMMENT_LINK_EVENT.search(str(comment.get("link") or ""))
            event_id = found.group(1) if found else None
        thread = pid(S.PLATFORM, S.EVENT_ID.format(event_id)) if event_id else None
        row = message_row(S.PLATFORM, S.COMMENT_ID.format(comment["id"]), occurred_at, actor,
                          "comment", thread_id=thread, file=self.path.name, line=item.number)
        if item.parent is not None:
            row["in_reply_to"] = pid(S.PLATFORM, S.COMMENT_ID.format(item.parent))
            row["target_id"] = self.comment_author.get(item.parent)
        self.likes += int(comment.get("like_count") or 0)
        mentioned = self._mentioned(comment.get("comment"))
        self.out.interactions.extend([row, *mention_rows(row, mentioned)])

    def _mentioned(self, text: Any) -> list[str]:
        """Members named by `@name` in plain text (names compared without spaces)."""
        if not isinstance(text, str):
            return []
        return [self.names[t.lower()] for t in handle_tokens(text) if t.lower() in self.names]


def parse(path: Path, ctx: ParseContext) -> Parsed:
    """Every event and comment of a Meetup file, or of a folder of them."""
    if path.is_dir():
        return parse_files(path, export_files(path, detect), lambda p: parse(p, ctx))
    return _Export(path, ctx).parse(read_export_json(path, EXPECTED))


def detect(path: Path) -> bool:
    """A JSON list of Meetup events, comments or RSVPs, perceval Meetup items, or a folder."""
    if path.is_dir():
        return bool(export_files(path, detect))
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    text = head(path, S.HEAD_BYTES)
    backend = perceval_backend(text)
    if backend is not None:
        return backend.lower() == S.PERCEVAL_BACKEND.lower()
    return (text.lstrip().startswith("[") and any(h in text for h in S.HOST_MARKERS)
            and any(m in text for m in S.RECORD_MARKERS))


SOURCE = FunctionSource(
    S.PLATFORM,
    "Meetup events, comments and RSVPs (API JSON or perceval items)",
    detect, parse,
)
