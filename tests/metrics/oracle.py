"""A naive, independent reading of DESIGN.md section 4, the test oracle for every metric.

Pure Python over plain lists of dicts with the canonical columns of DESIGN section 3
(`occurred_at` a naive UTC datetime, `day` a date). Slow on purpose: each metric is a small
function that quotes its definition and follows the words literally.

Readings where the text leaves a choice (each one stated once, here):
- An empty cell is None or "" (target_id, thread_id, in_reply_to, counts, values).
- A window's length is elapsed time on instants: `t + 7 days` is 168 hours after t and
  `end(W) - 90 days` is 2,160 hours before the instant end(W), whatever the reporting zone
  (only a week's own bounds are wall-clock times: Monday 00:00 local).
- An audience_daily `day` is a calendar date of the reporting zone: "day in W" means one of
  W's seven dates, "day < end(W)" means a date before W's last Monday.
- An account of audience_daily is its (platform, account_id); `followers` sums every account
  the (platform-filtered) table holds.
- A share (reply_rate, response_rate) is a fraction in [0, 1].
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

Row = dict[str, Any]
UTC = dt.timezone.utc
CONVERSATIONAL_KINDS = ("reply", "comment", "mention", "dm")


# --- the data and the week --------------------------------------------------------------------

class Data:
    """The five canonical tables of one metric question, platform filter applied."""

    def __init__(self, people: list[Row], interactions: list[Row], audience_daily: list[Row],
                 referrals: list[Row], costs: list[Row], platform: str | None, tz: str) -> None:
        # "The platform filter applies to the measured rows; it never changes who is ours."
        self.ours = {p["person_id"] for p in people if p.get("is_ours")}
        keep = (lambda row: True) if platform is None else (lambda row: row["platform"] == platform)
        self.interactions = [r for r in interactions if keep(r)]
        self.audience_daily = [r for r in audience_daily if keep(r)]
        self.referrals = [r for r in referrals if keep(r)]
        self.costs = [r for r in costs if keep(r)]
        self.zone = ZoneInfo(tz)

    def is_ours(self, person_id: str | None) -> bool:
        """"Ours" means people.is_ours; an id that is not in people is not ours."""
        return not empty(person_id) and person_id in self.ours


def empty(value: Any) -> bool:
    return value is None or value == ""


def utc(value: dt.datetime) -> dt.datetime:
    """A stored naive-UTC time as an aware UTC instant."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def monday(week: str) -> dt.date:
    """The Monday of an ISO week label like 2026-W46."""
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)


def previous_week(week: str) -> str:
    year, number, _ = (monday(week) - dt.timedelta(days=7)).isocalendar()
    return f"{year}-W{number:02d}"


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def start(week: str, data: Data) -> dt.datetime:
    """start(W): Monday 00:00 in the reporting time zone, as a UTC instant."""
    return local_midnight(monday(week), data.zone)


def end(week: str, data: Data) -> dt.datetime:
    """end(W): the next Monday 00:00 in the reporting time zone, as a UTC instant."""
    return local_midnight(monday(week) + dt.timedelta(days=7), data.zone)


def plus_days(instant: dt.datetime, days: int) -> dt.datetime:
    """instant + days, as elapsed time (a day is 24 hours, across a DST change too)."""
    return instant + dt.timedelta(days=days)


def in_week(row: Row, week: str, data: Data) -> bool:
    """"In W" means start(W) <= occurred_at < end(W)."""
    return start(week, data) <= utc(row["occurred_at"]) < end(week, data)


def conversational(row: Row) -> bool:
    """"Conversational" means kind in (reply, comment, mention, dm) with a target."""
    return row["kind"] in CONVERSATIONAL_KINDS and not empty(row.get("target_id"))


def outbound(row: Row, data: Data) -> bool:
    """ours -> not ours."""
    return (not empty(row.get("target_id")) and data.is_ours(row["actor_id"])
            and not data.is_ours(row["target_id"]))


