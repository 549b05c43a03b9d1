"""Mastodon REST API responses (v1): statuses, conversations, notifications, accounts.

Statuses keep their server-local snowflake id as a string (`mastodon:<id>`): `in_reply_to_id`
uses the same ids, so every reply names its parent exactly. The thread is the root of the reply
chain, as far as the file shows it (a parent outside the file ends the chain and is the root).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import (
    dm_target, from_iso, mention_rows, message_row, pid, reaction_row, reply_chain_roots,
)
from pipelines.sources.mastodon import settings as S
from pipelines.sources.mastodon.accounts import Accounts

EXPECTED = ("Mastodon REST API JSON: a list of statuses, conversations, notifications or "
            "accounts, or one account (verify_credentials)")


def shape(document: Any) -> str | None:
    """Which API response a document is: statuses, conversations, notifications, accounts,
    account, empty, or None."""
    if isinstance(document, dict):
        return "account" if "acct" in document and "username" in document else None
    if not isinstance(document, list):
        return None
    first = next((d for d in document if isinstance(d, dict)), None)
    if first is None:
        return "empty" if not document else None
    if "last_status" in first and "accounts" in first:
        return "conversations"
    if "visibility" in first and "account" in first:
        return "statuses"
    if "type" in first and "account" in first and "created_at" in first:
        return "notifications"
    if "acct" in first and "username" in first:
        return "accounts"
    return None


def _status_id(status: Any) -> str | None:
    if not isinstance(status, dict) or status.get("id") in (None, ""):
        return None
    return str(status["id"])


class ApiFile:
    """One API response file mapped to rows; statuses are keyed by their snowflake id."""

    def __init__(self, path: Path, ctx: ParseContext, out: Parsed):
        self.path, self.ctx, self.out = path, ctx, out
        self.accounts = Accounts(out, ctx)
        self.author: dict[str, str | None] = {}
        self.roots: dict[str, str] = {}

    # -- whole documents -------------------------------------------------------------------
    def parse(self, document: Any) -> Parsed:
        kind = shape(document)
        if kind is None:
            raise SourceError(f"{self.path.name}: not a Mastodon export; expected {EXPECTED}")
        if kind == "empty":
            self.out.notes.append(f"{self.path.name}: an empty list; nothing to load")
        elif kind == "account":
            self._owner(document)
        elif kind == "accounts":
            self._account_list(document)
        else:
            self._messages(kind, document)
        return self.out

    def _owner(self, account: dict) -> None:
        """verify_credentials: the export's owner; its counts have no day, so no audience row."""
        self.out.rows_read += 1
        person = self.accounts.api(account, owner=True)
        counts = {k: account.get(k) for k in ("followers_count", "following_count")}
        if any(v is not None for v in counts.values()):
            self.out.reject(self.path.name, 1, "audience_daily",
                            f"account {person}: followers_count and following_count are "
                            "current totals without the day they were taken", account)

    def _account_list(self, accounts: list) -> None:
        """favourited_by / reblogged_by / followers: people, but no status and no time."""
        kind = next((k for name, k in S.ACCOUNT_LIST_KINDS.items() if name in self.path.stem), None)
        for number, account in enumerate(accounts, start=1):
            self.out.rows_read += 1
            person = self.accounts.api(account)
            if person is None:
                self.out.reject(self.path.name, number, "people",
                                "account without acct", account)
            elif kind is not None:
                self.out.reject(self.path.name, number, "interactions",
                                f"{kind} by {person} has no time (an account list names "
                                "neither the moment nor the status)", account)
        if kind is None:
            self.out.notes.append(f"{self.path.name}: an account list of unknown meaning: "
                                  "people only, no interactions")

    # -- statuses ----------------------------------------------------------------------------
    def _entries(self, kind: str, document: list) -> list[tuple[int, dict, Any]]:
        """(record number, top-level record, status or None) for every status in the file."""
        entries = []
        for number, record in enumerate(document, start=1):
            if not isinstance(record, dict):
                entries.append((number, record, None))
            elif kind == "statuses":
                entries.append((number, record, record))
            elif kind == "conversations":
                entries.append((number, record, record.get("last_status")))
            else:
                entries.append((number, record, record.get("status")))
        return entries

    def _register(self, status: Any) -> None:
        """Accounts, authors and parents of a status and the original it boosts."""
        if not isinstance(status, dict):
            return
        for inner in (status, status.get("reblog")):
            sid = _status_id(inner)
            if sid is None:
                continue
            author = self.accounts.api(inner.get("account"))
            self.author[sid] = author
            for mention in inner.get("mentions") or []:
                self.accounts.api(mention)

    def _messages(self, kind: str, document: list) -> None:
        entries = self._entries(kind, document)
        parent_of: dict[str, str | None] = {}
        for _number, record, status in entries:
            if kind == "conversations" and isinstance(record, dict):
                for account in record.get("accounts") or []:
                    self.accounts.api(account)
            if kind == "notifications" and isinstance(record, dict):
                self.accounts.api(record.get("account"))
            self._register(status)
            boosted = status.get("reblog") if isinstance(status, dict) else None
            for inner in (status, boosted):
                sid = _status_id(inner)
                if sid is not None:
                    parent = inner.get("in_reply_to_id")
                    parent_of[sid] = None if parent in (None, "") else str(parent)
        self.roots = reply_chain_roots(parent_of)
        for number, record, status in entries:
            self.out.rows_read += 1
            if not isinstance(record, dict):
                self.out.reject(self.path.name, number, "interactions",
                                f"record {number} is not a JSON object", record)
            elif kind == "notifications":
                self._notification(number, record)
            else:
                participants = None
                if kind == "conversations":
                    participants = [self.accounts.api(a) for a in record.get("accounts") or []]
                self._status(number, status, participants)

    def _status(self, number: int, status: Any,
                participants: list[str | None] | None) -> Record | None:
        """A status as a message (a boost: a share, plus the boosted original as a message)."""
        sid = _status_id(status)
        if sid is None or not isinstance(status.get("account"), dict):
            self.out.reject(self.path.name, number, "interactions",
                            "status without an id or an account", status)
            return None
        try:
            occurred_at = from_iso(str(status.get("created_at") or ""))
        except ValueError:
            self.out.reject(self.path.name, number, "interactions",
                            f"status {sid}: created_at {status.get('created_at')!r} is not an "
                            "ISO 8601 time with an offset", status)
            return None
        actor = self.author[sid]
        if isinstance(status.get("reblog"), dict):
            original = self._status(number, status["reblog"], None)
            if original is not None:
                share = reaction_row(original, actor, "", occurred_at)
                share.update(interaction_id=f"{original['interaction_id']}/share/"
                                            f"{actor.split(':', 1)[1]}",
                             kind="share", automated=self._automated(status))
                self.out.interactions.append(share)
            return original
        row = message_row(S.PLATFORM, sid, occurred_at, actor, "post",
                          thread_id=pid(S.PLATFORM, self.roots.get(sid, sid)),
                          automated=self._automated(status), file=self.path.name, line=number)
        parent = status.get("in_reply_to_id")
        parent_author = self.accounts.by_api_id.get(str(status.get("in_reply_to_account_id")))
        if parent not in (None, ""):
            row.update(kind="reply", in_reply_to=pid(S.PLATFORM, str(parent)),
                       target_id=parent_author)
        mentioned = [self.accounts.api(m) for m in status.get("mentions") or []]
        if status.get("visibility") == "direct":
            people = [actor, *mentioned, *(participants or [])]
            row.update(kind="dm", target_id=dm_target(people, actor) or parent_author)
        self.out.interactions.extend([row, *mention_rows(row, mentioned)])
        return row

    def _automated(self, status: dict) -> bool:
        app = (status.get("application") or {}).get("name") or ""
        return bool(status["account"].get("bot")) or app.strip().lower() in S.AUTOMATION_APPS

    # -- notifications ------------------------------------------------------------------------
    def _notification(self, number: int, record: dict) -> None:
        kind = record.get("type")
        status = record.get("status")
        if kind in S.STATUS_NOTIFICATIONS and isinstance(status, dict):
            self._status(number, status, None)
            return
        if kind not in ("favourite", "reblog", "follow"):
            self.out.skipped += 1  # follow requests, reports, severed relationships, ...
            return
        actor = self.accounts.api(record.get("account"))
        try:
            occurred_at = from_iso(str(record.get("created_at") or ""))
        except ValueError:
            self.out.reject(self.path.name, number, "interactions",
                            f"{kind} notification {record.get('id')}: created_at "
                            f"{record.get('created_at')!r} is not an ISO 8601 time", record)
            return
        if actor is None:
            self.out.reject(self.path.name, number, "interactions",
                            f"{kind} notification {record.get('id')} without an account", record)
            return
        if kind == "follow":
            self.out.interactions.append(message_row(
                S.PLATFORM, f"notification/{record.get('id')}", occurred_at, actor, "follow",
                file=self.path.name, line=number))
            return
        original = self._status(number, status, None) if isinstance(status, dict) else None
        if original is None:
            return
        native = actor.split(":", 1)[1]
        if kind == "favourite":
            row = reaction_row(original, actor, "favourite", occurred_at)
        else:
            row = reaction_row(original, actor, "", occurred_at)
            row.update(interaction_id=f"{original['interaction_id']}/share/{native}",
                       kind="share")
        self.out.interactions.append(row)
