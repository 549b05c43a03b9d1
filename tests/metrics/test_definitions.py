"""Every metric of DESIGN §4 on a hand-made warehouse, on every engine, boundaries included.

Weeks used below (UTC unless a test says otherwise):
    2026-W09 = [Mon 2026-02-23 00:00, Mon 2026-03-02 00:00)
    2026-W10 = [Mon 2026-03-02 00:00, Mon 2026-03-09 00:00)
    2026-W11 = [Mon 2026-03-09 00:00, Mon 2026-03-16 00:00)
People: O and O2 are ours, P, Q, R, S, T are not; U appears in interactions but not in people.
"""
from __future__ import annotations

import pytest

from tests.metrics.builder import Warehouse, one_week, values

W09, W10, W11 = "2026-W09", "2026-W10", "2026-W11"
O, O2, P, Q, R, S, T, U = "x:O", "x:O2", "x:P", "x:Q", "x:R", "x:S", "x:T", "x:U"


@pytest.fixture
def wh(db_url: str) -> Warehouse:
    w = Warehouse(db_url)
    w.person(O, ours=True)
    w.person(O2, ours=True)
    for p in (P, Q, R, S, T):
        w.person(p)
    return w


def test_a_week_starts_at_monday_midnight_utc(wh):
    wh.say("2026-03-01 23:59:59.999999", O, None, "post")  # last instant of W09
    wh.say("2026-03-02 00:00:00", O, None, "post")  # Monday 00:00:00Z: W10
    wh.say("2026-03-08 23:59:59", O, None, "post")  # W10
    wh.say("2026-03-09 00:00:00", O, None, "post")  # W11
    got = values(wh.save(), W11, 3)["posts_published"]
    assert got == {W09: 1, W10: 2, W11: 1}


def test_vanity_and_adoption_counts(wh):
    # reactions_received: actor not ours, target ours.
    wh.say("2026-03-03 10:00", P, O, "reaction")  # counts
    wh.say("2026-03-03 11:00", U, O2, "reaction")  # U is not in people: not ours, counts
    wh.say("2026-03-03 12:00", O, P, "reaction")  # by ours: no
    wh.say("2026-03-03 13:00", P, Q, "reaction")  # target not ours: no
    wh.say("2026-03-03 14:00", O2, O, "reaction")  # teammate: no
    # messages_sent: conversational, actor ours, target not ours.
    wh.say("2026-03-04 10:00", O, P, "dm")  # 1
    wh.say("2026-03-04 11:00", O, Q, "reply")  # 2
    wh.say("2026-03-04 12:00", O2, U, "mention")  # 3 (U is not ours)
    wh.say("2026-03-04 13:00", O, "", "dm")  # empty target: not conversational
    wh.say("2026-03-04 14:00", O, None, "comment")  # no target: not conversational
    wh.say("2026-03-04 15:00", O, O2, "dm")  # to a teammate: no
    wh.say("2026-03-04 16:00", O, P, "reaction")  # not conversational
    wh.say("2026-03-04 17:00", O, None, "post")  # posts_published 1
    got = one_week(wh.save(), W10)
    assert got["reactions_received"] == 2
    assert got["messages_sent"] == 3
    assert got["posts_published"] == 1
    # active_members: distinct actors not ours of anything: P, U = 2 (O, O2 are ours)
    assert got["active_members"] == 2


def test_followers_latest_value_and_impressions_by_day(wh):
    wh.person("x:B", ours=True)
    wh.audience("2026-03-01", O, followers=100, impressions=7)  # Sunday of W09
    wh.audience("2026-03-04", O, followers=110, impressions=1000)  # W10
    wh.audience("2026-03-08", O, followers=None, impressions=5)  # W10 Sunday, empty followers
    wh.audience("2026-03-09", O, followers=999, impressions=40)  # W11 Monday
    wh.audience("2026-02-23", "x:B", followers=50)  # B's only value, carried forward
    wh.audience("2026-03-10", "x:C", followers=70)  # C has nothing before W11: counts 0
    wh.audience("2026-03-04", "li:O", platform="li", followers=3, impressions=2)
    url = wh.save()
    got = values(url, W11, 3)
    # W09: O 100 + B 50 = 150 (li:O has nothing yet);  W10: O 110 + B 50 + li:O 3 = 163
    # W11: O 999 + B 50 + C 70 + li:O 3 = 1122
    assert got["followers"] == {W09: 150, W10: 163, W11: 1122}
    # growth W10 = 163 − 150 = 13;  W11 = 1122 − 163 = 959
    assert got["follower_growth"][W10] == 13
    assert got["follower_growth"][W11] == 959
    # impressions W10: 1000 + 5 + li 2 = 1007 (Monday 2026-03-09 is W11)
    assert got["impressions"] == {W09: 7, W10: 1007, W11: 40}
    x_only = values(url, W10, 1, platform="x")
    assert x_only["followers"][W10] == 160  # 110 + 50
    assert x_only["impressions"][W10] == 1005
    just_o = values(url, W10, 1, account=O)
    assert just_o["followers"][W10] == 110