def inbound(row: Row, data: Data) -> bool:
    """not ours -> ours."""
    return (not empty(row.get("target_id")) and not data.is_ours(row["actor_id"])
            and data.is_ours(row["target_id"]))


def ratio(numerator: float, denominator: float) -> float | None:
    """A ratio whose denominator is zero is null, never zero."""
    return None if denominator == 0 else numerator / denominator


def number(value: Any) -> float:
    """Sums treat empty cells as 0."""
    return 0.0 if empty(value) else float(value)


def median(values: list[float]) -> float | None:
    """percentile_cont(0.5): the middle value, or the mean of the two middle values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- vanity -----------------------------------------------------------------------------------

def followers(data: Data, week: str) -> float:
    """Sum over accounts of the latest non-empty audience_daily followers with day < end(W)
    (an account with none counts 0)."""
    last_day = monday(week) + dt.timedelta(days=7)
    accounts = {(r["platform"], r["account_id"]) for r in data.audience_daily}
    total = 0.0
    for account in accounts:
        known = [r for r in data.audience_daily
                 if (r["platform"], r["account_id"]) == account
                 and not empty(r.get("followers")) and r["day"] < last_day]
        if known:
            total += float(max(known, key=lambda r: r["day"])["followers"])
    return total


def follower_growth(data: Data, week: str) -> float:
    """followers(W) - followers(W-1)."""
    return followers(data, week) - followers(data, previous_week(week))


def impressions(data: Data, week: str) -> float:
    """Sum of audience_daily impressions with day in W."""
    first = monday(week)
    days = {first + dt.timedelta(days=n) for n in range(7)}
    return sum(number(r.get("impressions")) for r in data.audience_daily if r["day"] in days)


def reactions_received(data: Data, week: str) -> float:
    """Interactions of kind reaction in W, actor not ours, target ours."""
    return sum(1 for r in data.interactions
               if r["kind"] == "reaction" and in_week(r, week, data)
               and not data.is_ours(r["actor_id"]) and data.is_ours(r.get("target_id")))


# --- adoption ---------------------------------------------------------------------------------

def posts_published(data: Data, week: str) -> float:
    """Interactions of kind post in W by ours."""
    return sum(1 for r in data.interactions
               if r["kind"] == "post" and in_week(r, week, data) and data.is_ours(r["actor_id"]))


def messages_sent(data: Data, week: str) -> float:
    """Conversational interactions in W, actor ours, target not ours."""
    return sum(1 for r in data.interactions
               if conversational(r) and in_week(r, week, data) and outbound(r, data))


def active_members(data: Data, week: str) -> float:
    """Distinct actors not ours of any interaction in W."""
    return len({r["actor_id"] for r in data.interactions
                if in_week(r, week, data) and not data.is_ours(r["actor_id"])})


# --- outcome ----------------------------------------------------------------------------------

def _talking_pairs(rows: Iterable[Row]) -> set[frozenset[str]]:
    """Unordered pairs {P, Q} of distinct people with P->Q and Q->P among conversational rows."""
    directed = {(r["actor_id"], r["target_id"]) for r in rows if conversational(r)}
    return {frozenset((p, q)) for p, q in directed if p != q and (q, p) in directed}


def _conversation_threads(data: Data, week: str,
                          pair_counts: Callable[[frozenset[str]], bool]) -> float:
    threads = {r["thread_id"] for r in data.interactions
               if conversational(r) and in_week(r, week, data) and not empty(r.get("thread_id"))}
    count = 0
    for thread in threads:
        before_end = [r for r in data.interactions
                      if r.get("thread_id") == thread and utc(r["occurred_at"]) < end(week, data)]
        if any(pair_counts(pair) for pair in _talking_pairs(before_end)):
            count += 1
    return count


def conversations(data: Data, week: str) -> float:
    """Distinct thread_ids having a conversational interaction in W, such that among the
    thread's conversational interactions before end(W) there are two distinct people P and Q
    with P->Q and Q->P."""
    return _conversation_threads(data, week, lambda pair: True)


def conversations_with_us(data: Data, week: str) -> float:
    """The same, where at least one of P and Q is ours."""
    return _conversation_threads(data, week, lambda pair: any(data.is_ours(p) for p in pair))


def reply_rate(data: Data, week: str) -> float | None:
    """Among outbound conversational interactions m in W with no in_reply_to, the share for
    which an inbound conversational interaction from m's target to m's actor occurs in
    (m.occurred_at, m.occurred_at + 7 days]."""
    sent = [m for m in data.interactions
            if conversational(m) and outbound(m, data) and in_week(m, week, data)
            and empty(m.get("in_reply_to"))]

    def answered(m: Row) -> bool:
        at = utc(m["occurred_at"])
        until = plus_days(at, 7)
        return any(conversational(i) and inbound(i, data)
                   and i["actor_id"] == m["target_id"] and i["target_id"] == m["actor_id"]
                   and at < utc(i["occurred_at"]) <= until
                   for i in data.interactions)

    return ratio(sum(1 for m in sent if answered(m)), len(sent))


def _first_answer_hours(i: Row, data: Data) -> float | None:
    """Hours from inbound i to the first outbound conversational interaction from anyone ours
    to i's actor in (i.occurred_at, i.occurred_at + 48 hours]; None when there is none."""
    at = utc(i["occurred_at"])
    until = at + dt.timedelta(hours=48)
    answers = [utc(o["occurred_at"]) for o in data.interactions
               if conversational(o) and outbound(o, data) and o["target_id"] == i["actor_id"]
               and at < utc(o["occurred_at"]) <= until]
    return None if not answers else (min(answers) - at).total_seconds() / 3600


