"""The plot of the demo year: automated outreach for 26 weeks, then personal outreach.

Each chapter is one week on one platform. Counts ramp up within each stretch; the rates at which
people answer live in the `Manner` constants of `pipelines.demo.story`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from pipelines.demo.cast import COMMUNITY, PLATFORMS, SOCIAL, Cast
from pipelines.demo.story import (
    ANSWER_KIND, MEMBER_ENGAGED, MEMBER_WARY, OURS_KIND, OURS_SLOW, WEEK, Manner, Story,
)

CURRENCY = "EUR"
# stage -> (share of referrals, lowest value, highest value); an intro has no value yet
STAGES = {"intro": (0.30, None, None), "lead": (0.35, 800, 2_500),
          "opportunity": (0.20, 3_000, 9_000), "won": (0.15, 6_000, 18_000)}


@dataclass(frozen=True)
class Forum:
    """How the forum behaves in one stretch."""

    topics: tuple[int, int]  # member topics a week, at the start and the end of the stretch
    replies: tuple[int, int]  # answers from other members per topic, fewest and most
    asker_answers: float  # chance the asker answers back a member who answered them
    helped: float  # share of topics one of us answers
    team: Manner  # how we answer there
    mentions: float  # share of topics that name one of us
    post_reactions: tuple[int, int]  # on our weekly post
    post_answers: tuple[int, int]


FORUM = (
    Forum((10, 16), (0, 4), 0.30, 0.10, OURS_SLOW, 0.0, (2, 8), (0, 1)),  # months 1-6
    Forum((18, 40), (1, 7), 0.55, 0.65, OURS_KIND, 0.15, (5, 20), (2, 6)),  # months 7-12
)


class Year(Story):
    """A year told week by week: each week, each social platform, the forum and referrals."""

    def tell(self) -> None:
        """Every week of the year, in order."""
        for week in range(self.weeks):
            automated_stretch = week < self.half
            ramp = (week % self.half) / max(self.half - 1, 1)
            for platform in SOCIAL:
                if automated_stretch:
                    self.automated_outreach(platform, week, ramp)
                else:
                    self.personal_outreach(platform, week, ramp)
            self.community(week, ramp, automated_stretch)
            self.referral_week(week, ramp, automated_stretch)
            self.natural_unfollows(week)

    def automated_outreach(self, platform: str, week: int, ramp: float) -> None:
        """Months 1-6: scheduled posts, auto-DMs to every new follower, cold pitches."""
        ours = self.cast.ours[platform]
        brand, manager = ours["brand"].person_id, ours["community"].person_id
        rng = self.rng
        posts = round(12 + 6 * ramp) if platform == "twitter" else round(5 + 2 * ramp)
        for _ in range(posts):
            at = self.day_time(week, working=False)
            post = self.post(platform, brand, at, automated=True)
            if post:
                self.react(platform, post, brand, at, rng.randint(10, 35))
                self.answers_to_post(platform, post, brand, at, rng.choice((0, 0, 0, 0, 0, 1)),
                                     OURS_SLOW, MEMBER_WARY)
        for role in ("community", "advocate"):
            author = ours[role].person_id
            at = self.day_time(week)
            post = self.post(platform, author, at)
            if post:
                self.react(platform, post, author, at, rng.randint(3, 12))
        # The auto-DM tool writes from the brand on X, from the manager's profile on LinkedIn
        # (where pages cannot write), after a follow or an accepted invitation.
        sender = brand if platform == "twitter" else manager
        if platform == "twitter":
            for _ in range(round(40 + 80 * ramp)):
                member, at = self.member(platform), self.day_time(week, working=False)
                if self.follow(platform, member, brand, at):
                    self.auto_sequence(platform, sender, member,
                                       self.later(at, Manner(1, 0.03, 1.5)))
        else:
            for _ in range(round(30 + 50 * ramp)):
                self.follow(platform, self.member(platform), brand, self.day_time(week))
            for _ in range(round(60 + 100 * ramp)):
                member = self.member(platform)
                if (member, sender) in self._invited:
                    continue
                self._invited.add((member, sender))
                at = self.day_time(week, working=False)
                invite = self.emit(platform, "invite", at, sender, member, automated=True,
                                   iid=f"{sender}/invite/{member.split(':', 1)[1]}")
                if invite and rng.random() < 0.25:
                    accepted = self.later(at, Manner(1, 12, 240))
                    if self.follow_by_connect(platform, member, sender, accepted):
                        self.auto_sequence(platform, sender, member,
                                           self.later(accepted, Manner(1, 0.5, 3)))
        for _ in range(round((60 + 120 * ramp) if platform == "twitter" else (40 + 80 * ramp))):
            member = self.member(platform)
            self.auto_sequence(platform, sender, member, self.day_time(week, working=False),
                               welcome=False)
        for _ in range(8):  # the manager's own pitches, hardly better received
            self.converse(platform, "dm", self.day_time(week), manager, self.member(platform),
                          OURS_SLOW, Manner(0.10, 4, 96))

    def follow_by_connect(self, platform: str, member: str, account: str, at: int) -> bool:
        """An accepted LinkedIn invitation: a connect row, and the member now follows us."""
        iid = f"{account}/connect/{member.split(':', 1)[1]}"
        if self.emit(platform, "connect", at, member, account, iid=iid) is None:
            return False
        self._following[(member, account)] = at
        return True

    def auto_sequence(self, platform: str, sender: str, member: str, at: int, *,
                      welcome: bool = True) -> None:
        """An auto-DM ("thanks for following" or a cold pitch), then a pitch; few answer,
        and one follower in five unfollows within a week."""
        rng = self.rng
        if at >= self.tools_off:
            return
        conversation = self.conversation(platform, sender, member)
        if not self.emit(platform, "dm", at, sender, member, thread=conversation, automated=True):
            return
        left_at = None
        follows_us = self._following.get((member, sender)) is not None
        if follows_us and rng.random() < (0.20 if welcome else 0.15):
            left_at = self.later(at, Manner(1, 24, 144))
            if not self.unfollow(platform, member, sender, left_at):
                left_at = None
        if rng.random() < 0.03:
            self.converse(platform, "dm", self.later(at, Manner(1, 1, 96)), member, sender,
                          OURS_SLOW, MEMBER_WARY, thread=conversation, turns=3)
        if welcome and rng.random() < 0.6:
            pitch_at = self.later(at, Manner(1, 24, 72))
            if pitch_at < self.tools_off and (left_at is None or pitch_at < left_at):
                self.emit(platform, "dm", pitch_at, sender, member, thread=conversation,
                          automated=True)

    def personal_outreach(self, platform: str, week: int, ramp: float) -> None:
        """Months 7-12: fewer, personal messages; answers within hours; advocates and shares."""
        ours = self.cast.ours[platform]
        brand = ours["brand"].person_id
        team = [ours["community"].person_id, ours["advocate"].person_id]
        rng = self.rng
        for author, count, reactions, answers in (
            (brand, 5 if platform == "twitter" else 3, (6, 20), (1, 4)),
            (team[0], 2, (4, 14), (1, 5)), (team[1], 2, (4, 14), (1, 5)),
        ):
            for _ in range(count):
                at = self.day_time(week)
                post = self.post(platform, author, at)
                if post:
                    self.react(platform, post, author, at, rng.randint(*reactions))
                    self.answers_to_post(platform, post, author, at, rng.randint(*answers),
                                         OURS_KIND, MEMBER_ENGAGED)
        for _ in range(round(12 + 6 * ramp)):
            self.follow(platform, self.member(platform), brand, self.day_time(week))
        for sender in team:  # thoughtful notes to people who engaged with us
            for _ in range(round(5 + 3 * ramp)):
                member = self.pick_engaged(platform, sender)
                self.converse(platform, "dm", self.day_time(week), sender, member, OURS_KIND,
                              Manner(0.55, 1, 72))
                if platform == "linkedin" and (member, sender) not in self._invited \
                        and rng.random() < 0.3:
                    self._invited.add((member, sender))
                    at = self.day_time(week)
                    if self.emit(platform, "invite", at, sender, member,
                                 iid=f"{sender}/invite/{member.split(':', 1)[1]}") \
                            and rng.random() < 0.7:
                        self.follow_by_connect(platform, member, sender,
                                               self.later(at, Manner(1, 2, 72)))
        for _ in range(round(3 + 4 * ramp)):  # members write to us first
            recipient = rng.choice((brand, brand, team[0], team[1]))
            self.converse(platform, "dm", self.day_time(week), self.member(platform, 0.7),
                          recipient, OURS_KIND, MEMBER_ENGAGED)
        self.advocacy(platform, week, ramp)

    def pick_engaged(self, platform: str, sender: str) -> str:
        """A member who recently reacted to or answered us, not yet in a relationship with
        `sender`."""
        recent = self._engaged[platform][-600:]
        for _ in range(5):
            member = self.rng.choice(recent) if recent else self.member(platform)
            if (sender, member) not in self._reciprocal_pairs:
                return member
        return self.member(platform)

    def advocates(self, platform: str) -> list[str]:
        """Members of the platform who are in a two-way relationship with one of us."""
        return [member for _, p, member in self.reciprocal if p == platform]

    def advocacy(self, platform: str, week: int, ramp: float) -> None:
        """Members we built a relationship with mention us, share our posts, list us."""
        ours = list(self.cast.ours[platform].values())
        fans = self.advocates(platform)
        rng = self.rng
        if not fans:
            return
        for _ in range(round(2 + 8 * ramp)):
            member, named = rng.choice(fans), rng.choice(ours).person_id
            at = self.day_time(week)
            post = self.post(platform, member, at)
            if post and self.emit(platform, "mention", at, member, named, thread=post,
                                  iid=f"{post}/mention/{named.split(':', 1)[1]}"):
                self.converse(platform, ANSWER_KIND[platform], self.later(at, OURS_KIND), named,
                              member, OURS_KIND, MEMBER_ENGAGED, thread=post, reply_to=post,
                              turns=4)
        recent = [p for p in self._recent_posts[platform][-40:] if p[1] in self.cast.our_ids()]
        for _ in range(round(4 + 12 * ramp)):
            if not recent:
                break
            post, author = rng.choice(recent)
            member = rng.choice(fans) if rng.random() < 0.6 else self.member(platform)
            self.emit(platform, "share", self.day_time(week), member, author, thread=post,
                      iid=f"{post}/share/{member.split(':', 1)[1]}")
        if platform == "twitter":
            for _ in range(rng.randint(1, 3)):
                listed = rng.choice(ours[1:]).person_id
                list_id = self.new_id(platform).split(":", 1)[1]
                self.emit(platform, "list_add", self.day_time(week), rng.choice(fans), listed,
                          iid=f"twitter:list-{list_id}/list_add/{listed.split(':', 1)[1]}")

    def community(self, week: int, ramp: float, automated_stretch: bool) -> None:
        """The forum: members ask and answer each other; from month 7 the team joins in."""
        platform, rng = COMMUNITY, self.rng
        ours = self.cast.ours[platform]
        forum = FORUM[0] if automated_stretch else FORUM[1]
        # months 1-6: the brand announces; months 7-12: the advocate teaches, and answers
        author = ours["brand" if automated_stretch else "advocate"].person_id
        at = self.day_time(week)
        post = self.post(platform, author, at)
        if post:
            self.react(platform, post, author, at, rng.randint(*forum.post_reactions))
            self.answers_to_post(platform, post, author, at, rng.randint(*forum.post_answers),
                                 forum.team, MEMBER_ENGAGED)
        core = 0.35 + 0.4 * (week / self.weeks)  # the active core widens through the year
        for _ in range(round(forum.topics[0] + (forum.topics[1] - forum.topics[0]) * ramp)):
            self.topic(week, core, forum)

    def topic(self, week: int, core: float, forum: Forum) -> None:
        """A member's question, other members' answers and the asker's thanks, perhaps our help."""
        platform, rng = COMMUNITY, self.rng
        team = [p.person_id for role, p in self.cast.ours[platform].items() if role != "brand"]
        at = asked_at = self.day_time(week, working=False)
        asker = self.member(platform, core)
        root = self.post(platform, asker, at)
        if root is None:
            return
        said = [(root, asker, at)]  # (message, author, time)
        if rng.random() < forum.mentions:
            named = rng.choice(team)
            self.emit(platform, "mention", at, asker, named, thread=root,
                      iid=f"{root}/mention/{named.split(':', 1)[1]}")
        for _ in range(rng.randint(*forum.replies)):
            actor = self.member(platform, core)
            answered, answered_author, answered_at = \
                rng.choice(said[-3:]) if rng.random() < 0.5 else said[0]
            if actor == answered_author:
                continue
            at = self.later(max(at, answered_at), Manner(1, 0.3, 30))
            if rng.random() < 0.15:  # no reply_to_post_number: the loader infers the target
                earlier = sorted((t, a) for _, a, t in said if t < at)
                implied = next((a for _, a in reversed(earlier) if a != actor), asker)
                iid = self.emit(platform, "reply", at, actor, None, thread=root,
                                implied_target=implied)
            else:
                iid = self.emit(platform, "reply", at, actor, answered_author, thread=root,
                                reply_to=answered)
            if not iid:
                break
            said.append((iid, actor, at))
            if answered_author == asker and rng.random() < forum.asker_answers:
                sent = self.converse(platform, "reply", self.later(at, Manner(1, 0.5, 24)),
                                     asker, actor, forum.team, Manner(0.4, 1, 30), thread=root,
                                     reply_to=iid, turns=3)
                said.extend((m, (asker, actor)[i % 2], t) for i, (m, t) in enumerate(sent))
        if rng.random() < forum.helped:
            helper = rng.choice(team)
            first = self.later(asked_at, forum.team)
            sent = self.converse(platform, "reply", first, helper, asker, forum.team,
                                 MEMBER_ENGAGED, thread=root, reply_to=root, turns=4)
            if sent and rng.random() < 0.6:  # the asker likes the answer
                self.emit(platform, "reaction", self.later(first, Manner(1, 0.5, 24)), asker,
                          helper, thread=root,
                          iid=f"{sent[0][0]}/reaction/{asker.split(':', 1)[1]}/heart")

    def natural_unfollows(self, week: int) -> None:
        """A few people leave every week for reasons of their own."""
        for platform in SOCIAL:
            brand = self.cast.ours[platform]["brand"].person_id
            for _ in range(3):
                self.unfollow(platform, self.member(platform), brand, self.day_time(week))

    def referral_week(self, week: int, ramp: float, automated_stretch: bool) -> None:
        """Introductions and deals from people we built a relationship with."""
        rng = self.rng
        if automated_stretch:
            count = 1 if week in (8, 15, 22) else 0
        else:
            count = sum(rng.random() < 0.1 + 0.6 * ramp for _ in range(5))
        for _ in range(count):
            at = self.day_time(week)
            known = [(p, m) for since, p, m in self.reciprocal if since < at - WEEK]
            platform, referrer = rng.choice(known) if known else (rng.choice(PLATFORMS), None)
            if automated_stretch:
                stage, lo, hi = ("lead", 300, 500) if week == 22 else ("intro", None, None)
            else:
                stage = rng.choices(list(STAGES), weights=[s[0] for s in STAGES.values()])[0]
                _, lo, hi = STAGES[stage]
            value = None if lo is None else f"{round(rng.uniform(lo, hi) / 50) * 50:.2f}"
            self.referrals.append({
                "referral_id": f"ref-{len(self.referrals) + 1:04d}", "occurred_at": at,
                "platform": platform, "referrer_id": referrer, "stage": stage,
                "value": value, "currency": CURRENCY,
            })


def tell_story(cast: Cast, first_day: date, weeks: int, rng: random.Random) -> Year:
    """Interactions and referrals for `weeks` weeks from `first_day` (a Monday)."""
    year = Year(cast, first_day, weeks, rng)
    year.tell()
    return year