def test_conversations_need_two_people_addressing_each_other(wh):
    # T1: P→Q in W09, Q→P in W10: two-way from W10 on; active in W09 too, but not yet two-way.
    wh.say("2026-02-25 10:00", P, Q, "reply", thread="t1")
    wh.say("2026-03-03 10:00", Q, P, "reply", thread="t1")
    # T2: P→Q only.
    wh.say("2026-03-03 10:00", P, Q, "comment", thread="t2")
    # T3: P→O and O→P in W10: a conversation with us.
    wh.say("2026-03-04 10:00", P, O, "dm", thread="t3")
    wh.say("2026-03-04 11:00", O, P, "dm", thread="t3")
    # T4: two-way since W08, one message in W10: counts in W10.
    wh.say("2026-02-17 10:00", R, S, "reply", thread="t4")
    wh.say("2026-02-18 10:00", S, R, "reply", thread="t4")
    wh.say("2026-03-05 10:00", R, None, "reply", thread="t4")  # no target, still...
    wh.say("2026-03-05 11:00", R, T, "mention", thread="t4")  # ...this one is conversational
    # T5: a person answering themself. T6: a reaction is not conversational.
    wh.say("2026-03-05 10:00", P, P, "reply", thread="t5")
    wh.say("2026-03-05 11:00", P, P, "reply", thread="t5")
    wh.say("2026-03-05 10:00", P, Q, "reaction", thread="t6")
    wh.say("2026-03-05 11:00", Q, P, "reply", thread="t6")
    # No thread: not a conversation, even though P and S talk.
    wh.say("2026-03-06 10:00", P, S, "dm", thread="")
    wh.say("2026-03-06 11:00", S, P, "dm", thread=None)
    # T7: the answer comes in W11, after end(W10).
    wh.say("2026-03-06 10:00", T, R, "reply", thread="t7")
    wh.say("2026-03-09 00:00", R, T, "reply", thread="t7")
    got = values(wh.save(), W11, 3)
    assert got["conversations"] == {W09: 0, W10: 3, W11: 1}  # W10: t1, t3, t4;  W11: t7
    assert got["conversations_with_us"] == {W09: 0, W10: 1, W11: 0}  # t3


def test_reply_rate_window_is_open_below_and_closed_above(wh):
    m1 = wh.say("2026-03-02 10:00", O, P, "dm")
    wh.say("2026-03-09 10:00", P, O, "dm")  # exactly 7 days later: answered
    wh.say("2026-03-03 10:00", O, R, "dm")
    wh.say("2026-03-10 10:00:00.000001", R, O, "dm")  # 7 days + 1 µs: too late
    wh.say("2026-03-04 10:00", O, S, "dm")
    wh.say("2026-03-04 10:00", S, O, "dm")  # the same instant: not after m
    wh.say("2026-03-05 10:00", O, T, "dm")
    wh.say("2026-03-05 12:00", T, O2, "dm")  # answered to someone else of ours: no
    wh.say("2026-03-06 10:00", O, P, "reply", reply_to=m1)  # has in_reply_to: not counted
    got = values(wh.save(), W11, 2)
    assert got["reply_rate"][W10] == pytest.approx(1 / 4)  # m to P, R, S, T: one answered
    assert got["reply_rate"][W11] is None  # no outbound first message in W11: undefined


