"""The contract every platform source follows."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from pipelines.records import Parsed


class SourceError(Exception):
    """An export that cannot be read as its format at all: refused whole, nothing loads."""


@dataclass
class ParseContext:
    """What a source may need besides the files: who is ours, by platform."""

    ours: dict[str, set[str]] = field(default_factory=dict)  # platform -> handles or native ids

    def is_ours(self, platform: str, *names: str | None) -> bool:
        team = self.ours.get(platform, set())
        return any(n is not None and (n in team or n.lstrip("@") in team) for n in names)


class Source(Protocol):
    """A platform source: detects its export and parses it into canonical records.

    `name` is the platform as stored in every table's `platform` column (for example
    "twitter"). `detect` looks at a file or an extracted folder (zips are extracted safely by
    the loader before detection) and answers whether this source reads it; it must be cheap
    (names and the first bytes). `parse` raises SourceError for a file that is not its format
    at all, and otherwise returns everything, rejecting single bad records with a reason.
    """

    name: str
    description: str

    def detect(self, path: Path) -> bool: ...

    def parse(self, path: Path, ctx: ParseContext) -> Parsed: ...


@dataclass(frozen=True)
class FunctionSource:
    """A source built from a module's `detect(path)` and `parse(path, ctx)` functions."""

    name: str
    description: str
    detect_fn: Callable[[Path], bool]
    parse_fn: Callable[[Path, ParseContext], Parsed]

    def detect(self, path: Path) -> bool:
        return self.detect_fn(path)

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        return self.parse_fn(path, ctx)
