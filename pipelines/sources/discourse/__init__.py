"""Discourse: topics from the API (`/t/{id}.json`, `/t/{id}/posts.json`) and perceval items.

Natural keys: interactions `discourse:<post id>`, people `discourse:<username in lower case>`
(Discourse usernames are unique per forum and case-insensitive; mentions and
`reply_to_user` name people only by username). Write semantics: append events, upserted on the
natural key, so a topic loaded twice, or fetched again with new posts, adds only what is new.

A topic's first post is a post rooting the thread (thread_id = its id); every other post is a
comment in that thread. `reply_to_post_number` is a position in the topic, resolved to the
answered post's id (in_reply_to) and author (target); a post without it names only the thread,
so target stays empty for the loader's inference. Topic lists (`/latest.json`) are indexes:
detected, nothing loaded, their topics counted as skipped with a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import FunctionSource, ParseContext, SourceError
from pipelines.sources.common import (
    add_person, export_files, from_iso, head, mention_rows, parse_files, perceval_backend, pid,
    read_export_json, unwrap_perceval,
)
from pipelines.sources.discourse import settings as S

EXPECTED = ("a Discourse topic (/t/{id}.json with post_stream), a topic list (/latest.json) "
            "or perceval Discourse items")


class _MentionLinks(HTMLParser):
    """Usernames of `<a class="mention">` links in cooked HTML (group mentions excluded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.usernames: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = dict(attrs)
        if "mention" not in (values.get("class") or "").split():
            return
        found = S.MENTION_HREF.search(values.get("href") or "")
        if found:
            self.usernames.append(found.group(1))


def mentioned_usernames(cooked: str | None) -> list[str]:
    """Usernames that a post's cooked HTML mentions, in order."""
    if not cooked:
        return []
    parser = _MentionLinks()
    parser.feed(cooked)
    return parser.usernames


def _position(value: Any) -> int | None:
    """A post_number as an int (None when it is not a whole number)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value) if float(value) == int(value) else None
    except (TypeError, ValueError):
        return None


@dataclass
class _Post:
    number: int  # record number in the file, counting posts in file order
    topic: dict[str, Any]
    raw: Any


def _topics(document: Any, path: Path, out: Parsed) -> list[tuple[int | None, dict]]:
    """The topics of a document with the perceval item number they came in (None when bare)."""
    if isinstance(document, list):
        topics = []
        for number, _category, data in unwrap_perceval(document, path, S.PERCEVAL_BACKEND):
            if isinstance(data, dict) and isinstance(data.get("post_stream"), dict):
                topics.append((number, data))
            else:
                out.rows_read += 1
                out.reject(path.name, number, "interactions", f"perceval item {number} is not "
                           "a Discourse topic (no post_stream)", data)
        return topics
    if isinstance(document, dict) and isinstance(document.get("post_stream"), dict):
        return [(None, document)]
    raise SourceError(f"{path.name}: not a Discourse export; expected {EXPECTED}")


def _index(document: dict, path: Path, out: Parsed) -> Parsed:
    """A topic list: an index of topics, not messages; nothing loads."""
    topics = document["topic_list"].get("topics")
    if not isinstance(topics, list):
        raise SourceError(f"{path.name}: topic_list without a topics list; expected {EXPECTED}")
    ids = sorted(str(t.get("id")) for t in topics if isinstance(t, dict))
    out.rows_read = out.skipped = len(topics)
    out.notes.append(
        f"{path.name}: a topic list (an index, not messages): {len(topics)} topics listed "
        f"({', '.join(ids)}); nothing loaded. Load each topic's /t/{{id}}.json instead.")
    return out


def _stream_note(path: Path, topic: dict, embedded: list[Any]) -> str | None:
    """A note when post_stream.stream lists posts that the response does not embed."""
    stream = topic["post_stream"].get("stream") or []
    ids = {p.get("id") for p in embedded if isinstance(p, dict)}
    missing = [post_id for post_id in stream if post_id not in ids]
    if not missing:
        return None
    return (f"{path.name}: topic {topic.get('id')}: posts_count {topic.get('posts_count')}, "
            f"{len(embedded)} posts embedded; post_stream.stream ids not embedded: "
            f"{', '.join(map(str, missing))} (fetch them with "
            f"/t/{topic.get('id')}/posts.json?post_ids[]=...)")


def parse(path: Path, ctx: ParseContext) -> Parsed:
    """Every post of every topic in a Discourse file, or in a folder of them."""
    if path.is_dir():
        return parse_files(path, export_files(path, detect), lambda p: parse(p, ctx))
    out = Parsed()
    document = read_export_json(path, EXPECTED)
    if isinstance(document, dict) and isinstance(document.get("topic_list"), dict):
        return _index(document, path, out)
    posts: list[_Post] = []
    for _item, topic in _topics(document, path, out):
        embedded = topic["post_stream"].get("posts")
        if not isinstance(embedded, list):
            raise SourceError(f"{path.name}: topic {topic.get('id')}: post_stream.posts is not a "
                              f"list; expected {EXPECTED}")
        for raw in embedded:
            posts.append(_Post(len(posts) + 1, topic, raw))
        note = _stream_note(path, topic, embedded)
        if note:
            out.notes.append(note)
    _Topic(path, ctx, out, posts).map()
    return out


class _Topic:
    """The posts of one file, mapped with what the whole file tells about positions and roots."""

    def __init__(self, path: Path, ctx: ParseContext, out: Parsed, posts: list[_Post]) -> None:
        self.path, self.ctx, self.out, self.posts = path, ctx, out, posts
        self.people: dict[str, Record] = {}
        self.by_position: dict[tuple[str, int], tuple[str, str | None]] = {}
        self.roots: dict[str, str | None] = {}
        self.likes = 0
        self.unresolved: list[str] = []
        for post in posts:
            self._index(post)
        for post in posts:  # first post not embedded: the stream is ordered by post_number
            stream = post.topic["post_stream"].get("stream") or []
            first = pid(S.PLATFORM, stream[0]) if stream else None
            self.roots.setdefault(str(post.topic.get("id")), first)

    def _topic_id(self, post: _Post) -> str:
        return str(post.raw.get("topic_id") or post.topic.get("id"))

    def _index(self, post: _Post) -> None:
        raw = post.raw
        number = _position(raw.get("post_number")) if isinstance(raw, dict) else None
        if number is None or raw.get("id") is None:
            return
        topic, post_id = self._topic_id(post), pid(S.PLATFORM, raw["id"])
        author = pid(S.PLATFORM, str(raw["username"]).lower()) if raw.get("username") else None
        self.by_position[(topic, number)] = (post_id, author)
        if number == 1:
            self.roots[topic] = post_id

    def person(self, username: str, user_id: Any = None, name: str | None = None) -> str:
        ours = self.ctx.is_ours(S.PLATFORM, username, username.lower(),
                                None if user_id is None else str(user_id))
        return add_person(self.out, self.people, S.PLATFORM, username.lower(), username,
                          name or None, ours)

    def map(self) -> None:
        for post in self.posts:
            self.out.rows_read += 1
            rows = self._rows(post)
            self.out.interactions.extend(rows)
        if self.likes:
            self.out.notes.append(
                f"{self.path.name}: {self.likes} likes counted on posts without who liked: "
                "not loaded (a reaction needs its person)")
        if self.unresolved:
            self.out.notes.append(
                f"{self.path.name}: reply_to_post_number of posts {', '.join(self.unresolved)} "
                "points at posts not in the file: in_reply_to left empty, target from "
                "reply_to_user")

    def _reject(self, post: _Post, reason: str) -> list[Record]:
        where = f"topic {post.topic.get('id')}, post {post.number}"
        self.out.reject(self.path.name, post.number, "interactions", f"{where}: {reason}", post.raw)
        return []

    def _rows(self, post: _Post) -> list[Record]:
        raw = post.raw
        if not isinstance(raw, dict):
            return self._reject(post, "a post must be a JSON object")
        if raw.get("deleted_at") or raw.get("user_deleted"):
            self.out.skipped += 1  # a tombstone: its replies keep their thread
            return []
        if raw.get("post_type") == S.SMALL_ACTION or raw.get("action_code"):
            self.out.skipped += 1  # a system notice (closed, pinned, split, ...)
            return []
        number = _position(raw.get("post_number"))
        if raw.get("id") is None or number is None:
            return self._reject(post, "post without an id or a whole post_number")
        if not raw.get("username"):
            return self._reject(post, f"post {raw['id']} has no username")
        try:
            occurred_at = from_iso(str(raw.get("created_at") or ""))
        except ValueError:
            return self._reject(post, f"post {raw['id']}: created_at {raw.get('created_at')!r} "
                                      "is not an ISO 8601 time with an offset")
        actor = self.person(raw["username"], raw.get("user_id"),
                            raw.get("name") or raw.get("display_username"))
        topic, message_id = self._topic_id(post), pid(S.PLATFORM, raw["id"])
        row: Record = {
            "interaction_id": message_id, "platform": S.PLATFORM, "occurred_at": occurred_at,
            "actor_id": actor, "target_id": None, "kind": "comment",
            "thread_id": self.roots.get(topic), "in_reply_to": None,
            "automated": (_position(raw.get("user_id")) or 0) < S.AUTOMATED_BELOW_USER_ID,
            "_file": self.path.name, "_line": post.number,
        }
        if number == 1:
            row.update(kind="post", thread_id=message_id)
        elif raw.get("reply_to_post_number") is not None:
            self._answer(row, topic, raw)
        self.likes += sum(int(a.get("count") or 0) for a in raw.get("actions_summary") or []
                          if isinstance(a, dict) and a.get("id") == S.LIKE_ACTION_ID)
        mentioned = [self.person(name) for name in mentioned_usernames(raw.get("cooked"))]
        return [row, *mention_rows(row, mentioned)]

    def _answer(self, row: Record, topic: str, raw: dict) -> None:
        """in_reply_to and target of a post that names the post it answers by its position."""
        parent = self.by_position.get((topic, _position(raw["reply_to_post_number"])))
        if parent is not None:
            row["in_reply_to"], row["target_id"] = parent
            return
        self.unresolved.append(f"{raw['id']} (#{raw['reply_to_post_number']})")
        replied = raw.get("reply_to_user") or {}
        if replied.get("username"):
            row["target_id"] = self.person(replied["username"])


def detect(path: Path) -> bool:
    """A Discourse topic, topic list or perceval Discourse items, or a folder of them."""
    if path.is_dir():
        return bool(export_files(path, detect))
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    text = head(path, S.HEAD_BYTES)
    backend = perceval_backend(text)
    if backend is not None:
        return backend.lower() == S.PERCEVAL_BACKEND.lower()
    return text.lstrip().startswith("{") and any(marker in text for marker in S.HEAD_MARKERS)


SOURCE = FunctionSource(
    S.PLATFORM,
    "Discourse topics (API JSON or perceval items): posts, comments, mentions",
    detect, parse,
)
