"""The metric catalog as data: every metric of DESIGN §4, in the order it is shown.

A metric is declared once here and appears in the CLI, the dashboard, the report and the
definitions appendix (docs/metrics.md). `type` says how the compiler builds it:

- count / count_distinct / sum: one aggregate over the rows of a table in each week
  (`table`, `filters`, `column`);
- latest: a semi-additive level (the latest non-empty value per account at the week's end);
- change: this week's value of `of` minus last week's;
- thread_reciprocity, reply_within, response_within, response_median, reciprocal_window,
  first_reciprocal, harm_after_automation: the relationship measures, named in the compiler;
- ratio: `scale` × (sum of signed `numerator` terms) / `denominator`, null when it is zero.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FAMILIES = ("vanity", "adoption", "outcome", "harm", "efficiency")
CONTEXT_FAMILIES = ("vanity", "adoption")
DIRECTIONS = ("up", "down")
TYPES = ("count", "count_distinct", "sum", "latest", "change", "thread_reciprocity",
         "reply_within", "response_within", "response_median", "reciprocal_window",
         "first_reciprocal", "harm_after_automation", "ratio")

HOUR = 3600
DAY = 24 * HOUR
# The measures that count an answer arriving within `window` after a message of the week: their
# value for a week can still change until the week's last answer window has passed.
ANSWER_TYPES = ("reply_within", "response_within", "response_median")


@dataclass(frozen=True)
class Filters:
    """Which interaction rows a simple metric counts (sides: 'ours', 'theirs' or None)."""

    kinds: tuple[str, ...] = ()
    conversational: bool = False
    actor: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class Metric:
    """One metric: what it means, how it is computed, how it is shown."""

    name: str
    label: str
    family: str
    unit: str  # count, people, pairs, threads, share, hours, currency, ratio, per 100 messages
    fmt: str  # a format spec for one value, like "{:,.0f}" or "{:.0%}"
    direction: str  # which way is good: up or down
    description: str  # plain language: what it means and why it matters
    definition: str  # the exact definition
    inputs: tuple[str, ...]  # tables.columns or other metrics it is built from
    type: str
    table: str | None = None
    column: str | None = None
    filters: Filters = field(default_factory=Filters)
    params: tuple[tuple[str, object], ...] = ()
    numerator: tuple[tuple[int, str], ...] = ()  # (sign, metric name) terms
    denominator: str | None = None
    scale: float = 1.0
    of: str | None = None
    mistaken_for: str | None = None  # for vanity and adoption: the outcome it is confused with

    def param(self, name: str, default: object = None) -> object:
        """A named compiler parameter of this metric."""
        return dict(self.params).get(name, default)

    @property
    def answer_window(self) -> int | None:
        """Seconds after a message during which its answer still counts (None for a metric
        that does not wait for answers)."""
        window = self.param("window") if self.type in ANSWER_TYPES else None
        return None if window is None else int(window)  # type: ignore[call-overload]

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The metrics this one is computed from (ratios and changes)."""
        names = [n for _, n in self.numerator]
        if self.denominator:
            names.append(self.denominator)
        if self.of:
            names.append(self.of)
        return tuple(dict.fromkeys(names))


CONVERSATIONAL = "conversational (kind reply, comment, mention or dm, with a target)"