def test_response_rate_and_median_hours(wh):
    wh.say("2026-03-02 00:00", P, O, "dm")
    wh.say("2026-03-04 00:00", O2, P, "dm")  # anyone ours, exactly 48 h: answered, 48 h
    wh.say("2026-03-03 00:00", R, O, "dm")
    wh.say("2026-03-03 01:00", O, R, "dm")  # 1 h (the first answer)
    wh.say("2026-03-03 02:00", O, R, "dm")
    wh.say("2026-03-04 00:00", S, O, "dm")
    wh.say("2026-03-06 00:00:01", O, S, "dm")  # 48 h + 1 s: too late
    wh.say("2026-03-05 00:00", U, O, "mention")
    wh.say("2026-03-05 00:00", O, U, "dm")  # same instant: not after i
    wh.say("2026-03-05 03:00", O, U, "dm")  # 3 h
    wh.say("2026-03-06 00:00", T, O, "dm")
    wh.say("2026-03-06 05:00", O, T, "dm")  # 5 h
    got = values(wh.save(), W11, 2)
    # i from P, R, S, U, T: answered P, R, U, T -> 4/5; S's reply to nothing. The answers
    # O→R, O→U... are outbound, not inbound: they are not i's themselves.
    assert got["response_rate"][W10] == pytest.approx(4 / 5)
    # hours 48, 1, 3, 5 -> sorted 1, 3, 5, 48 -> mean of the middle two = 4
    assert got["median_response_hours"][W10] == pytest.approx(4.0)
    assert got["response_rate"][W11] is None
    assert got["median_response_hours"][W11] is None


def test_median_of_an_odd_count_is_the_middle_value(wh):
    for hour, answer in ((0, 2.0), (1, 7.0), (2, 30.0)):
        asker = (P, Q, R)[hour]
        wh.say(f"2026-03-03 0{hour}:00", asker, O, "dm")
        wh.say(at_plus(f"2026-03-03 0{hour}:00", answer), O, asker, "dm")
    got = one_week(wh.save(), W10)
    assert got["median_response_hours"] == pytest.approx(7.0)
    assert got["response_rate"] == pytest.approx(1.0)


def at_plus(when: str, hours: float) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(when) + timedelta(hours=hours)).isoformat(sep=" ")


def test_reciprocal_relationships_90_day_window(wh):
    # Window of W10: [2026-03-09 − 90 days, 2026-03-09) = [2025-12-09, 2026-03-09).
    wh.say("2025-12-09 00:00", O, P, "dm")  # exactly at the window start: in
    wh.say("2026-03-08 23:59:59", P, O, "reply")  # in
    wh.say("2025-12-08 23:59:59.999999", O, R, "dm")  # 1 µs before the window: out
    wh.say("2026-03-03 10:00", R, O, "dm")
    wh.say("2026-03-03 10:00", O, S, "dm")
    wh.say("2026-03-09 00:00", S, O, "dm")  # at end(W10): out for W10, in for W11
    wh.say("2026-03-03 10:00", O, O2, "dm")  # both ours: never a pair
    wh.say("2026-03-03 11:00", O2, O, "dm")
    wh.say("2026-03-04 10:00", O2, U, "mention")  # U is not in people: not ours
    wh.say("2026-03-04 11:00", U, O2, "dm")
    wh.say("2026-03-04 12:00", U, O2, "reaction")  # not conversational, changes nothing
    got = values(wh.save(), W11, 2)
    # W10: (O,P), (O2,U) = 2.  W11 window [2025-12-16, 2026-03-16): (O,S), (O2,U) = 2
    assert got["reciprocal_relationships"] == {W10: 2, W11: 2}


def test_new_reciprocal_relationships_counted_once_at_the_later_first(wh):
    wh.say("2026-02-17 10:00", O, P, "dm")  # first O→P in W08
    wh.say("2026-03-03 10:00", P, O, "dm")  # first P→O in W10: new in W10
    wh.say("2026-03-04 10:00", P, O, "dm")  # later messages change nothing
    wh.say("2026-02-25 10:00", Q, O2, "dm")  # first Q→O2 in W09
    wh.say("2026-03-02 00:00", O2, Q, "reply")  # first O2→Q at Monday 00:00: W10
    wh.say("2026-02-24 10:00", O, R, "dm")  # both firsts in W09: new in W09
    wh.say("2026-02-26 10:00", R, O, "dm")
    wh.say("2026-03-05 10:00", O, S, "dm")  # no answer yet: nothing
    got = values(wh.save(), W10, 2)
    assert got["new_reciprocal_relationships"] == {W09: 1, W10: 2}


