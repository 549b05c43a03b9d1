"""Shares.csv, Comments.csv and Reactions.csv: the owner's posts, comments and reactions.

Posts and comments are named by LinkedIn URNs (`urn:li:share:…`, `urn:li:activity:…`): a
post's id is `linkedin:<type>:<number>`; a comment belongs to the thread of the post it was
written under, and answers the comment its link names (`?commentUrn=`), if any. The files
never name the author of either, so a comment's target is left to the loader's inference. A post without text, link or media is an
empty repost: a `share`.
"""
from __future__ import annotations

from pipelines.records import Parsed
from pipelines.sources.common import CsvTable, message_row, pid
from pipelines.sources.linkedin.identity import Directory
from pipelines.sources.linkedin.settings import ACTIVITY_TIME, PLATFORM
from pipelines.sources.linkedin.values import digest, link_urns, parse_time, stamp


def _owner(directory: Directory) -> str:
    assert directory.owner is not None
    return directory.owner


def _urns_time(row: dict[str, str], link: str, label: str, line: int, out: Parsed):
    """(post URN, comment URN or None, UTC time) of a row, or None after rejecting it."""
    post, comment = link_urns(row[link])
    if post is None:
        out.reject(label, line, "interactions", f"{link} {row[link]!r} holds no urn:li: id", row)
        return None
    try:
        return post, comment, parse_time(row["Date"], ACTIVITY_TIME, "Date")
    except ValueError as exc:
        out.reject(label, line, "interactions", str(exc), row)
        return None


def parse_shares(table: CsvTable, label: str, directory: Directory, out: Parsed) -> None:
    """Each share: a post rooting its own thread, or an empty repost (`share`)."""
    owner = _owner(directory)
    for line, row in table.rows:
        out.rows_read += 1
        found = _urns_time(row, "ShareLink", label, line, out)
        if found is None:
            continue
        native, _, posted = found
        own = any((row.get(c) or "").strip() for c in ("ShareCommentary", "SharedUrl", "MediaUrl"))
        out.interactions.append(message_row(
            PLATFORM, native, posted, owner, "post" if own else "share",
            thread_id=pid(PLATFORM, native) if own else None, file=label, line=line))


def parse_comments(table: CsvTable, label: str, directory: Directory, out: Parsed) -> None:
    """Each comment: a `comment` in the thread of the post it was written under."""
    owner = _owner(directory)
    for line, row in table.rows:
        out.rows_read += 1
        found = _urns_time(row, "Link", label, line, out)
        if found is None:
            continue
        post, answered, written = found
        native = f"{post}/comment/{stamp(written)}-{digest(row['Message'])}"
        out.interactions.append(message_row(
            PLATFORM, native, written, owner, "comment", thread_id=pid(PLATFORM, post),
            in_reply_to=pid(PLATFORM, answered), file=label, line=line))


def parse_reactions(table: CsvTable, label: str, directory: Directory, out: Parsed) -> None:
    """Each reaction: one row per person and post or comment (`<urn>/reaction/<owner>/<TYPE>`)."""
    owner = _owner(directory)
    for line, row in table.rows:
        out.rows_read += 1
        found = _urns_time(row, "Link", label, line, out)
        if found is None:
            continue
        post, comment, reacted = found
        reacted_to = comment or post
        kind = row["Type"].strip()
        if not kind:
            out.reject(label, line, "interactions", "reaction without Type", row)
            continue
        native = f"{reacted_to}/reaction/{owner.split(':', 1)[1]}/{kind}"
        out.interactions.append(message_row(
            PLATFORM, native, reacted, owner, "reaction", thread_id=pid(PLATFORM, post),
            in_reply_to=pid(PLATFORM, reacted_to), file=label, line=line))
