"""Mattermost posts (perceval items or a raw `/posts` API response): one interaction per post.

Natural key: interaction_id `mattermost:<post id>` (post ids are unique on a server); people by
`mattermost:<user id>`.
Write semantics: append events by native id.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    add_person, dm_target, from_epoch, handle_tokens, mention_rows, message_row, pid,
    reaction_row,
)
from pipelines.sources.mattermost import helpers
from pipelines.sources.mattermost.settings import (
    AUTOMATED_PROPS, DIRECT, DIRECT_NAME_SEPARATOR, GROUP, MESSAGE_TYPES, PERCEVAL_BACKEND,
    PLATFORM, SYSTEM_PREFIX,
)

EXPECTED = ("Mattermost posts: perceval items (backend_name Mattermost) or a "
            "/channels/{id}/posts API response ({order, posts})")


class MattermostSource:
    """Mattermost posts as perceval fetches them, or as the REST API returns a channel page."""

    name = PLATFORM
    description = "Mattermost posts (perceval items or a /posts API response)"
    natural_key = "interaction_id"
    write = "append events by native id"

    def detect(self, path: Path) -> bool:
        return helpers.looks_like_posts(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        if not path.is_file():
            raise SourceError(f"{path.name}: expected a file of {EXPECTED}")
        parser = _Parser(path.name, ctx)
        posts = parser.posts(helpers.read_documents(path))
        parser.learn_people(posts)
        for line, post in posts:
            parser.post(line, post)
        return parser.finish()


def _channel_type(post: dict[str, Any]) -> str | None:
    channel = post.get("channel_data")
    return channel.get("type") if isinstance(channel, dict) else None


class _Parser:
    def __init__(self, file: str, ctx: ParseContext) -> None:
        self.file, self.ctx = file, ctx
        self.out = Parsed()
        self.people: dict[str, Record] = {}
        self.handles: dict[str, str] = {}  # lower-case username -> person_id
        self.members: dict[str, set[str]] = {}  # direct channel -> its two members
        self.unknown_types: dict[str, int] = {}
        self.reactions_missing = 0
        self.channel_type_unknown = 0

    def posts(self, documents: list[Any]) -> list[tuple[int, Any]]:
        """(record number, post) for every post of the file, envelopes unwrapped."""
        found: list[Any] = []
        for document in documents:
            if isinstance(document, list):
                found.extend(self.unwrap(item, len(found) + n) for n, item in enumerate(document, 1))
            elif isinstance(document, dict) and "backend_name" in document:
                found.append(self.unwrap(document, len(found) + 1))
            elif isinstance(document, dict) and isinstance(document.get("posts"), dict):
                found.extend(document["posts"].values())
            else:
                raise SourceError(f"{self.file}: expected {EXPECTED}")
        return list(enumerate(found, 1))

    def unwrap(self, item: Any, number: int) -> Any:
        if not isinstance(item, dict) or "data" not in item:
            return item  # rejected as a post later, with its number
        if item.get("backend_name") != PERCEVAL_BACKEND:
            raise SourceError(f"{self.file}: item {number} comes from perceval's "
                              f"{item.get('backend_name')!r} backend; expected {EXPECTED}")
        return item["data"]

    def learn_people(self, posts: list[tuple[int, Any]]) -> None:
        """Everyone the file describes, first: mentions may name people who post later."""
        for _, post in posts:
            if not isinstance(post, dict):
                continue
            user = post.get("user_data") if isinstance(post.get("user_data"), dict) else {}
            person = self.person(post.get("user_id"), user)
            if person and user.get("username"):
                self.handles[user["username"].lower()] = person
            channel = post.get("channel_data") if isinstance(post.get("channel_data"), dict) else {}
            if channel.get("type") == DIRECT and post.get("channel_id"):
                ids = str(channel.get("name") or "").split(DIRECT_NAME_SEPARATOR)
                members = {pid(PLATFORM, i) for i in ids if i} if len(ids) == 2 else set()
                self.members.setdefault(post["channel_id"], members).add(person)

    def person(self, native: Any, user: dict[str, Any]) -> str | None:
        handle = user.get("username") or None
        full = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        return add_person(self.out, self.people, PLATFORM, native, handle,
                          user.get("nickname") or full or handle,
                          self.ctx.is_ours(PLATFORM, native, handle))

    def finish(self) -> Parsed:
        notes = self.out.notes
        for kind, count in sorted(self.unknown_types.items()):
            notes.append(f"{count} post(s) of unknown type {kind!r} counted as skipped")
        if self.reactions_missing:
            notes.append(f"{self.reactions_missing} post(s) say they have reactions but the file "
                         "does not list them (metadata.reactions): those reactions are not loaded")
        if self.channel_type_unknown:
            notes.append(f"{self.channel_type_unknown} post(s) carry no channel_data: read as "
                         "posts in a channel (direct messages cannot be told apart)")
        return self.out

    def post(self, line: int, post: Any) -> None:
        out = self.out
        out.rows_read += 1
        if not isinstance(post, dict):
            out.reject(self.file, line, "interactions", "post is not a JSON object", post)
            return
        post_type = post.get("type") or ""
        if post_type.startswith(SYSTEM_PREFIX) or post.get("delete_at"):
            out.skipped += 1
            return
        if post_type not in MESSAGE_TYPES:
            self.unknown_types[post_type] = self.unknown_types.get(post_type, 0) + 1
            out.skipped += 1
            return
        created = post.get("create_at")
        if isinstance(created, bool) or not isinstance(created, int) or created <= 0:
            out.reject(self.file, line, "interactions",
                       f"no usable time: create_at {created!r} is not epoch milliseconds", post)
            return
        if not post.get("id") or not post.get("user_id"):
            out.reject(self.file, line, "interactions", "post without an id or a user_id", post)
            return
        actor = pid(PLATFORM, post["user_id"])
        channel_type = _channel_type(post)
        if channel_type is None:
            self.channel_type_unknown += 1
        root = post.get("root_id") or None
        if channel_type in (DIRECT, GROUP):
            kind, thread = "dm", post.get("channel_id")
            target = (dm_target(self.members.get(post.get("channel_id"), set()), actor)
                      if channel_type == DIRECT else None)
        elif root:
            # root_id names the thread, not the post answered: the loader infers the target.
            kind, thread, target = "reply", root, None
        else:
            kind, thread, target = "post", post["id"], None
        props = post.get("props") if isinstance(post.get("props"), dict) else {}
        user = post.get("user_data") if isinstance(post.get("user_data"), dict) else {}
        automated = any(str(props.get(k)).lower() == "true" for k in AUTOMATED_PROPS) or bool(
            user.get("is_bot"))
        row = message_row(PLATFORM, post["id"], from_epoch(created, "ms"), actor, kind,
                          target_id=target, thread_id=pid(PLATFORM, thread),
                          automated=automated, file=self.file, line=line)
        out.interactions.append(row)
        mentioned = [self.handles.get(h.lower()) for h in handle_tokens(post.get("message"))]
        out.interactions.extend(mention_rows(row, mentioned))
        self.reactions(row, post, line)

    def reactions(self, row: Record, post: dict[str, Any], line: int) -> None:
        metadata = post.get("metadata") if isinstance(post.get("metadata"), dict) else {}
        reactions = metadata.get("reactions")
        if not isinstance(reactions, list):
            self.reactions_missing += bool(post.get("has_reactions"))
            return
        for reaction in reactions:
            if not (isinstance(reaction, dict) and reaction.get("user_id")
                    and reaction.get("emoji_name")):
                self.out.reject(self.file, line, "interactions",
                                "reaction without a user_id or an emoji_name", reaction)
                continue
            stamp = reaction.get("create_at")
            when = from_epoch(stamp, "ms") if isinstance(stamp, int) and stamp > 0 else None
            person = self.person(reaction["user_id"], {})
            self.out.interactions.append(reaction_row(row, person, reaction["emoji_name"], when))


SOURCE = MattermostSource()