def test_member_pairs_are_unordered_and_counted_once(wh):
    wh.say("2026-03-02 10:00", P, Q, "reply")
    wh.say("2026-03-02 11:00", Q, P, "reply")
    wh.say("2026-03-02 12:00", P, Q, "reply")  # more messages: still one pair {P, Q}
    wh.say("2026-03-02 13:00", Q, P, "mention")
    wh.say("2026-01-10 10:00", R, P, "dm")
    wh.say("2026-03-05 10:00", P, R, "dm")  # {P, R}: both within 90 days
    wh.say("2026-03-05 10:00", P, U, "dm")  # {P, U}: U is not ours
    wh.say("2026-03-05 11:00", U, P, "dm")
    wh.say("2026-03-05 10:00", P, O, "dm")  # with ours: not a member pair
    wh.say("2026-03-05 11:00", O, P, "dm")
    wh.say("2026-03-05 10:00", S, S, "dm")  # self
    wh.say("2026-03-05 10:00", S, T, "dm")  # one way
    got = one_week(wh.save(), W10)
    assert got["member_reciprocal_pairs"] == 3


def test_referrals_and_their_value(wh):
    wh.referral("2026-03-02 00:00", value=100.0)
    wh.referral("2026-03-08 23:00", value=None)  # empty value counts 0
    wh.referral("2026-03-09 00:00", value=50.0)  # W11
    wh.referral("2026-03-04 00:00", value=7.0, platform="li")
    url = wh.save()
    got = values(url, W11, 3)
    assert got["referrals"] == {W09: 0, W10: 3, W11: 1}
    assert got["referral_value"] == {W09: 0, W10: 107.0, W11: 50.0}
    assert values(url, W10, 1, platform="x")["referral_value"][W10] == 100.0


def test_advocates(wh):
    wh.say("2026-03-03 10:00", P, O, "mention")
    wh.say("2026-03-03 11:00", P, O2, "mention")  # P again: one advocate
    wh.say("2026-03-03 12:00", Q, O, "share")
    wh.say("2026-03-03 13:00", R, O, "list_add")
    wh.say("2026-03-03 14:00", S, P, "mention")  # target not ours
    wh.say("2026-03-03 15:00", O2, O, "mention")  # ours
    wh.say("2026-03-03 16:00", T, O, "reaction")  # not a kind of advocacy
    assert one_week(wh.save(), W10)["advocates"] == 3


def test_automation_unfollows_look_back_seven_days(wh):
    wh.say("2026-02-27 10:00", O, P, "dm", automated=True)
    wh.say("2026-03-06 10:00", P, O, "unfollow")  # automated exactly 7 days before: counts
    wh.say("2026-02-27 09:59:59", O, Q, "dm", automated=True)
    wh.say("2026-03-06 10:00", Q, O, "unfollow")  # 7 days + 1 s before: no
    wh.say("2026-03-06 10:00", O, R, "dm", automated=True)
    wh.say("2026-03-06 10:00", R, O, "unfollow")  # same instant: not before u
    wh.say("2026-03-05 10:00", O, S, "dm")  # not automated
    wh.say("2026-03-06 10:00", S, O, "unfollow")
    wh.say("2026-03-05 10:00", O2, T, "reaction", automated=True)  # any kind, anyone ours
    wh.say("2026-03-06 10:00", T, O, "unfollow")  # counts
    wh.say("2026-03-05 10:00", P, Q, "dm", automated=True)
    wh.say("2026-03-06 11:00", Q, O, "unfollow")  # automated by someone not ours: no
    assert one_week(wh.save(), W10)["automation_unfollows"] == 2


def test_cost_and_efficiency_ratios(wh):
    wh.cost(W10, hours=10, hourly_rate=50)  # 500 (empty spend is 0)
    wh.cost(W10, hours=None, hourly_rate=60, spend=100, platform="li")  # 0 + 100
    wh.referral("2026-03-03 00:00", value=1500.0)
    wh.referral("2026-03-04 00:00", value=None)
    wh.say("2026-02-17 10:00", O, P, "dm")  # new reciprocal in W10
    wh.say("2026-03-03 10:00", P, O, "dm")
    for hour in range(10, 14):  # 4 messages sent in W10 (with the one above: O→P in W08)
        wh.say(f"2026-03-04 {hour}:00", O, Q, "dm")
    url = wh.save()
    got = values(url, W11, 2)
    assert got["cost"] == {W10: 600.0, W11: 0.0}
    assert got["relationship_yield"][W10] == pytest.approx(100 * 1 / 4)
    assert got["cost_per_relationship"][W10] == pytest.approx(600.0)
    assert got["cost_per_referral"][W10] == pytest.approx(300.0)  # 600 / 2 referrals
    assert got["social_roi"][W10] == pytest.approx((1500 - 600) / 600)
    # W11: nothing sent, no cost, no referral: every ratio is undefined, never 0.
    for name in ("relationship_yield", "cost_per_relationship", "cost_per_referral",
                 "social_roi"):
        assert got[name][W11] is None, name
    assert values(url, W10, 1, platform="li")["cost"][W10] == 100.0


