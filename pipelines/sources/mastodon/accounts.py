"""People on Mastodon: one person per `user@domain` address, whichever file names them.

Archive files name people by ActivityPub actor URI (with `@user@domain` in mention tags), the
REST API by server-local account id with `acct`; the address is what both share, so it is the
native id (in lower case: addresses are case-insensitive).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext
from pipelines.sources.common import add_person
from pipelines.sources.mastodon.settings import PLATFORM


def full_address(acct: str, url: str | None) -> str:
    """`user@domain` from an API `acct` (local accounts lack the domain: taken from their URL)."""
    acct = acct.strip().lstrip("@")
    if "@" in acct:
        return acct
    host = urlparse(url or "").netloc
    return f"{acct}@{host}" if host else acct


def address_from_actor_uri(uri: str) -> str:
    """`user@domain` guessed from an actor URI (`/users/name`, `/@name`), else the URI itself."""
    parsed = urlparse(uri)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc and len(parts) == 2 and parts[0] in ("users", "u", "ap"):
        return f"{parts[1]}@{parsed.netloc}"
    if parsed.netloc and len(parts) == 1 and parts[0].startswith("@"):
        return f"{parts[0][1:]}@{parsed.netloc}"
    return uri


class Accounts:
    """The people of one export, with the ids each file format uses to point at them."""

    def __init__(self, out: Parsed, ctx: ParseContext, owner_uris: set[str] | None = None):
        self.out, self.ctx = out, ctx
        self.owner_uris = owner_uris or set()
        self.rows: dict[str, Record] = {}
        self.by_api_id: dict[str, str] = {}
        self.by_uri: dict[str, str] = {}
        self.address_of_uri: dict[str, str] = {}

    def add(self, address: str, *names: Any, display_name: str | None = None,
            owner: bool = False) -> str:
        """The person_id of `address`, recorded once; ours when configured or the owner."""
        keys = [address, f"@{address}", *(str(n) for n in names if n not in (None, ""))]
        ours = owner or self.ctx.is_ours(PLATFORM, *keys)
        return add_person(self.out, self.rows, PLATFORM, address.lower(), address,
                          display_name or None, ours)

    def api(self, account: Any, owner: bool = False) -> str | None:
        """An API account or mention object (`id`, `username`, `acct`, `url`)."""
        if not isinstance(account, dict) or not account.get("acct"):
            return None
        address = full_address(str(account["acct"]), account.get("url"))
        person = self.add(address, account.get("acct"), account.get("username"),
                          account.get("id"), account.get("uri"), account.get("url"),
                          display_name=account.get("display_name"), owner=owner)
        if account.get("id") is not None:
            self.by_api_id[str(account["id"])] = person
        if account.get("uri"):
            self.by_uri[str(account["uri"])] = person
        return person

    def name_actor(self, uri: str, handle: str | None) -> None:
        """Remember the `@user@domain` a mention tag gives for an actor URI."""
        if handle and uri not in self.address_of_uri:
            self.address_of_uri[uri] = handle.strip().lstrip("@")

    def actor(self, uri: str, display_name: str | None = None) -> str:
        """An ActivityPub actor URI as a person (the archive's owner is ours)."""
        if uri in self.by_uri:
            return self.by_uri[uri]
        address = self.address_of_uri.get(uri) or address_from_actor_uri(uri)
        person = self.add(address, uri, display_name=display_name, owner=uri in self.owner_uris)
        self.by_uri[uri] = person
        return person
