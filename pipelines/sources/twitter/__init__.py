"""X/Twitter: account archives, tweet activity analytics, and API v1.1 search responses.

Natural keys and write semantics (the loader upserts on these keys):
- interactions, appended as events by native id: `twitter:<tweet id>` (posts, replies, shares),
  `twitter:<dm id>`, `<tweet id>/mention/<user id>`, `<dm id>/reaction/<user id>/<key>`;
  threads are `twitter:<root tweet id>` and `twitter:dm/<conversation id>`.
- people, merged by `twitter:<user id>` (an account known only by handle:
  `twitter:@<handle>`).
- audience_daily, merged by (platform, account_id, day): the tweet activity export restates a
  day's counts every time it is downloaded, and the latest file wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.twitter.activity import parse_activity
from pipelines.sources.twitter.archive import parse_archive
from pipelines.sources.twitter.helpers import (
    archive_files, archive_folder, is_activity_file, is_archive_folder, is_search_file,
    is_ytd_file,
)
from pipelines.sources.twitter.search_api import parse_search
from pipelines.sources.twitter.settings import PLATFORM

EXPECTED = ("an X/Twitter export: an archive folder (data/tweets.js, follower.js, "
            "direct-messages.js, ...) or one of its window.YTD .js files, "
            "tweet_activity_metrics_<handle>_<from>_<to>_<lang>.csv files, "
            "or an API v1.1 search response (.json)")


@dataclass(frozen=True)
class TwitterSource:
    """Detects and parses X/Twitter exports."""

    name: str = PLATFORM
    description: str = "X/Twitter account archive, tweet activity CSV, API v1.1 search JSON"
    natural_keys: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "interactions": ("interaction_id",), "people": ("person_id",),
        "audience_daily": ("platform", "account_id", "day"),
    })
    write: dict[str, str] = field(default_factory=lambda: {
        "interactions": "append events by native id",
        "people": "merge by person_id",
        "audience_daily": "merge restated days",
    })

    def detect(self, path: Path) -> bool:
        """An archive folder (root or data/), a window.YTD file, activity CSVs or a search JSON."""
        if path.is_file():
            return is_ytd_file(path) or is_activity_file(path) or is_search_file(path)
        if not path.is_dir():
            return False
        return (is_archive_folder(archive_folder(path))
                or any(is_activity_file(p) for p in path.glob("*.csv"))
                or any(is_search_file(p) for p in path.glob("*.json")))

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        """Everything the export holds, as canonical records."""
        out = Parsed()
        people: dict[str, Record] = {}
        if path.is_file():
            root = path.parent
            archive = [path] if path.suffix == ".js" else []
            activity = [path] if is_activity_file(path) else []
            searches = [path] if is_search_file(path) else []
        elif path.is_dir():
            root = path
            archive = [p for _, p in archive_files(archive_folder(path))]
            activity = [p for p in sorted(path.glob("*.csv")) if is_activity_file(p)]
            searches = [p for p in sorted(path.glob("*.json")) if is_search_file(p)]
        else:
            raise SourceError(f"{path.name}: not found")
        if not (archive or activity or searches):
            raise SourceError(f"{path.name}: not an X/Twitter export; expected {EXPECTED}")
        if archive:
            parse_archive(archive, root, out, ctx, people)
        if activity:
            parse_activity(activity, root, out, ctx, people)
        for search in searches:
            parse_search(search, search.relative_to(root).as_posix(), out, ctx, people)
        return out


SOURCE = TwitterSource()