def test_platform_filter_never_changes_who_is_ours(wh):
    # O is ours (its people row says platform x); its activity on li is still ours.
    wh.say("2026-03-03 10:00", O, None, "post", platform="li")
    wh.say("2026-03-03 11:00", P, O, "reaction", platform="li")
    wh.say("2026-03-03 12:00", O, P, "dm", platform="li")
    wh.say("2026-03-03 13:00", O, None, "post", platform="x")
    url = wh.save()
    li = one_week(url, W10, platform="li")
    assert (li["posts_published"], li["reactions_received"], li["messages_sent"]) == (1, 1, 1)
    assert li["active_members"] == 1  # P; O stays ours on li
    assert one_week(url, W10, platform="x")["posts_published"] == 1
    assert one_week(url, W10)["posts_published"] == 2


def test_account_filter_restricts_our_side_to_one_account(wh):
    wh.say("2026-03-03 10:00", O, P, "dm")
    wh.say("2026-03-03 11:00", P, O, "dm")
    wh.say("2026-03-03 10:00", O2, Q, "dm")
    wh.say("2026-03-03 11:00", Q, O2, "dm")
    wh.say("2026-03-03 11:30", O2, P, "dm")  # P answered, but by O2, not by O
    wh.say("2026-03-03 12:00", O2, O, "dm")  # teammate: never "theirs" under the filter
    url = wh.save()
    just_o = one_week(url, W10, account=O)
    assert just_o["messages_sent"] == 1
    assert just_o["reciprocal_relationships"] == 1
    assert just_o["response_rate"] == 0.0  # P→O was answered only by O2
    assert one_week(url, W10)["response_rate"] == pytest.approx(1 / 2)  # P→O yes, Q→O2 no
    assert just_o["active_members"] == 2  # P, Q: not about our side
    assert one_week(url, W10)["reciprocal_relationships"] == 2
    with pytest.raises(ValueError, match="not one of ours"):
        one_week(url, W10, account=P)


def test_weeks_in_a_reporting_zone_with_daylight_saving(wh):
    # Europe/Paris: 2026-W14 starts Mon 2026-03-30 00:00 CEST = 2026-03-29 22:00 UTC (DST began
    # on Sunday 29 March), and 2026-W13 starts Mon 2026-03-23 00:00 CET = 2026-03-22 23:00 UTC.
    wh.say("2026-03-22 22:59:59", O, None, "post")  # Paris W12 (Sunday 23:59:59 CET)
    wh.say("2026-03-22 23:00:00", O, None, "post")  # Paris W13 (Monday 00:00 CET)
    wh.say("2026-03-29 21:59:59", O, None, "post")  # Paris W13 (Sunday 23:59:59 CEST)
    wh.say("2026-03-29 22:00:00", O, None, "post")  # Paris W14 (Monday 00:00 CEST)
    # Autumn: 2026-W44 starts Mon 2026-10-26 00:00 CET = 2026-10-25 23:00 UTC.
    wh.say("2026-10-25 22:59:59", O, None, "post")  # Paris W43
    wh.say("2026-10-25 23:00:00", O, None, "post")  # Paris W44
    url = wh.save()
    paris = values(url, "2026-W14", 3, tz="Europe/Paris")["posts_published"]
    assert paris == {"2026-W12": 1, "2026-W13": 2, "2026-W14": 1}
    utc = values(url, "2026-W14", 3)["posts_published"]
    assert utc == {"2026-W12": 2, "2026-W13": 2, "2026-W14": 0}
    autumn = values(url, "2026-W44", 2, tz="Europe/Paris")["posts_published"]
    assert autumn == {"2026-W43": 1, "2026-W44": 1}


def test_an_empty_warehouse_gives_values_not_errors(db_url):
    got = one_week(db_url, W10)
    assert got["followers"] == 0 and got["messages_sent"] == 0
    assert got["reply_rate"] is None and got["social_roi"] is None
