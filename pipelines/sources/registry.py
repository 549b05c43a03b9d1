"""Every source rapport knows, in detection order: adding a platform is one line here."""
from __future__ import annotations

import importlib
from pathlib import Path

from pipelines.sources.base import Source

# Each module exposes `SOURCE` (or `SOURCES`, a list) following pipelines.sources.base.Source.
SOURCE_MODULES: list[str] = [
    "pipelines.sources.slack",
    "pipelines.sources.discord",
    "pipelines.sources.telegram",
    "pipelines.sources.messenger",
    "pipelines.sources.mattermost",
    "pipelines.sources.twitter",
    "pipelines.sources.linkedin",
    "pipelines.sources.discourse",
    "pipelines.sources.mastodon",
    "pipelines.sources.meetup",
    "pipelines.sources.github",
    "pipelines.sources.crm",
    "pipelines.sources.generic",
]


def all_sources() -> list[Source]:
    found: list[Source] = []
    for module_name in SOURCE_MODULES:
        module = importlib.import_module(module_name)
        found.extend(getattr(module, "SOURCES", None) or [module.SOURCE])
    return found


def detect(path: Path) -> Source | None:
    """The first source that recognises the file or folder, or None."""
    for source in all_sources():
        if source.detect(path):
            return source
    return None
