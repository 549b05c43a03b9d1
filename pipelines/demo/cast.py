"""Who appears in the demo: our accounts on each platform and a few thousand fictional members.

Names are built from small syllable lists, so nobody real is named; "Quillmoss" is an invented
brand. Handles are stored without a leading `@`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

BRAND = "Quillmoss"
PLATFORMS = ("twitter", "linkedin", "discourse")
SOCIAL = ("twitter", "linkedin")  # public platforms where we broadcast and send DMs
COMMUNITY = "discourse"  # the forum where members talk to each other
ROLES = ("brand", "community", "advocate")  # brand account, community manager, developer advocate
MEMBERS_PER_PLATFORM = {"twitter": 3000, "linkedin": 2200, "discourse": 1000}

# platform -> role -> (native id, handle, display name)
OUR_ACCOUNTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "twitter": {
        "brand": ("1318000001", "quillmoss", "Quillmoss"),
        "community": ("1318000002", "ilse_at_quillmoss", "Ilse Tarnwick"),
        "advocate": ("1318000003", "oren_builds", "Oren Pellicott"),
    },
    "linkedin": {
        "brand": ("81234567", "quillmoss", "Quillmoss"),
        "community": ("ACoAAQuill0002", "ilse-tarnwick", "Ilse Tarnwick"),
        "advocate": ("ACoAAQuill0003", "oren-pellicott", "Oren Pellicott"),
    },
    "discourse": {
        "brand": ("2", "quillmoss_team", "Quillmoss Team"),
        "community": ("3", "ilse", "Ilse Tarnwick"),
        "advocate": ("4", "oren", "Oren Pellicott"),
    },
}

FIRST_START = ("Ka", "Lo", "Mi", "Ra", "Te", "Vi", "No", "Sa", "Be", "Da", "El", "Fi", "Jo",
               "Pa", "Ru", "Zo", "Ma", "Se", "Ta", "Li")
FIRST_END = ("ren", "lia", "mo", "dan", "ssa", "vin", "tra", "lo", "na", "rik", "sel", "ma",
             "ë", "é", "nja")
LAST_START = ("Bram", "Cor", "Dal", "Eber", "Fen", "Gal", "Hol", "Ivers", "Kes", "Lind", "Mor",
              "Nort", "Quill", "Strand", "Tarn", "Wend", "Ash", "Brill", "Ost", "Vell")
LAST_END = ("wick", "dale", "holt", "mere", "ford", "by", "stone", "well", "ridge", "croft",
            "grün", "ström")


@dataclass(frozen=True)
class Person:
    """One row of people.csv."""

    person_id: str
    platform: str
    handle: str
    display_name: str
    is_ours: bool = False

    @property
    def native(self) -> str:
        return self.person_id.split(":", 1)[1]


@dataclass
class Cast:
    """Everyone in the demo, by platform; `ours[platform][role]` and `members[platform]`."""

    ours: dict[str, dict[str, Person]] = field(default_factory=dict)
    members: dict[str, list[Person]] = field(default_factory=dict)

    def everyone(self) -> list[Person]:
        """Our accounts first, then members, platform by platform."""
        people = [p for platform in PLATFORMS for p in self.ours[platform].values()]
        return people + [p for platform in PLATFORMS for p in self.members[platform]]

    def our_ids(self) -> set[str]:
        return {p.person_id for platform in PLATFORMS for p in self.ours[platform].values()}


def _name(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST_START) + rng.choice(FIRST_END)
    last = rng.choice(LAST_START) + rng.choice(LAST_END)
    return first, last


def _ascii(text: str) -> str:
    return (text.lower().replace("ë", "e").replace("é", "e").replace("ü", "u")
            .replace("ö", "o"))


def _handle(platform: str, first: str, last: str, rng: random.Random) -> str:
    f, l = _ascii(first), _ascii(last)
    if platform == "twitter":
        return rng.choice((f"{f}_{l}", f"{f[0]}{l}", f"{f}{l[:4]}", f"{f}builds", f"{l}_{f}"))
    if platform == "linkedin":
        return f"{f}-{l}"
    return rng.choice((f, f"{f}.{l[0]}", f"{f}_{l[:3]}"))


def _native_ids(platform: str, count: int, rng: random.Random) -> list[str]:
    """Plausible native user ids: numeric on X and Discourse, opaque tokens on LinkedIn."""
    if platform == "twitter":
        return [str(1_402_000_000 + i * 137 + rng.randrange(137)) for i in range(count)]
    if platform == "discourse":
        return [str(20 + i) for i in range(count)]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return [f"ACoAA{i:05d}" + "".join(rng.choice(alphabet) for _ in range(5)) for i in range(count)]


def build_cast(rng: random.Random) -> Cast:
    """Our nine accounts (three roles on three platforms) and the members of each platform."""
    cast = Cast()
    for platform in PLATFORMS:
        cast.ours[platform] = {
            role: Person(f"{platform}:{native}", platform, handle, name, True)
            for role, (native, handle, name) in OUR_ACCOUNTS[platform].items()
        }
        taken = {p.handle for p in cast.ours[platform].values()}
        members: list[Person] = []
        for native in _native_ids(platform, MEMBERS_PER_PLATFORM[platform], rng):
            first, last = _name(rng)
            handle = base = _handle(platform, first, last, rng)
            suffix = 1
            while handle in taken:
                suffix += 1
                handle = f"{base}{suffix}"
            taken.add(handle)
            members.append(Person(f"{platform}:{native}", platform, handle, f"{first} {last}"))
        cast.members[platform] = members
    return cast