def _inbound_in_week(data: Data, week: str) -> list[Row]:
    return [i for i in data.interactions
            if conversational(i) and inbound(i, data) and in_week(i, week, data)]


def response_rate(data: Data, week: str) -> float | None:
    """Among inbound conversational interactions i in W, the share for which an outbound
    conversational interaction from anyone ours to i's actor occurs in
    (i.occurred_at, i.occurred_at + 48 hours]."""
    received = _inbound_in_week(data, week)
    answered = [i for i in received if _first_answer_hours(i, data) is not None]
    return ratio(len(answered), len(received))


def median_response_hours(data: Data, week: str) -> float | None:
    """Median (percentile_cont(0.5)), over the answered i above, of hours from i to the first
    such answer."""
    hours = [_first_answer_hours(i, data) for i in _inbound_in_week(data, week)]
    return median([h for h in hours if h is not None])


def _window_90(data: Data, week: str) -> list[Row]:
    """Conversational interactions in [end(W) - 90 days, end(W))."""
    close = end(week, data)
    open_ = plus_days(close, -90)
    return [r for r in data.interactions
            if conversational(r) and open_ <= utc(r["occurred_at"]) < close]


def reciprocal_relationships(data: Data, week: str) -> float:
    """Pairs (O ours, P not ours) with a conversational O->P and a conversational P->O, both in
    [end(W) - 90 days, end(W))."""
    directed = {(r["actor_id"], r["target_id"]) for r in _window_90(data, week)}
    return sum(1 for o, p in directed
               if data.is_ours(o) and not data.is_ours(p) and (p, o) in directed)


def new_reciprocal_relationships(data: Data, week: str) -> float:
    """Pairs (O ours, P not ours) whose moment of first becoming reciprocal - the later of the
    first ever conversational O->P and the first ever conversational P->O - falls in W."""
    first: dict[tuple[str, str], dt.datetime] = {}
    for r in data.interactions:
        if conversational(r):
            key = (r["actor_id"], r["target_id"])
            at = utc(r["occurred_at"])
            first[key] = min(at, first.get(key, at))
    count = 0
    for (o, p), o_to_p in first.items():
        if data.is_ours(o) and not data.is_ours(p) and (p, o) in first:
            moment = max(o_to_p, first[(p, o)])
            count += start(week, data) <= moment < end(week, data)
    return count


