"""The Mastodon account archive (ActivityPub JSON): outbox.json, actor.json, likes.json.

Statuses are named by their ActivityPub URI (`mastodon:<uri>`), since `inReplyTo` points at any
server's URI (Misskey `/notes/…`, Pleroma `/objects/…`, GoToSocial ULIDs). The thread is the
root of the status's `conversation` when that root is in the archive, else the top of its reply
chain as far as the archive shows it.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipelines.records import Parsed
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    dm_target, from_iso, mention_rows, message_row, pid, reply_chain_roots,
)
from pipelines.sources.mastodon import helpers
from pipelines.sources.mastodon import settings as S
from pipelines.sources.mastodon.accounts import Accounts

EXPECTED = "a Mastodon archive file (outbox.json, actor.json or likes.json, ActivityPub JSON)"


def _audience(activity: dict, obj: dict) -> set[str]:
    found: set[str] = set()
    for holder in (activity, obj):
        for key in ("to", "cc"):
            value = holder.get(key)
            found.update([value] if isinstance(value, str) else value or [])
    return found


def kind_of(document: Any) -> str | None:
    """outbox, likes, bookmarks or actor for an archive document, else None."""
    if not isinstance(document, dict):
        return None
    if document.get("preferredUsername") and document.get("id"):
        return "actor"
    items = document.get("orderedItems")
    if document.get("type") != "OrderedCollection" or not isinstance(items, list):
        return None
    name = str(document.get("id") or "")
    if name.endswith(S.LIKES):
        return "likes"
    if name.endswith(S.BOOKMARKS):
        return "bookmarks"
    return "outbox"


class Archive:
    """One archive (a folder, or one of its files with its siblings) mapped to rows."""

    def __init__(self, folder: Path, ctx: ParseContext, out: Parsed):
        self.folder, self.ctx, self.out = folder, ctx, out
        self.owner_uri: str | None = None
        self.followers: set[str] = set()
        self.accounts = Accounts(out, ctx)
        self.owner_automated = False

    def load_owner(self, actor: Any, file: str, read: bool = True) -> None:
        """The archive's owner, from actor.json: ours by definition."""
        if kind_of(actor) != "actor":
            raise SourceError(f"{file}: not an ActivityPub actor; expected {EXPECTED}")
        self.out.rows_read += int(read)
        self.owner_uri = str(actor["id"])
        self.accounts.owner_uris.add(self.owner_uri)
        self.followers = {str(actor.get("followers") or f"{self.owner_uri}/followers")}
        self.owner_automated = actor.get("type") == "Service"  # ActivityPub's bot accounts
        host = urlparse(self.owner_uri).netloc
        self.accounts.name_actor(self.owner_uri, f"{actor['preferredUsername']}@{host}")
        self.accounts.actor(self.owner_uri, actor.get("name"))

    def load(self, name: str, document: Any) -> None:
        """One archive document by its kind."""
        kind = kind_of(document)
        if kind is None:
            raise SourceError(f"{name}: not a Mastodon archive file; expected {EXPECTED}")
        if kind == "actor":
            self.load_owner(document, name)
        elif kind == "outbox":
            self._outbox(name, document)
        elif kind == "likes":
            self._likes(name, document["orderedItems"])
        else:
            self.out.rows_read += len(document["orderedItems"])
            self.out.skipped += len(document["orderedItems"])
            self.out.notes.append(f"{name}: {len(document['orderedItems'])} bookmarks are "
                                  "private and address nobody: not interactions")

    def owner_sibling(self, read: bool = False) -> None:
        """Read actor.json beside an archive file (or in the archive folder) for the owner."""
        actor = helpers.archive_file(self.folder, S.ACTOR)
        if actor is not None:
            self.load_owner(actor, S.ACTOR, read=read)

    # -- likes --------------------------------------------------------------------------------
    def _likes(self, name: str, uris: list) -> None:
        """likes.json lists liked URIs without times: each is quarantined, never dated."""
        for number, uri in enumerate(uris, start=1):
            self.out.rows_read += 1
            self.out.reject(name, number, "interactions",
                            f"like of {uri} has no time (likes.json lists only the liked "
                            "objects' URIs)", uri)

    # -- outbox -------------------------------------------------------------------------------
    def _outbox(self, name: str, outbox: dict) -> None:
        items = outbox["orderedItems"]
        total = outbox.get("totalItems")
        if total is not None and total != len(items):
            self.out.notes.append(f"{name}: totalItems says {total} but {len(items)} activities "
                                  "are in the file (an excerpt or a partial archive): loading "
                                  f"the {len(items)}")
        notes = [(n, a, a.get("object")) for n, a in enumerate(items, start=1)
                 if isinstance(a, dict) and a.get("type") == "Create"
                 and isinstance(a.get("object"), dict)
                 and a["object"].get("type") in S.MESSAGE_OBJECTS and a["object"].get("id")]
        self._index(notes)
        messages = {n for n, _a, _o in notes}
        other: Counter[str] = Counter()
        for number, activity in enumerate(items, start=1):
            self.out.rows_read += 1
            kind = activity.get("type") if isinstance(activity, dict) else None
            if number in messages:
                self._note(name, number, activity, activity["object"])
            elif kind == "Announce":
                self._announce(name, number, activity)
            elif not isinstance(activity, dict):
                self.out.reject(name, number, "interactions",
                                f"activity {number} is not a JSON object", activity)
            else:
                other[str(kind)] += 1
                self.out.skipped += 1
        if other:
            listed = ", ".join(f"{k} {v}" for k, v in sorted(other.items()))
            self.out.notes.append(f"{name}: activities that are not messages skipped: {listed}")

    def _index(self, notes: list[tuple[int, dict, dict]]) -> None:
        """Authors, parents and conversation roots of every status in the outbox."""
        self.author: dict[str, str] = {}
        parent_of: dict[str, str | None] = {}
        conversation_root: dict[str, str] = {}
        for _number, activity, obj in notes:
            for tag in obj.get("tag") or []:
                if isinstance(tag, dict) and tag.get("type") == "Mention" and tag.get("href"):
                    self.accounts.name_actor(str(tag["href"]), tag.get("name"))
            oid = str(obj["id"])
            self.author[oid] = self.accounts.actor(str(obj.get("attributedTo")
                                                       or activity.get("actor")))
            parent_of[oid] = str(obj["inReplyTo"]) if obj.get("inReplyTo") else None
            if parent_of[oid] is None and obj.get("conversation"):
                conversation_root.setdefault(str(obj["conversation"]), oid)
        chain_roots = reply_chain_roots(parent_of)
        self.thread: dict[str, str] = {}
        for _number, _activity, obj in notes:
            oid = str(obj["id"])
            root = conversation_root.get(str(obj.get("conversation") or ""))
            self.thread[oid] = root or chain_roots.get(oid, oid)

    def _note(self, name: str, number: int, activity: dict, obj: dict) -> None:
        oid = str(obj["id"])
        try:
            occurred_at = from_iso(str(obj.get("published") or activity.get("published") or ""))
        except ValueError:
            self.out.reject(name, number, "interactions",
                            f"status {oid}: published {obj.get('published')!r} is not an ISO "
                            "8601 time with an offset", activity)
            return
        actor = self.author[oid]
        row = message_row(S.PLATFORM, oid, occurred_at, actor, "post",
                          thread_id=pid(S.PLATFORM, self.thread[oid]),
                          automated=self.owner_automated and actor in self.out.owners,
                          file=name, line=number)
        hrefs = [str(t["href"]) for t in obj.get("tag") or []
                 if isinstance(t, dict) and t.get("type") == "Mention" and t.get("href")]
        mentioned = [self.accounts.actor(h) for h in hrefs]
        parent = obj.get("inReplyTo")
        if parent:
            row.update(kind="reply", in_reply_to=pid(S.PLATFORM, str(parent)),
                       target_id=self._parent_author(str(parent), hrefs))
        audience = _audience(activity, obj)
        if not audience & S.PUBLIC and not audience & self.followers:
            row.update(kind="dm", target_id=dm_target([actor, *mentioned], actor)
                       or row["target_id"])
        self.out.interactions.extend([row, *mention_rows(row, mentioned)])

    def _parent_author(self, parent: str, hrefs: list[str]) -> str | None:
        """The answered status's author: known when it is in the archive, or when its URI
        lies under a mentioned actor's URI (Mastodon and GoToSocial: `<actor>/statuses/<id>`)."""
        if parent in self.author:
            return self.author[parent]
        for href in hrefs:
            if parent.startswith(href.rstrip("/") + "/"):
                return self.accounts.actor(href)
        return None

    def _announce(self, name: str, number: int, activity: dict) -> None:
        """A boost: a share of the boosted status, never a message of its own."""
        obj = activity.get("object")
        object_id = obj.get("id") if isinstance(obj, dict) else obj
        actor_uri = activity.get("actor")
        try:
            occurred_at = from_iso(str(activity.get("published") or ""))
        except ValueError:
            self.out.reject(name, number, "interactions",
                            f"boost {activity.get('id')}: published {activity.get('published')!r}"
                            " is not an ISO 8601 time with an offset", activity)
            return
        if not object_id or not actor_uri:
            self.out.reject(name, number, "interactions",
                            "boost without the boosted object or the actor", activity)
            return
        actor = self.accounts.actor(str(actor_uri))
        if isinstance(obj, dict) and obj.get("attributedTo"):
            target: str | None = self.accounts.actor(str(obj["attributedTo"]))
        else:  # the boosted status's author is addressed in cc
            addressed = [u for u in _audience(activity, {}) if u not in S.PUBLIC]
            target = self._parent_author(str(object_id), addressed)
        row = message_row(S.PLATFORM, f"{object_id}/share/{actor.split(':', 1)[1]}",
                          occurred_at, actor, "share", target_id=target,
                          in_reply_to=pid(S.PLATFORM, str(object_id)), file=name, line=number)
        self.out.interactions.append(row)
