"""One passing and one failing case per check of every suite, as small inline records.

Each case lists records that must pass its check (`good`) and records that must fail it
(`bad`); fields not given come from the table's valid base record. Records get a unique
natural key unless a case sets it, so cases do not collide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 20, 12, 0, 0)
KNOWN_PEOPLE = ["x:alice", "x:bob", "x:acme"]
KNOWN_INTERACTIONS = ["x:0"]
PARAMETERS = {"person_ids": KNOWN_PEOPLE, "interaction_ids": KNOWN_INTERACTIONS}


@dataclass
class Case:
    check: str
    good: list[dict[str, Any]]
    bad: list[dict[str, Any]]
    note: str = field(default="")


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


BASE: dict[str, dict[str, Any]] = {
    "people": {"person_id": None, "platform": "x", "handle": "alice", "display_name": "Alice",
               "is_ours": False},
    "interactions": {"interaction_id": None, "platform": "x", "occurred_at": _t("2026-11-10 10:00:00"),
                     "actor_id": "x:alice", "target_id": "x:bob", "kind": "reply",
                     "thread_id": "x:t1", "in_reply_to": None, "automated": False},
    "audience_daily": {"platform": "x", "account_id": "x:acme", "day": None, "followers": 100,
                       "following": 5, "impressions": 1000, "reach": 800, "engagements": 20,
                       "likes": 10, "page_views": 3, "members": None},
    "referrals": {"referral_id": None, "occurred_at": _t("2026-11-10 09:30:00"), "platform": "x",
                  "referrer_id": "x:alice", "stage": "won", "value": 100.0, "currency": "EUR"},
    "costs": {"week": None, "platform": "x", "hours": 1.0, "hourly_rate": 50.0, "spend": 0.0},
}


def unique_key(table: str, n: int) -> dict[str, Any]:
    """The auto key of the n-th record of a table (the field the base leaves empty)."""
    return {
        "people": {"person_id": f"x:p{n}"},
        "interactions": {"interaction_id": f"x:{n + 1}"},
        "audience_daily": {"day": date(2026, 1, 1) + timedelta(days=n)},
        "referrals": {"referral_id": f"crm:{n}"},
        "costs": {"week": f"2025-W{n % 52 + 1:02d}"},
    }[table]


COUNTS = ("followers", "following", "impressions", "reach", "engagements", "likes", "page_views",
          "members")

CASES: dict[str, list[Case]] = {
    "people": [
        Case("people.person_id_present", [{}], [{"person_id": None}]),
        Case("people.person_id_well_formed", [{"person_id": "slack:U024BE7LH"}],
             [{"person_id": "alice"}, {"person_id": "X:alice"}, {"person_id": "x: alice"}]),
        Case("people.platform_present", [{}], [{"platform": None}]),
        Case("people.platform_well_formed", [{"platform": "mastodon"}],
             [{"platform": "Twitter"}, {"platform": "x\n"}]),
        Case("people.key_unique_in_load", [{"person_id": "x:u1"}, {"person_id": "x:u2"}],
             [{"person_id": "x:dup"}, {"person_id": "x:dup"}]),
    ],
    "interactions": [
        Case("interactions.interaction_id_present", [{}], [{"interaction_id": None}]),
        Case("interactions.interaction_id_well_formed",
             [{"interaction_id": "slack:C1/1700000000.000100"}],
             [{"interaction_id": "1234"}, {"interaction_id": "X:1"}]),
        Case("interactions.platform_present", [{}], [{"platform": None}]),
        Case("interactions.platform_well_formed", [{"platform": "github"}],
             [{"platform": "Twitter"}, {"platform": "x\n"}],
             "a trailing newline is not a platform name in SQL nor in Python"),
        Case("interactions.occurred_at_present", [{}], [{"occurred_at": None}]),
        Case("interactions.occurred_at_not_in_future", [{"occurred_at": NOW + timedelta(days=1)}],
             [{"occurred_at": NOW + timedelta(days=1, seconds=1)}], "a day of tolerance, exactly"),
        Case("interactions.occurred_at_after_platform_launch",
             [{"platform": "slack", "occurred_at": _t("2013-08-14 00:00:00")}],
             [{"platform": "slack", "occurred_at": _t("2013-08-13 23:59:59")},
              {"platform": "newsite", "occurred_at": _t("1999-12-31 23:59:59")}]),
        Case("interactions.actor_id_present", [{}], [{"actor_id": None}]),
        Case("interactions.actor_id_well_formed", [{"actor_id": "x:alice"}], [{"actor_id": "alice"}]),
        Case("interactions.target_id_well_formed", [{"target_id": None}], [{"target_id": "bob"}]),
        Case("interactions.kind_present", [{}], [{"kind": None}]),
        Case("interactions.kind_is_canonical", [{"kind": "list_add"}],
             [{"kind": "wave"}, {"kind": "Reply"}]),
        Case("interactions.reply_has_thread",
             [{"kind": "post", "thread_id": None}, {"kind": "comment", "thread_id": "x:t9"}],
             [{"kind": "comment", "thread_id": None}]),
        Case("interactions.key_unique_in_load",
             [{"interaction_id": "x:u1"}, {"interaction_id": "x:u2"}],
             [{"interaction_id": "x:dup"}, {"interaction_id": "x:dup"}]),
        Case("interactions.actor_in_people", [{"actor_id": "x:bob"}], [{"actor_id": "x:ghost"}],
             "a warning: such a record loads"),
        Case("interactions.target_in_people", [{"target_id": None}], [{"target_id": "x:ghost"}]),
        Case("interactions.in_reply_to_in_data", [{"in_reply_to": "x:0"}],
             [{"in_reply_to": "x:elsewhere"}]),
    ],
    "audience_daily": [
        Case("audience_daily.platform_present", [{}], [{"platform": None}]),
        Case("audience_daily.platform_well_formed", [{"platform": "linkedin"}], [{"platform": "Linked In"}]),
        Case("audience_daily.account_id_present", [{}], [{"account_id": None}]),
        Case("audience_daily.account_id_well_formed", [{"account_id": "x:acme"}], [{"account_id": "acme"}]),
        Case("audience_daily.day_present", [{}], [{"day": None}]),
        Case("audience_daily.day_not_in_future", [{"day": date(2026, 11, 21)}],
             [{"day": date(2026, 11, 22)}]),
        Case("audience_daily.day_after_platform_launch",
             [{"platform": "slack", "day": date(2013, 8, 14)}],
             [{"platform": "slack", "day": date(2013, 8, 13)}, {"platform": "x", "day": date(1999, 5, 1)}]),
        *(Case(f"audience_daily.{c}_not_negative", [{c: 0}], [{c: -1}]) for c in COUNTS),
        Case("audience_daily.key_unique_in_load", [{"day": date(2025, 6, 1)}, {"day": date(2025, 6, 2)}],
             [{"day": date(2025, 7, 1)}, {"day": date(2025, 7, 1)}]),
        Case("audience_daily.account_in_people", [{"account_id": "x:acme"}],
             [{"account_id": "x:ghost"}]),
    ],
    "referrals": [
        Case("referrals.referral_id_present", [{}], [{"referral_id": None}]),
        Case("referrals.platform_present", [{}], [{"platform": None}]),
        Case("referrals.platform_well_formed", [{"platform": "crm"}], [{"platform": "CRM"}]),
        Case("referrals.occurred_at_present", [{}], [{"occurred_at": None}]),
        Case("referrals.occurred_at_not_in_future", [{"occurred_at": NOW}],
             [{"occurred_at": _t("2099-01-01 00:00:00")}]),
        Case("referrals.occurred_at_after_platform_launch", [{"occurred_at": _t("2006-03-21 00:00:00")}],
             [{"occurred_at": _t("2006-03-20 23:00:00")}]),
        Case("referrals.referrer_id_well_formed", [{"referrer_id": None}], [{"referrer_id": "alice"}]),
        Case("referrals.value_not_negative", [{"value": 0.0}, {"value": None}], [{"value": -0.01}]),
        Case("referrals.currency_is_iso_code", [{"currency": "USD"}, {"currency": None}],
             [{"currency": "eur"}, {"currency": "EURO"}]),
        Case("referrals.key_unique_in_load", [{"referral_id": "crm:u1"}, {"referral_id": "crm:u2"}],
             [{"referral_id": "crm:dup"}, {"referral_id": "crm:dup"}]),
        Case("referrals.referrer_in_people", [{"referrer_id": None}], [{"referrer_id": "x:ghost"}]),
    ],
    "costs": [
        Case("costs.week_present", [{}], [{"week": None}]),
        Case("costs.week_is_iso_week", [{"week": "2020-W53"}],
             [{"week": "2026-W54"}, {"week": "2026-46"}, {"week": "2026-W00"}]),
        Case("costs.platform_present", [{}], [{"platform": None}]),
        Case("costs.platform_well_formed", [{"platform": "meetup"}], [{"platform": "Meetup"}]),
        Case("costs.hours_not_negative", [{"hours": 0.0}], [{"hours": -1.5}]),
        Case("costs.hourly_rate_not_negative", [{"hourly_rate": 0.0}], [{"hourly_rate": -50.0}]),
        Case("costs.spend_not_negative", [{"spend": 0.0}], [{"spend": -0.5}]),
        Case("costs.key_unique_in_load",
             [{"week": "2024-W01"}, {"week": "2024-W02"}],
             [{"week": "2024-W10"}, {"week": "2024-W10"}]),
    ],
}


def records(table: str) -> list[dict[str, Any]]:
    """Every record of a table's cases, each with `case_id` like `<check>:good:0`."""
    out, n = [], 0
    for case in CASES[table]:
        for verdict, rows in (("good", case.good), ("bad", case.bad)):
            for i, fields in enumerate(rows):
                record = {**BASE[table], **unique_key(table, n), **fields}
                record["case_id"] = f"{case.check}:{verdict}:{i}"
                out.append(record)
                n += 1
    return out


def case_ids(table: str, check: str, verdict: str) -> set[str]:
    case = next(c for c in CASES[table] if c.check == check)
    rows = case.good if verdict == "good" else case.bad
    return {f"{check}:{verdict}:{i}" for i in range(len(rows))}