CATALOG: tuple[Metric, ...] = (
    Metric(
        name="followers", label="Followers", family="vanity", unit="people", fmt="{:,.0f}",
        direction="up", type="latest", table="audience_daily", column="followers",
        description=(
            "How many people follow our accounts at the end of the week, as the platforms "
            "report it. It is audience size: easy to grow, easy to buy, and it says nothing "
            "about whether anyone listens or answers. Context, never the result."),
        definition=(
            "Sum over accounts (those in audience_daily) of the latest non-empty "
            "audience_daily.followers with day < end(W); an account with none counts 0."),
        inputs=("audience_daily.followers",), mistaken_for="reciprocal_relationships"),
    Metric(
        name="follower_growth", label="Follower growth", family="vanity", unit="people",
        fmt="{:+,.0f}", direction="up", type="change", of="followers",
        description=(
            "How many followers we gained or lost this week. Growth feels like progress, but "
            "a follower who never talks with us is not a relationship."),
        definition="followers(W) − followers(W−1).",
        inputs=("followers",), mistaken_for="new_reciprocal_relationships"),
    Metric(
        name="impressions", label="Impressions", family="vanity", unit="views", fmt="{:,.0f}",
        direction="up", type="sum", table="audience_daily", column="impressions",
        description=(
            "How many times the platforms showed our content. Reach is an opportunity to start "
            "a conversation, not a conversation."),
        definition="Sum of audience_daily.impressions with day in W (empty cells count 0).",
        inputs=("audience_daily.impressions",), mistaken_for="conversations"),
    Metric(
        name="reactions_received", label="Reactions received", family="vanity", unit="count",
        fmt="{:,.0f}", direction="up", type="count", table="interactions",
        filters=Filters(kinds=("reaction",), actor="theirs", target="ours"),
        description=(
            "Likes and other reactions that people outside the team gave to our accounts. A "
            "reaction costs one click; it is a weak signal of attention, not an answer."),
        definition="Interactions of kind reaction in W whose actor is not ours and target is ours.",
        inputs=("interactions.kind", "people.is_ours"), mistaken_for="advocates"),
    Metric(
        name="posts_published", label="Posts published", family="adoption", unit="count",
        fmt="{:,.0f}", direction="up", type="count", table="interactions",
        filters=Filters(kinds=("post",), actor="ours"),
        description=(
            "How many broadcast posts our accounts published. It measures our effort, not its "
            "result: more posts are only better if they start conversations."),
        definition="Interactions of kind post in W whose actor is ours.",
        inputs=("interactions.kind", "people.is_ours"), mistaken_for="conversations_with_us"),
    Metric(
        name="messages_sent", label="Messages sent", family="adoption", unit="count",
        fmt="{:,.0f}", direction="up", type="count", table="interactions",
        filters=Filters(conversational=True, actor="ours", target="theirs"),
        description=(
            "Replies, comments, mentions and direct messages our accounts addressed to people "
            "outside the team. Two hundred automated pitches are more messages than ten "
            "thoughtful notes, and worth less: read it beside the reply rate."),
        definition=f"Interactions in W that are {CONVERSATIONAL}, actor ours, target not ours.",
        inputs=("interactions.kind", "interactions.target_id", "people.is_ours"),
        mistaken_for="reply_rate"),
    Metric(
        name="active_members", label="Active members", family="adoption", unit="people",
        fmt="{:,.0f}", direction="up", type="count_distinct", table="interactions",
        column="actor_id", filters=Filters(actor="theirs"),
        description=(
            "How many people outside the team did anything at all this week: posted, reacted, "
            "followed. Activity is adoption; whether it turns into relationships is the "
            "question the outcome column answers."),
        definition="Distinct actors not ours of any interaction in W.",
        inputs=("interactions.actor_id", "people.is_ours"),
        mistaken_for="member_reciprocal_pairs"),
    Metric(
        name="conversations", label="Two-way conversations", family="outcome", unit="threads",
        fmt="{:,.0f}", direction="up", type="thread_reciprocity", params=(("with_us", False),),
        description=(
            "Threads active this week in which two people have actually talked with each other "
            "(each addressed the other at least once). It counts dialogue, not noise, whether "
            "or not we took part: a community that talks to itself is an outcome too."),
        definition=(
            "Distinct thread_ids having a conversational interaction in W, such that among the "
            "thread's conversational interactions before end(W) there are two distinct people "
            "P and Q with P→Q and Q→P."),
        inputs=("interactions.thread_id", "interactions.actor_id", "interactions.target_id",
                "interactions.kind")),
    Metric(
        name="conversations_with_us", label="Conversations with us", family="outcome",
        unit="threads", fmt="{:,.0f}", direction="up", type="thread_reciprocity",
        params=(("with_us", True),),
        description=(
            "Two-way conversations in which one of the two people is us. This is the team's "
            "own dialogue with the community: the first thing to grow."),
        definition="The same as conversations, where at least one of P and Q is ours.",
        inputs=("interactions.thread_id", "interactions.actor_id", "interactions.target_id",
                "interactions.kind", "people.is_ours")),
    Metric(
        name="reply_rate", label="Reply rate", family="outcome", unit="share", fmt="{:.0%}",
        direction="up", type="reply_within", params=(("window", 7 * DAY),),
        description=(
            "Of the conversations we opened this week, the share in which the person wrote back "
            "within seven days. It is the plainest test of whether our outreach is welcome."),
        definition=(
            "Among outbound conversational interactions m in W with no in_reply_to, the share "
            "for which an inbound conversational interaction from m's target to m's actor "
            "occurs in (m.occurred_at, m.occurred_at + 7 days]."),
        inputs=("interactions.in_reply_to", "interactions.actor_id", "interactions.target_id",
                "interactions.kind", "people.is_ours")),
    Metric(
        name="response_rate", label="Response rate", family="outcome", unit="share",
        fmt="{:.0%}", direction="up", type="response_within", params=(("window", 48 * HOUR),),
        description=(
            "Of the messages people addressed to us this week, the share we answered within 48 "
            "hours. People who are answered come back; people who are ignored leave."),
        definition=(
            "Among inbound conversational interactions i in W, the share for which an outbound "
            "conversational interaction from anyone ours to i's actor occurs in "
            "(i.occurred_at, i.occurred_at + 48 hours]."),
        inputs=("interactions.actor_id", "interactions.target_id", "interactions.kind",
                "people.is_ours")),
    Metric(
        name="median_response_hours", label="Median response time", family="outcome",
        unit="hours", fmt="{:,.1f} h", direction="down", type="response_median",
        params=(("window", 48 * HOUR),),
        description=(
            "How long people wait for our answer, in hours, for the messages we did answer "
            "within 48 hours. The median is not pulled by a few slow cases."),
        definition=(
            "Median (percentile_cont(0.5): the mean of the two middle values when their number "
            "is even), over the answered i of response_rate, of hours from i to the first such "
            "answer."),
        inputs=("interactions.occurred_at", "interactions.actor_id", "interactions.target_id",
                "people.is_ours")),
    Metric(
        name="reciprocal_relationships", label="Reciprocal relationships", family="outcome",
        unit="pairs", fmt="{:,.0f}", direction="up", type="reciprocal_window",
        params=(("pairs", "ours_theirs"), ("window", 90 * DAY)),
        description=(
            "People with whom we have a two-way relationship right now: we addressed them and "
            "they addressed us, both within the last 90 days. This is the headline: the "
            "relationships that introductions, referrals and revenue travel along."),
        definition=(
            "Pairs (O ours, P not ours) with a conversational O→P and a conversational P→O, "
            "both in [end(W) − 90 days, end(W))."),
        inputs=("interactions.actor_id", "interactions.target_id", "interactions.kind",
                "interactions.occurred_at", "people.is_ours")),
    Metric(
        name="new_reciprocal_relationships", label="New reciprocal relationships",
        family="outcome", unit="pairs", fmt="{:,.0f}", direction="up", type="first_reciprocal",
        description=(
            "Relationships that became two-way for the first time this week. It is the flow "
            "that feeds the stock of reciprocal relationships."),
        definition=(
            "Pairs (O ours, P not ours) whose moment of first becoming reciprocal — the later "
            "of the first ever conversational O→P and the first ever conversational P→O — "
            "falls in W."),
        inputs=("interactions.actor_id", "interactions.target_id", "interactions.kind",
                "interactions.occurred_at", "people.is_ours")),
    Metric(
        name="member_reciprocal_pairs", label="Member-to-member relationships",
        family="outcome", unit="pairs", fmt="{:,.0f}", direction="up",
        type="reciprocal_window", params=(("pairs", "members"), ("window", 90 * DAY)),
        description=(
            "Pairs of community members (neither of them us) who talk with each other. A "
            "community whose members know each other no longer depends on the team alone."),
        definition=(
            "Unordered pairs {P, Q}, neither ours, with conversational P→Q and Q→P both in "
            "[end(W) − 90 days, end(W))."),
        inputs=("interactions.actor_id", "interactions.target_id", "interactions.kind",
                "interactions.occurred_at", "people.is_ours")),
    Metric(
        name="referrals", label="Referrals", family="outcome", unit="count", fmt="{:,.0f}",
        direction="up", type="count", table="referrals",
        description=(
            "Introductions, referred sign-ups, leads, opportunities and deals recorded this "
            "week: outcomes that travel along relationships, the first thing a CFO asks about."),
        definition="Referrals with occurred_at in W.",
        inputs=("referrals.occurred_at",)),
    Metric(
        name="referral_value", label="Referral value", family="outcome", unit="currency",
        fmt="{:,.2f}", direction="up", type="sum", table="referrals", column="value",
        description=(
            "What this week's referrals were worth, in the one currency of the referrals table. "
            "It is the numerator of social ROI."),
        definition="Sum of the value of referrals in W (0 when there are none or all values are "
                   "empty).",
        inputs=("referrals.value",)),
    Metric(
        name="advocates", label="Advocates", family="outcome", unit="people", fmt="{:,.0f}",
        direction="up", type="count_distinct", table="interactions", column="actor_id",
        filters=Filters(kinds=("mention", "share", "list_add"), actor="theirs", target="ours"),
        description=(
            "People outside the team who mentioned us, shared our content or added us to a list "
            "this week: they put their own name behind ours, unprompted."),
        definition="Distinct actors not ours of a mention, share or list_add in W whose target is "
                   "ours.",
        inputs=("interactions.kind", "interactions.actor_id", "people.is_ours")),
    Metric(
        name="automation_unfollows", label="Unfollows after automated messages", family="harm",
        unit="count", fmt="{:,.0f}", direction="down", type="harm_after_automation",
        params=(("window", 7 * DAY),),
        description=(
            "People who unfollowed us within a week of receiving an automated message from us. "
            "Auto-DMs and pitches in the first message cost relationships; when this rises, the "
            "automation is doing harm."),
        definition=(
            "Unfollows u in W, actor not ours, target ours, whose actor received an automated "
            "interaction from ours in [u − 7 days, u)."),
        inputs=("interactions.kind", "interactions.automated", "people.is_ours")),
    Metric(
        name="cost", label="Cost", family="efficiency", unit="currency", fmt="{:,.2f}",
        direction="down", type="sum", table="costs",
        description=(
            "What the community work cost this week: hours times the hourly rate, plus spend. "
            "The denominator of every efficiency figure."),
        definition="Sum over costs rows of week W of hours × hourly_rate + spend (empty cells "
                   "count 0).",
        inputs=("costs.hours", "costs.hourly_rate", "costs.spend")),
    Metric(
        name="relationship_yield", label="Relationships per 100 messages", family="efficiency",
        unit="per 100 messages", fmt="{:,.1f}", direction="up", type="ratio",
        numerator=((1, "new_reciprocal_relationships"),), denominator="messages_sent",
        scale=100.0,
        description=(
            "How many new two-way relationships each hundred messages we sent produced. Ten "
            "thoughtful notes that get five replies beat two hundred automated pitches that get "
            "one, and this is the figure that shows it."),
        definition="100 × new_reciprocal_relationships / messages_sent (null when no messages).",
        inputs=("new_reciprocal_relationships", "messages_sent")),
    Metric(
        name="cost_per_relationship", label="Cost per new relationship", family="efficiency",
        unit="currency", fmt="{:,.2f}", direction="down", type="ratio",
        numerator=((1, "cost"),), denominator="new_reciprocal_relationships",
        description=("What one new reciprocal relationship cost this week: the team's time and "
                     "spend divided by the relationships it started."),
        definition="cost / new_reciprocal_relationships (null when there are none).",
        inputs=("cost", "new_reciprocal_relationships")),
    Metric(
        name="cost_per_referral", label="Cost per referral", family="efficiency",
        unit="currency", fmt="{:,.2f}", direction="down", type="ratio",
        numerator=((1, "cost"),), denominator="referrals",
        description=("What one referral cost this week: the price of an introduction, a lead or "
                     "a deal, to compare with what other channels pay for one."),
        definition="cost / referrals (null when there are none).",
        inputs=("cost", "referrals")),
    Metric(
        name="social_roi", label="Social ROI", family="efficiency", unit="ratio",
        fmt="{:.0%}", direction="up", type="ratio",
        numerator=((1, "referral_value"), (-1, "cost")), denominator="cost",
        description=(
            "What the referrals of the week returned for each unit spent: 0 means break-even, "
            "1 means the work paid for itself twice. It is the figure a CFO recognises, and "
            "the easiest to over-read: referrals lag the work that earned them."),
        definition="(referral_value − cost) / cost (null when cost is 0).",
        inputs=("referral_value", "cost")),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in CATALOG}


def metric(name: str) -> Metric:
    """The metric of that name, or KeyError listing the known names."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(BY_NAME)}") from None


def divergence_pairs(catalog: tuple[Metric, ...] = CATALOG) -> list[tuple[Metric, Metric]]:
    """(vanity or adoption metric, the outcome it is often mistaken for), in catalog order."""
    names = {m.name: m for m in catalog}
    return [(m, names[m.mistaken_for]) for m in catalog if m.mistaken_for in names]
