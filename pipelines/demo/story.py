"""The grammar of the demo's story: emitting interactions, conversations, follows, reactions.

`Story` keeps the state a believable year needs (who follows whom, who answered whom, which
members engaged with us) and knows nothing of the plot, which lives in `pipelines.demo.year`.
Times are integer milliseconds since the epoch (UTC) until they are written. Every event that
would fall after the demo's last day is dropped, and with it whatever would have followed it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timezone

from pipelines.demo.cast import PLATFORMS, Cast
from pipelines.warehouse import CONVERSATIONAL_KINDS

HOUR = 3_600_000
DAY = 24 * HOUR
WEEK = 7 * DAY
# The answer to a public post is a reply on X and Discourse, a comment on LinkedIn.
ANSWER_KIND = {"twitter": "reply", "linkedin": "comment", "discourse": "reply"}
EMOJI = {"twitter": ("like",), "linkedin": ("like", "celebrate", "insightful"),
         "discourse": ("heart",)}
ID_BASE = {"twitter": 1_790_000_000_000_000_000, "linkedin": 7_100_000_000_000_000_000,
           "discourse": 10_000}


@dataclass(frozen=True)
class Manner:
    """How someone answers: with probability `p`, between `lo` and `hi` hours later."""

    p: float
    lo: float
    hi: float


# How we answer what members write to us, and how members answer us, stretch by stretch.
OURS_SLOW = Manner(0.25, 30, 120)  # months 1-6: nobody reads the inbox
OURS_KIND = Manner(0.88, 0.5, 30)  # months 7-12: most answers within 48 hours
MEMBER_WARY = Manner(0.30, 2, 96)
MEMBER_ENGAGED = Manner(0.60, 1, 60)


def epoch_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()) * 1000


class Story:
    """Interactions and referrals as they are told, with who follows and who answered whom."""

    def __init__(self, cast: Cast, first_day: date, weeks: int, rng: random.Random):
        self.cast, self.rng, self.weeks = cast, rng, weeks
        self.half = weeks // 2
        self.start = epoch_ms(first_day)
        self.end = self.start + weeks * WEEK  # exclusive: Monday after the last Sunday
        self.tools_off = self.start + self.half * WEEK  # the auto-DM tool stops at mid-year
        self.ours = cast.our_ids()
        self.interactions: list[dict] = []
        self.referrals: list[dict] = []
        self._seq = 0
        self._used: set[str] = set()  # explicit ids (reactions, shares, follows) already used
        self._following: dict[tuple[str, str], int | None] = {}  # (member, ours) -> since
        self._invited: set[tuple[str, str]] = set()
        self._first_said: dict[tuple[str, str], int] = {}  # (speaker, listener) -> first time
        self.reciprocal: list[tuple[int, str, str]] = []  # (since, platform, member)
        self._reciprocal_pairs: set[tuple[str, str]] = set()
        self._engaged: dict[str, list[str]] = {p: [] for p in PLATFORMS}
        self._recent_posts: dict[str, list[tuple[str, str]]] = {p: [] for p in PLATFORMS}

    def new_id(self, platform: str) -> str:
        self._seq += 1
        return f"{platform}:{ID_BASE[platform] + self._seq}"

    def emit(self, platform: str, kind: str, at: int, actor: str, target: str | None = None, *,
             thread: str | None = None, reply_to: str | None = None, automated: bool = False,
             iid: str | None = None, implied_target: str | None = None) -> str | None:
        """Add one interaction, or nothing (None) when it would fall after the demo's end."""
        if at >= self.end or iid in self._used:
            return None
        if iid:
            self._used.add(iid)  # one reaction, share or follow per person and object
        iid = iid or self.new_id(platform)
        self.interactions.append({
            "interaction_id": iid, "platform": platform, "occurred_at": at, "actor_id": actor,
            "target_id": target, "kind": kind, "thread_id": thread, "in_reply_to": reply_to,
            "automated": automated,
        })
        if kind in CONVERSATIONAL_KINDS and (target or implied_target):
            self._note(platform, actor, target or implied_target, at)
        return iid

    def _note(self, platform: str, speaker: str, listener: str, at: int) -> None:
        key = (speaker, listener)
        self._first_said[key] = min(at, self._first_said.get(key, at))
        back = self._first_said.get((listener, speaker))
        if back is None:
            return
        if speaker in self.ours and listener not in self.ours:
            pair, member = key, listener
        elif listener in self.ours and speaker not in self.ours:
            pair, member = (listener, speaker), speaker
        else:
            return
        if pair not in self._reciprocal_pairs:
            self._reciprocal_pairs.add(pair)
            self.reciprocal.append((max(at, back), platform, member))

    def later(self, at: int, manner: Manner) -> int:
        return at + int(self.rng.uniform(manner.lo, manner.hi) * HOUR)

    def day_time(self, week: int, *, working: bool = True) -> int:
        """A moment in the week: office hours (UTC) for people, any hour for tools."""
        day = self.start + week * WEEK + self.rng.randrange(7) * DAY
        hours = self.rng.uniform(7.5, 19.5) if working else self.rng.uniform(0, 24)
        return day + int(hours * HOUR)

    def member(self, platform: str, core: float = 1.0) -> str:
        """A member; `core` < 1 favours the most active ones (a long-tailed community)."""
        people = self.cast.members[platform]
        return people[int(len(people) * self.rng.random() ** (1 / core))].person_id

    def conversation(self, platform: str, a: str, b: str) -> str:
        lo, hi = sorted((a.split(":", 1)[1], b.split(":", 1)[1]))
        return f"{platform}:dm-{lo}-{hi}"

    def converse(self, platform: str, kind: str, at: int, speaker: str, listener: str,
                 ours: Manner, members: Manner, *, thread: str | None = None,
                 reply_to: str | None = None, automated: bool = False,
                 turns: int = 6) -> list[tuple[str, int]]:
        """`speaker` writes to `listener`; they take turns while each answers with its manner.

        A dm belongs to the pair's conversation and names no message; a public answer names the
        message it answers. Each further round is a little less likely. Returns (id, time) sent.
        """
        thread = thread or self.conversation(platform, speaker, listener)
        sent: list[tuple[str, int]] = []
        previous, damping = reply_to, 1.0
        while len(sent) < turns:
            iid = self.emit(platform, kind, at, speaker, listener, thread=thread,
                            reply_to=None if kind == "dm" else previous,
                            automated=automated and not sent)
            if iid is None:
                break
            sent.append((iid, at))
            manner = ours if listener in self.ours else members
            if self.rng.random() >= manner.p * damping:
                break
            at, previous = self.later(at, manner), iid
            speaker, listener = listener, speaker
            damping *= 0.8
        return sent

    def follow(self, platform: str, member: str, account: str, at: int) -> bool:
        if (member, account) in self._following:
            return False  # each member follows each account at most once in the demo
        if self.emit(platform, "follow", at, member, account,
                     iid=f"{account}/follow/{member.split(':', 1)[1]}") is None:
            return False
        self._following[(member, account)] = at
        return True

    def unfollow(self, platform: str, member: str, account: str, at: int) -> bool:
        since = self._following.get((member, account))
        if since is None or since >= at:
            return False
        if self.emit(platform, "unfollow", at, member, account,
                     iid=f"{account}/unfollow/{member.split(':', 1)[1]}") is None:
            return False
        self._following[(member, account)] = None
        return True

    def post(self, platform: str, author: str, at: int, *, automated: bool = False) -> str | None:
        iid = self.new_id(platform)
        if self.emit(platform, "post", at, author, thread=iid, iid=iid, automated=automated):
            self._recent_posts[platform].append((iid, author))
            return iid
        return None

    def react(self, platform: str, post: str, author: str, at: int, count: int) -> None:
        """`count` distinct members react to a post within two days."""
        seen: set[str] = set()
        for _ in range(count):
            member = self.member(platform, core=0.6)
            if member in seen or member == author:
                continue
            seen.add(member)
            emoji = self.rng.choice(EMOJI[platform])
            self.emit(platform, "reaction", at + int(self.rng.uniform(0.05, 48) * HOUR), member,
                      author, thread=post, iid=f"{post}/reaction/{member.split(':', 1)[1]}/{emoji}")
            if author in self.ours:
                self._engaged[platform].append(member)

    def answers_to_post(self, platform: str, post: str, author: str, at: int, count: int,
                        ours: Manner, members: Manner) -> None:
        """Members answer one of our posts; each answer may open a back-and-forth with us."""
        for _ in range(count):
            member = self.member(platform, core=0.6)
            self._engaged[platform].append(member)
            self.converse(platform, ANSWER_KIND[platform], self.later(at, Manner(1, 0.2, 30)),
                          member, author, ours, members, thread=post, reply_to=post, turns=5)
