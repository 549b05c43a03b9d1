"""Who is who in a LinkedIn export: stable person ids without numeric ids, and the owner.

The personal export names people by display name, and only sometimes by profile URL
(messages.csv's SENDER PROFILE URL, newer Connections.csv's URL). A person's native id is
`in/<profile slug>` when the export gives their URL anywhere (a name seen with exactly one URL
in the export gets that URL everywhere), else `name/<normalised name>`. Limits: two people
with the same name and no URL become one person; a renamed person without a URL becomes two;
an id may change from `name/...` to `in/...` once a later export shows the URL. Members that
LinkedIn hides ("LinkedIn Member") get one id per conversation or invitation: `anonymous/...`.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext
from pipelines.sources.common import CsvTable, add_person
from pipelines.sources.linkedin.settings import ANONYMOUS_NAMES, OWNER_PLACEHOLDER, PLATFORM

_SPACE = re.compile(r"\s+")


def name_key(name: str | None) -> str:
    """A display name normalised for matching: NFKC, spaces as single hyphens, case kept.

    Case is kept because one export writes a person's name the same way in every file, while
    "AVINASH JANA" and "Avinash Jana" in one Connections.csv are two connections.
    """
    text = unicodedata.normalize("NFKC", name or "")
    return _SPACE.sub("-", text.strip())


_ANONYMOUS = {name_key(n).casefold() for n in ANONYMOUS_NAMES}


def profile_slug(url: str | None) -> str | None:
    """The public profile id of `https://www.linkedin.com/in/<slug>/`, lower case (else None)."""
    if not url or not url.strip():
        return None
    parts = [p for p in urlsplit(url.strip()).path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "in":
        return unquote(parts[1]).casefold()
    return None


def recipients(row: dict[str, str]) -> list[tuple[str, str | None]]:
    """(name, profile URL or None) of each recipient of a message.

    TO lists several names separated by commas in group conversations; where the newer
    RECIPIENT PROFILE URLS column lists exactly one URL, TO is one name even with a comma.
    """
    to = (row.get("TO") or "").strip()
    urls = [u.strip() for u in (row.get("RECIPIENT PROFILE URLS") or "").split(",") if u.strip()]
    names = [to] if len(urls) == 1 or "," not in to else [n.strip() for n in to.split(",")]
    names = [n for n in names if n]
    if len(urls) != len(names):
        urls = [None] * len(names)
    return list(zip(names, urls))


class Directory:
    """The people of one export, by name and profile URL, and which of them is the owner."""

    def __init__(self, out: Parsed, ctx: ParseContext) -> None:
        self.out, self.ctx = out, ctx
        self.people: dict[str, Record] = {}
        self._slugs: dict[str, set[str]] = {}
        self.owner: str | None = None  # person_id

    def learn(self, name: str | None, url: str | None) -> None:
        """Note that `name` was shown with profile `url` somewhere in the export."""
        slug = profile_slug(url)
        if slug and name_key(name):
            self._slugs.setdefault(name_key(name), set()).add(slug)

    def knows_slug(self, text: str) -> bool:
        """Whether `text` is the profile slug of someone in the export (and not a name)."""
        slug = text.strip().casefold()
        return name_key(text) not in self._slugs and any(slug in s for s in self._slugs.values())

    def ambiguous_names(self) -> list[str]:
        """Names shown with more than one profile URL: matched by URL only."""
        return sorted(k for k, v in self._slugs.items() if len(v) > 1)

    def native(self, name: str | None, url: str | None = None, context: str | None = None) -> str | None:
        """The native id of a person shown as `name` (and maybe `url`); None when unidentifiable."""
        slug = profile_slug(url)
        key = name_key(name)
        if slug is None and len(self._slugs.get(key, ())) == 1:
            slug = next(iter(self._slugs[key]))
        if slug:
            return f"in/{slug}"
        if key.casefold() in _ANONYMOUS:
            return f"anonymous/{context}" if context else None
        return f"name/{key}" if key else None

    def person(self, name: str | None, url: str | None = None, context: str | None = None) -> str | None:
        """Record the person (once) and return their person_id; None when unidentifiable."""
        native = self.native(name, url, context)
        if native is None:
            return None
        person_id = f"{PLATFORM}:{native}"
        slug = native[3:] if native.startswith("in/") else None
        display = _SPACE.sub(" ", name.strip()) if name and name.strip() else None
        ours = person_id == self.owner or self.ctx.is_ours(PLATFORM, display, slug, native)
        return add_person(self.out, self.people, PLATFORM, native, slug, display, ours)

    def set_owner(self, name: str | None, url: str | None, evidence: str) -> str:
        """Make the person shown as `name` the export's owner (a placeholder when unnamed)."""
        native = self.native(name, url) if name or url else None
        if native is None:
            native = OWNER_PLACEHOLDER
            self.out.notes.append(
                "the export's owner is not named by any file read (Profile.csv, Invitations.csv "
                f"or messages.csv); their actions are attributed to {PLATFORM}:{native}")
        self.owner = f"{PLATFORM}:{native}"
        self.out.notes.append(f"owner {self.owner} ({evidence})")
        if native == OWNER_PLACEHOLDER:
            add_person(self.out, self.people, PLATFORM, native, None, "export owner", True)
        else:
            self.person(name, url)
        return self.owner


def find_owner(tables: dict[str, CsvTable], ctx: ParseContext) -> tuple[str | None, str, list[str]]:
    """The owner's display name, the evidence for it, and notes on disagreeing evidence.

    In order: Profile.csv; the one sender of OUTGOING and recipient of INCOMING invitations;
    the one person present in every conversation of messages.csv (two or more); the only
    LinkedIn name in the team configuration. Disagreeing evidence is noted, the first wins.
    """
    found: list[tuple[str, str]] = []
    profile = tables.get("profile.csv")
    if profile and profile.rows:
        row = profile.rows[0][1]
        found.append((f"{row['First Name'].strip()} {row['Last Name'].strip()}", "Profile.csv"))
    invitations = tables.get("invitations.csv")
    if invitations:
        names = {}
        for _, row in invitations.rows:
            direction = row["Direction"].strip().upper()
            name = row["From"] if direction == "OUTGOING" else row["To"] if direction == "INCOMING" else ""
            if name.strip():
                names.setdefault(name_key(name), name.strip())
        if len(names) == 1:
            found.append((next(iter(names.values())),
                          "Invitations.csv: sender of OUTGOING and recipient of INCOMING invitations"))
    messages = tables.get("messages.csv")
    if messages:
        seen: dict[str, set[str]] = {}
        shown: dict[str, str] = {}
        for _, row in messages.rows:
            for name in [row["FROM"], *(n for n, _ in recipients(row))]:
                if name.strip():
                    seen.setdefault(name_key(name), set()).add(row["CONVERSATION ID"])
                    shown.setdefault(name_key(name), name.strip())
        total = len({row["CONVERSATION ID"] for _, row in messages.rows})
        everywhere = [k for k, convs in seen.items() if len(convs) == total]
        if total >= 2 and len(everywhere) == 1:
            found.append((shown[everywhere[0]],
                          f"messages.csv: the one person in all {total} conversations"))
    team = sorted(ctx.ours.get(PLATFORM, ()))
    if len(team) == 1:
        found.append((team[0], "the only LinkedIn name in the team configuration"))
    if not found:
        return None, "no file names the owner", []
    name, evidence = found[0]
    notes = [f"owner evidence disagrees: {other!r} by {why}; kept {name!r} by {evidence}"
             for other, why in found[1:] if name_key(other) != name_key(name)]
    return name, evidence, notes

