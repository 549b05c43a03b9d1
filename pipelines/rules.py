"""Record-level rules applied to every load, as data: name, table, severity, SQL.

An **error** makes a record unusable: it goes to quarantine with the rule's name. A
**warning** marks data that still loads. Each rule's `bad` is a DuckDB SQL predicate over the
typed staging columns of its table (see `pipelines.stage`); it is TRUE for a failing record.
`{now}` is replaced with the load's clock (UTC, naive).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipelines.warehouse import AUDIENCE_COUNTS, KINDS

ERROR = "error"
WARNING = "warning"

# The earliest plausible date per platform (its public launch); others: 2000-01-01.
PLATFORM_LAUNCH: dict[str, date] = {
    "linkedin": date(2003, 5, 5),
    "facebook": date(2004, 2, 4),
    "messenger": date(2008, 4, 1),
    "twitter": date(2006, 3, 21),
    "x": date(2006, 3, 21),
    "github": date(2008, 2, 8),
    "meetup": date(2002, 6, 12),
    "discourse": date(2013, 2, 5),
    "slack": date(2013, 8, 14),
    "telegram": date(2013, 8, 14),
    "discord": date(2015, 5, 13),
    "mattermost": date(2015, 10, 2),
    "mastodon": date(2016, 3, 16),
}
EARLIEST = date(2000, 1, 1)

ID_PATTERN = r"^[a-z][a-z0-9_]*:\S.*$"
PLATFORM_PATTERN = r"^[a-z][a-z0-9_]*$"


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    severity: str
    description: str
    bad: str  # DuckDB SQL predicate, TRUE when the record breaks the rule

    def sql(self, now: str) -> str:
        return self.bad.replace("{now}", now)


def _launch_case(column: str) -> str:
    whens = " ".join(f"WHEN '{p}' THEN DATE '{d.isoformat()}'" for p, d in PLATFORM_LAUNCH.items())
    return (f"({column} < CAST(CASE platform {whens} ELSE DATE '{EARLIEST.isoformat()}' END "
            "AS TIMESTAMP))")


def _time_rules(table: str) -> list[Rule]:
    return [
        Rule(f"{table}.occurred_at_present", table, ERROR,
             "occurred_at is present: a record without a usable time cannot be placed in a week",
             "occurred_at IS NULL"),
        Rule(f"{table}.occurred_at_not_in_future", table, ERROR,
             "occurred_at is not after tomorrow",
             "occurred_at > TIMESTAMP '{now}' + INTERVAL 1 DAY"),
        Rule(f"{table}.occurred_at_after_platform_launch", table, ERROR,
             "occurred_at is not before 2000 nor before its platform existed",
             _launch_case("occurred_at")),
    ]


def _id_rule(table: str, column: str, required: bool) -> Rule:
    if required:
        return Rule(f"{table}.{column}_well_formed", table, ERROR,
                    f"{column} is present and looks like <platform>:<native id>",
                    f"{column} IS NULL OR NOT regexp_matches({column}, '{ID_PATTERN}')")
    return Rule(f"{table}.{column}_well_formed", table, ERROR,
                f"{column} is empty or looks like <platform>:<native id>",
                f"{column} IS NOT NULL AND NOT regexp_matches({column}, '{ID_PATTERN}')")


def _platform_rule(table: str) -> Rule:
    return Rule(f"{table}.platform_well_formed", table, ERROR,
                "platform is a lower-case name like twitter or slack",
                f"platform IS NULL OR NOT regexp_matches(platform, '{PLATFORM_PATTERN}')")


_KIND_LIST = ", ".join(f"'{k}'" for k in KINDS)

RULES: list[Rule] = [
    # people
    _id_rule("people", "person_id", True),
    _platform_rule("people"),
    # interactions
    _id_rule("interactions", "interaction_id", True),
    _platform_rule("interactions"),
    *_time_rules("interactions"),
    _id_rule("interactions", "actor_id", True),
    _id_rule("interactions", "target_id", False),
    Rule("interactions.kind_is_canonical", "interactions", ERROR,
         "kind is one of the canonical kinds", f"kind IS NULL OR kind NOT IN ({_KIND_LIST})"),
    Rule("interactions.reply_has_thread", "interactions", WARNING,
         "a reply or comment belongs to a thread",
         "kind IN ('reply', 'comment') AND thread_id IS NULL"),
    # audience_daily
    _platform_rule("audience_daily"),
    _id_rule("audience_daily", "account_id", True),
    Rule("audience_daily.day_present", "audience_daily", ERROR,
         "day is present", "day IS NULL"),
    Rule("audience_daily.day_not_in_future", "audience_daily", ERROR,
         "day is not after tomorrow", "day > CAST(TIMESTAMP '{now}' AS DATE) + 1"),
    Rule("audience_daily.day_after_platform_launch", "audience_daily", ERROR,
         "day is not before 2000 nor before its platform existed",
         _launch_case("CAST(day AS TIMESTAMP)")),
    *(Rule(f"audience_daily.{c}_not_negative", "audience_daily", ERROR,
           f"{c} is never negative", f"{c} < 0") for c in AUDIENCE_COUNTS),
    # referrals
    Rule("referrals.referral_id_present", "referrals", ERROR,
         "referral_id is present", "referral_id IS NULL"),
    _platform_rule("referrals"),
    *_time_rules("referrals"),
    _id_rule("referrals", "referrer_id", False),
    Rule("referrals.value_not_negative", "referrals", ERROR,
         "value is never negative", "value < 0"),
    # costs
    Rule("costs.week_is_iso_week", "costs", ERROR,
         "week is an ISO week label like 2026-W46",
         "week IS NULL OR NOT regexp_matches(week, '^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$')"),
    _platform_rule("costs"),
    *(Rule(f"costs.{c}_not_negative", "costs", ERROR, f"{c} is never negative", f"{c} < 0")
      for c in ("hours", "hourly_rate", "spend")),
]


def rules_for(table: str, severity: str | None = None) -> list[Rule]:
    return [r for r in RULES if r.table == table and (severity is None or r.severity == severity)]
