"""Mastodon: the account archive (ActivityPub JSON) and REST API v1 responses.

Natural keys: interactions `mastodon:<status URI>` in the archive and `mastodon:<status id>` from
the API (see README: the archive knows only URIs, the API's in_reply_to_id only local ids);
people `mastodon:<user@domain in lower case>` in both. Write semantics: append events, upserted
on the natural key (a status seen again, in another timeline or edited, replaces its row).

A status is a post, a reply (`inReplyTo` / `in_reply_to_id`: an explicit parent, whose author is
the target when known) or a dm (direct visibility; in a two-person exchange the other person is
the target). Mention tags add mention rows; a boost is a share. Likes and account lists carry no
time, so they are quarantined with that reason, never dated.
"""
from __future__ import annotations

from pathlib import Path

from pipelines.records import Parsed
from pipelines.sources.base import FunctionSource, ParseContext, SourceError
from pipelines.sources.common import (
    export_files, head, parse_files, read_export_json,
)
from pipelines.sources.mastodon import settings as S
from pipelines.sources.mastodon.api import ApiFile
from pipelines.sources.mastodon.archive import Archive, kind_of

EXPECTED = ("a Mastodon archive (a folder with outbox.json and actor.json, or one of its files) "
            "or Mastodon REST API JSON (statuses, conversations, notifications, accounts)")


def _is_archive_file(path: Path) -> bool:
    text = head(path, S.HEAD_BYTES)
    return S.ACTIVITYSTREAMS in text and ('"orderedItems"' in text or '"preferredUsername"' in text)


def _is_api_file(path: Path) -> bool:
    text = head(path, S.HEAD_BYTES).lstrip()
    return text[:1] in ("[", "{") and '"acct"' in text and '"backend_name"' not in text


def _is_archive_folder(path: Path) -> bool:
    return any((path / n).is_file() and _is_archive_file(path / n) for n in (S.OUTBOX, S.ACTOR))


def detect(path: Path) -> bool:
    """An archive (folder or file), a Mastodon API response, or a folder of them."""
    if path.is_dir():
        return _is_archive_folder(path) or bool(export_files(path, detect))
    if path.suffix.lower() != ".json":
        return False
    return _is_archive_file(path) or _is_api_file(path)


def parse(path: Path, ctx: ParseContext) -> Parsed:
    """Every status, boost and like of an archive or API response, as canonical rows."""
    if path.is_dir() and not _is_archive_folder(path):
        return parse_files(path, export_files(path, detect), lambda p: parse(p, ctx))
    out = Parsed()
    if path.is_dir():
        archive = Archive(path, ctx, out)
        archive.owner_sibling(read=True)
        for name in (S.OUTBOX, S.LIKES, S.BOOKMARKS):
            if (path / name).is_file():
                archive.load(name, read_export_json(path / name, EXPECTED))
        return out
    document = read_export_json(path, EXPECTED)
    kind = kind_of(document)
    if kind is not None:
        archive = Archive(path.parent, ctx, out)
        if kind != "actor":
            archive.owner_sibling()
        archive.load(path.name, document)
        return out
    try:
        return ApiFile(path, ctx, out).parse(document)
    except SourceError as exc:
        raise SourceError(f"{exc} (or {EXPECTED})") from exc


SOURCE = FunctionSource(
    S.PLATFORM,
    "Mastodon archive (outbox.json, actor.json, likes.json) or REST API JSON",
    detect, parse,
)