def member_reciprocal_pairs(data: Data, week: str) -> float:
    """Unordered pairs {P, Q}, neither ours, with conversational P->Q and Q->P both in
    [end(W) - 90 days, end(W))."""
    pairs = _talking_pairs(_window_90(data, week))
    return sum(1 for pair in pairs if not any(data.is_ours(p) for p in pair))


def referrals(data: Data, week: str) -> float:
    """Referrals with occurred_at in W."""
    return sum(1 for r in data.referrals if in_week(r, week, data))


def referral_value(data: Data, week: str) -> float:
    """Sum of their value (0 when there are none or all values are empty)."""
    return sum(number(r.get("value")) for r in data.referrals if in_week(r, week, data))


def advocates(data: Data, week: str) -> float:
    """Distinct actors not ours of a mention, share or list_add in W whose target is ours."""
    return len({r["actor_id"] for r in data.interactions
                if r["kind"] in ("mention", "share", "list_add") and in_week(r, week, data)
                and not data.is_ours(r["actor_id"]) and data.is_ours(r.get("target_id"))})


# --- harm -------------------------------------------------------------------------------------

def automation_unfollows(data: Data, week: str) -> float:
    """Unfollows u in W, actor not ours, target ours, whose actor received an automated
    interaction from ours in [u - 7 days, u)."""
    def after_automation(u: Row) -> bool:
        at = utc(u["occurred_at"])
        since = plus_days(at, -7)
        return any(a.get("automated") and data.is_ours(a["actor_id"])
                   and a.get("target_id") == u["actor_id"]
                   and since <= utc(a["occurred_at"]) < at
                   for a in data.interactions)

    return sum(1 for u in data.interactions
               if u["kind"] == "unfollow" and in_week(u, week, data)
               and not data.is_ours(u["actor_id"]) and data.is_ours(u.get("target_id"))
               and after_automation(u))


# --- efficiency -------------------------------------------------------------------------------

def cost(data: Data, week: str) -> float:
    """Sum over costs rows of week W of hours x hourly_rate + spend (empty cells count 0)."""
    return sum(number(r.get("hours")) * number(r.get("hourly_rate")) + number(r.get("spend"))
               for r in data.costs if r["week"] == week)


def relationship_yield(data: Data, week: str) -> float | None:
    """100 x new_reciprocal_relationships / messages_sent."""
    return ratio(100 * new_reciprocal_relationships(data, week), messages_sent(data, week))


def cost_per_relationship(data: Data, week: str) -> float | None:
    """cost / new_reciprocal_relationships."""
    return ratio(cost(data, week), new_reciprocal_relationships(data, week))


def cost_per_referral(data: Data, week: str) -> float | None:
    """cost / referrals."""
    return ratio(cost(data, week), referrals(data, week))


def social_roi(data: Data, week: str) -> float | None:
    """(referral_value - cost) / cost."""
    spent = cost(data, week)
    return ratio(referral_value(data, week) - spent, spent)


METRICS: dict[str, Callable[[Data, str], float | None]] = {
    f.__name__: f for f in (
        followers, follower_growth, impressions, reactions_received,
        posts_published, messages_sent, active_members,
        conversations, conversations_with_us, reply_rate, response_rate, median_response_hours,
        reciprocal_relationships, new_reciprocal_relationships, member_reciprocal_pairs,
        referrals, referral_value, advocates,
        automation_unfollows,
        cost, relationship_yield, cost_per_relationship, cost_per_referral, social_roi,
    )
}


def oracle_metrics(people: list[Row], interactions: list[Row], audience_daily: list[Row],
                   referrals: list[Row], costs: list[Row], week: str,
                   platform: str | None = None, tz: str = "UTC") -> dict[str, float | None]:
    """Every metric of DESIGN section 4 for one week, by the oracle's literal reading."""
    data = Data(people, interactions, audience_daily, referrals, costs, platform, tz)
    return {name: metric(data, week) for name, metric in METRICS.items()}
