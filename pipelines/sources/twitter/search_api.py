"""X API v1.1 search responses (`{search_metadata, statuses: [...]}`) as canonical rows.

Each status embeds its author (`user`); a retweet embeds the original (`retweeted_status`) and
a quote the quoted tweet (`quoted_status`): those originals are messages of their authors too.
Vanity counts (followers_count, favorite_count, retweet_count) are not kept: they are counts at
the moment of the search, which the response does not date.
"""
from __future__ import annotations

from pathlib import Path

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import read_json
from pipelines.sources.twitter.tweets import Timeline

EXPECTED = "an X API v1.1 search response: {\"search_metadata\": {...}, \"statuses\": [...]}"


def parse_search(path: Path, label: str, out: Parsed, ctx: ParseContext,
                 people: dict[str, Record]) -> None:
    """Parse one search response into `out`."""
    document = read_json(path)
    statuses = document.get("statuses") if isinstance(document, dict) else None
    if not isinstance(statuses, list):
        raise SourceError(f"{label}: no \"statuses\" array; expected {EXPECTED}")
    timeline = Timeline(out, people, ctx)
    for number, status in enumerate(statuses, start=1):
        out.rows_read += 1
        if not isinstance(status, dict):
            out.reject(label, number, "interactions", "a status that is not an object", status)
            continue
        timeline.add(status, timeline.user(status.get("user")), label, number)
    timeline.finish()
