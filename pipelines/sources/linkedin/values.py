"""Single field values of the LinkedIn export: times, URNs, and derived ids."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import unquote

from pipelines.sources.common import from_format

_URN = re.compile(r"urn:li:([A-Za-z]+):(\([^)]*\)|[^/?#&\s]+)")


def parse_time(value: str | None, formats: tuple[str, ...], column: str) -> datetime:
    """A zone-less LinkedIn time in one of `formats`, as UTC; ValueError naming the column."""
    text = (value or "").strip()
    if not text:
        raise ValueError(f"no time: {column} is empty")
    for fmt in formats:
        try:
            return from_format(text, fmt, assume_utc=True)
        except ValueError:
            continue
    examples = " or ".join(repr(datetime(2021, 11, 29, 12, 36, 47).strftime(f)) for f in formats)
    raise ValueError(f"{column} {value!r} is not a time like {examples}")


def link_urns(link: str | None) -> tuple[str | None, str | None]:
    """(post, comment) named by a feed link, as native ids like `activity:123`.

    The post is the URN in the link's path (`urn:li:share:123`, percent-encoded or not); the
    comment is the `commentUrn` of a link to a comment under it, such as
    `comment:(activity:123,456)`, else None.
    """
    text = unquote(link or "")
    path, _, query = text.partition("?")
    post = _URN.search(path)
    comment = _URN.search(query.partition("commentUrn=")[2]) if "commentUrn=" in query else None
    return (f"{post[1]}:{post[2]}" if post else None,
            f"{comment[1]}:{comment[2]}" if comment else None)


def digest(*parts: str | None) -> str:
    """A short stable fingerprint of some text (for ids of records that have none)."""
    text = "\x1f".join(p or "" for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def stamp(moment: datetime) -> str:
    """A compact UTC time for ids: 20211129T203747."""
    return moment.strftime("%Y%m%dT%H%M%S")
