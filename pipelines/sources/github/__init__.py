"""GitHub: issues and pull requests with their comments, reviews and reactions (perceval items
or raw REST lists), and GraphQL timeline events (perceval category "event").

Natural keys: interactions `github:<owner>/<repo>#<number>` for an issue or pull request, and
`github:issuecomment-<id>`, `github:discussion_r<id>`, `github:pullrequestreview-<id>` for
comments, review comments and reviews (GitHub's own anchors); reactions
`<message id>/reaction/<login>/<content>`; people `github:<login in lower case>`. Write
semantics: append events, upserted on the natural key (an issue fetched twice, or a pull
request seen through the issues and the pulls endpoints, is one row); repository statistics
merge into audience_daily by (platform, repository, day), for our repositories only.

An issue or pull request is a post rooting its thread; comments, review comments and reviews are
comments in it. Issue comments name only the thread (target left to the loader's inference); a
review comment's `in_reply_to_id` names its parent. `@login` tokens mention a person only when
that login is seen in the same file. `[bot]` accounts are automated.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.records import Parsed, Record
from pipelines.sources.base import FunctionSource, ParseContext, SourceError
from pipelines.sources.common import (
    add_person, export_files, from_epoch, from_iso, handle_tokens, head, mention_rows,
    message_row, parse_files, perceval_backend, pid, reaction_row, read_export_json,
    unwrap_perceval,
)
from pipelines.sources.github import settings as S

EXPECTED = ("perceval GitHub items (issues, pull requests, repository, GraphQL events) or a "
            "GitHub REST list of issues or pull requests")


def _login(user: Any) -> str | None:
    return str(user["login"]) if isinstance(user, dict) and user.get("login") else None


def _author(record: dict) -> dict | None:
    """The user object of a record (`user`, else perceval's `user_data`, else GraphQL's)."""
    for key in ("user", "user_data", "author", "actor"):
        if _login(record.get(key)):
            return record[key]
    return None


def issue_native_id(record: dict) -> str | None:
    """`<owner>/<repo>#<number>` from an issue's or pull request's html_url (or url)."""
    for key in ("html_url", "url"):
        found = S.ISSUE_URL.match(str(record.get(key) or ""))
        if found:
            return S.ISSUE_ID.format(repo=found.group(1), number=found.group(2))
    return None


@dataclass
class _Message:
    number: int
    record: dict
    native: str
    thread: str | None
    kind: str
    time_key: str


class _Export:
    """One GitHub file mapped to rows: messages, reactions, repository statistics."""

    def __init__(self, path: Path, ctx: ParseContext):
        self.path, self.ctx, self.out = path, ctx, Parsed()
        self.people: dict[str, Record] = {}
        self.messages: list[_Message] = []
        self.embedded: set[str] = set()
        self.skipped_events: Counter[str] = Counter()
        self.author_of: dict[str, str] = {}
        self.not_ours: set[str] = set()

    def person(self, user: dict) -> str:
        login = _login(user)
        ours = self.ctx.is_ours(S.PLATFORM, login, login.lower(), str(user.get("id") or ""))
        return add_person(self.out, self.people, S.PLATFORM, login.lower(), login,
                          user.get("name"), ours)

    # -- reading ------------------------------------------------------------------------------
    def read(self, document: Any) -> None:
        if isinstance(document, list) and document and isinstance(document[0], dict) \
                and "backend_name" in document[0]:
            items = unwrap_perceval(document, self.path, S.PERCEVAL_BACKENDS)
        elif isinstance(document, list) and all(
                isinstance(d, dict) and issue_native_id(d) for d in document):
            items = [(n, "issue", d) for n, d in enumerate(document, start=1)]
        else:
            raise SourceError(f"{self.path.name}: not a GitHub export; expected {EXPECTED}")
        for number, category, data in items:
            self.out.rows_read += 1
            if not isinstance(data, dict):
                self._reject(number, "item data is not a JSON object", data)
            elif category in ("issue", "pull_request"):
                self._issue(number, data)
            elif category == "repository":
                self._repository(number, data)
            elif category == "event":
                self._event(number, data)
            else:
                self._reject(number, f"perceval category {category!r} is not one of issue, "
                                     "pull_request, repository, event", data)

    def _reject(self, number: int, reason: str, raw: Any, table: str = "interactions") -> None:
        self.out.reject(self.path.name, number, table, reason, raw)

    def _issue(self, number: int, issue: dict, embedded: bool = False) -> str | None:
        native = issue_native_id(issue)
        if native is None:
            self._reject(number, "issue or pull request without an html_url naming its "
                                 "repository and number", issue)
            return None
        if embedded:  # the same issue rides along with every timeline event: map it once
            if native in self.embedded:
                return native
            self.embedded.add(native)
        thread = pid(S.PLATFORM, native)
        self.messages.append(_Message(number, issue, native, thread, "post", "created_at"))
        for comment in issue.get("comments_data") or []:
            anchor = comment.get("id") if isinstance(comment, dict) else None
            self.messages.append(_Message(number, comment, S.COMMENT_ID.format(anchor), thread,
                                          "comment", "created_at"))
        for comment in issue.get("review_comments_data") or []:
            anchor = comment.get("id") if isinstance(comment, dict) else None
            self.messages.append(_Message(number, comment, S.REVIEW_COMMENT_ID.format(anchor),
                                          thread, "comment", "created_at"))
        for review in issue.get("reviews_data") or []:
            anchor = review.get("id") if isinstance(review, dict) else None
            self.messages.append(_Message(number, review, S.REVIEW_ID.format(anchor), thread,
                                          "comment", "submitted_at"))
        return native

    def _event(self, number: int, event: dict) -> None:
        """A GraphQL timeline event: reviews and comments are messages, the rest are notices."""
        kind = str(event.get("eventType") or "")
        issue = event.get("issue")
        native = self._issue(number, issue, embedded=True) if isinstance(issue, dict) else None
        if kind not in S.MESSAGE_EVENTS:
            self.skipped_events[kind or "(no eventType)"] += 1
            self.out.skipped += 1
            return
        found = S.ANCHOR.search(str(event.get("url") or ""))
        anchor = found.group(1) if found else f"{kind}-{event.get('id')}"
        self.messages.append(_Message(number, event, anchor, pid(S.PLATFORM, native),
                                      "comment", "createdAt"))

    def _repository(self, number: int, repo: dict) -> None:
        """A snapshot of one of our repositories: its stars as followers, on the fetch day.

        audience_daily holds our accounts only, so another repository's snapshot is skipped.
        """
        name = repo.get("full_name")
        if not name:
            return self._reject(number, "repository without full_name", repo, "audience_daily")
        if not self.ctx.is_ours(S.PLATFORM, name, str(name).lower()):
            self.not_ours.add(str(name))
            self.out.skipped += 1
            return None
        account = add_person(self.out, self.people, S.PLATFORM, str(name).lower(), name, None, True)
        try:
            day: date = from_epoch(repo.get("fetched_on")).date()
        except (TypeError, ValueError, OverflowError, OSError):
            return self._reject(number, f"repository {name}: fetched_on "
                                        f"{repo.get('fetched_on')!r} is not epoch seconds",
                                repo, "audience_daily")
        stars = repo.get("stargazers_count")
        if isinstance(stars, bool) or not isinstance(stars, int):
            return self._reject(number, f"repository {name}: stargazers_count {stars!r} is not "
                                        "a whole number", repo, "audience_daily")
        self.out.audience_daily.append({"platform": S.PLATFORM, "account_id": account, "day": day,
                                        "followers": stars, "_file": self.path.name,
                                        "_line": number})

    # -- mapping ------------------------------------------------------------------------------
    def map(self) -> Parsed:
        for message in self.messages:  # authors first: @login tokens match people of the file
            user = _author(message.record) if isinstance(message.record, dict) else None
            if user is not None:
                self.author_of[message.native] = self.person(user)
        logins = {row["person_id"].split(":", 1)[1]: row["person_id"] for row in self.out.people}
        for message in self.messages:
            self._message(message, logins)
        if self.skipped_events:
            listed = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped_events.items()))
            self.out.notes.append(f"{self.path.name}: timeline events that are not messages "
                                  f"(skipped): {listed}")
        if self.not_ours:
            names = ", ".join(sorted(self.not_ours))
            self.out.notes.append(f"{self.path.name}: statistics of {names} skipped: not one of "
                                  "our repositories (add it to the team configuration under "
                                  "github to load its stars)")
        return self.out

    def _message(self, message: _Message, logins: dict[str, str]) -> None:
        record = message.record
        if not isinstance(record, dict) or message.native.endswith("None"):
            return self._reject(message.number, f"{message.kind} without an id", record)
        user = _author(record)
        if user is None:
            return self._reject(message.number, f"{message.native}: no author (user)", record)
        try:
            occurred_at = from_iso(str(record.get(message.time_key) or ""))
        except ValueError:
            return self._reject(message.number, f"{message.native}: {message.time_key} "
                                f"{record.get(message.time_key)!r} is not an ISO 8601 time",
                                record)
        login = _login(user)
        automated = login.endswith(S.BOT_SUFFIX) or user.get("type") == S.BOT_TYPE
        row = message_row(S.PLATFORM, message.native, occurred_at, self.author_of[message.native],
                          message.kind, thread_id=message.thread, automated=automated,
                          file=self.path.name, line=message.number)
        parent = record.get("in_reply_to_id")
        if parent not in (None, ""):
            parent_native = S.REVIEW_COMMENT_ID.format(parent)
            row["in_reply_to"] = pid(S.PLATFORM, parent_native)
            row["target_id"] = self.author_of.get(parent_native)
        mentioned = [logins[t.lower()] for t in handle_tokens(record.get("body"))
                     if t.lower() in logins]
        self.out.interactions.extend([row, *mention_rows(row, mentioned)])
        for reaction in record.get("reactions_data") or []:
            self._reaction(message.number, row, reaction)

    def _reaction(self, number: int, message: Record, reaction: Any) -> None:
        user = _author(reaction) if isinstance(reaction, dict) else None
        if user is None or not reaction.get("content"):
            return self._reject(number, f"reaction on {message['interaction_id']} without a "
                                        "user or content", reaction)
        try:
            occurred_at = from_iso(str(reaction.get("created_at") or ""))
        except ValueError:
            return self._reject(number, f"reaction on {message['interaction_id']}: created_at "
                                f"{reaction.get('created_at')!r} is not an ISO 8601 time",
                                reaction)
        self.out.interactions.append(
            reaction_row(message, self.person(user), str(reaction["content"]), occurred_at))


def parse(path: Path, ctx: ParseContext) -> Parsed:
    """Every issue, pull request, comment, review and reaction of a GitHub file or folder."""
    if path.is_dir():
        return parse_files(path, export_files(path, detect), lambda p: parse(p, ctx))
    export = _Export(path, ctx)
    export.read(read_export_json(path, EXPECTED))
    return export.map()


def detect(path: Path) -> bool:
    """perceval GitHub items, a REST list of issues or pull requests, or a folder of them."""
    if path.is_dir():
        return bool(export_files(path, detect))
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    text = head(path, S.HEAD_BYTES)
    backend = perceval_backend(text)
    if backend is not None:
        return backend.lower() in {b.lower() for b in S.PERCEVAL_BACKENDS}
    return text.lstrip().startswith("[") and S.API_MARKER in text and '"number"' in text


SOURCE = FunctionSource(
    S.PLATFORM,
    "GitHub issues, pull requests, comments, reviews (perceval or REST JSON)",
    detect, parse,
)
