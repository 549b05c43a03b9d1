"""The expectation suites, one per canonical table: the single source of every data check.

Each suite is a literal list of named checks. The loader's record rules (`pipelines.rules`)
are derived from the record-scope checks; the Great Expectations suites are built from the
same checks (`pipelines.quality.gx_run.gx_expectations`); `rapport check` re-runs the warnings and
runs the warehouse-scope checks in SQL. Severity follows DESIGN §3: an error quarantines a
record, a warning marks data that still loads (an id missing from people is valid).
"""
from __future__ import annotations

from typing import Callable

from pipelines.quality.checks import (
    CURRENCY_PATTERN, PLATFORM_PATTERN, WEEK_PATTERN, AfterPlatformLaunch, CanonicalId, Check,
    InSet, KnownIn, Matches, NeverNegative, NotInFuture, NotNull, PresentWhen, UniqueKey, error,
    warning,
)
from pipelines.warehouse import KINDS

REPLY_KINDS = ("reply", "comment")


def people_suite() -> list[Check]:
    """What every person record must satisfy."""
    return [
        error("people.person_id_present", "person_id is present", NotNull("person_id")),
        error("people.person_id_well_formed", "person_id looks like <platform>:<native id>",
              CanonicalId("person_id")),
        error("people.platform_present", "platform is present", NotNull("platform")),
        error("people.platform_well_formed", "platform is a lower-case name like twitter or slack",
              Matches("platform", PLATFORM_PATTERN)),
        warning("people.key_unique_in_load", "a person appears once in a load (the last row wins)",
                UniqueKey(("person_id",))),
    ]


def interactions_suite() -> list[Check]:
    """What every interaction must (errors) or should (warnings) satisfy."""
    return [
        error("interactions.interaction_id_present", "interaction_id is present",
              NotNull("interaction_id")),
        error("interactions.interaction_id_well_formed",
              "interaction_id looks like <platform>:<native id>", CanonicalId("interaction_id")),
        error("interactions.platform_present", "platform is present", NotNull("platform")),
        error("interactions.platform_well_formed",
              "platform is a lower-case name like twitter or slack",
              Matches("platform", PLATFORM_PATTERN)),
        error("interactions.occurred_at_present",
              "occurred_at is present: a record without a usable time cannot be placed in a week",
              NotNull("occurred_at")),
        error("interactions.occurred_at_not_in_future",
              "occurred_at is not in the future (a day of tolerance)",
              NotInFuture("occurred_at")),
        error("interactions.occurred_at_after_platform_launch",
              "occurred_at is not before 2000 nor before its platform existed",
              AfterPlatformLaunch("occurred_at")),
        error("interactions.actor_id_present", "actor_id is present", NotNull("actor_id")),
        error("interactions.actor_id_well_formed", "actor_id looks like <platform>:<native id>",
              CanonicalId("actor_id")),
        error("interactions.target_id_well_formed",
              "target_id is empty or looks like <platform>:<native id>", CanonicalId("target_id")),
        error("interactions.kind_present", "kind is present", NotNull("kind")),
        error("interactions.kind_is_canonical", "kind is one of the canonical kinds",
              InSet("kind", KINDS)),
        warning("interactions.reply_has_thread", "a reply has a thread",
                PresentWhen("thread_id", "kind", REPLY_KINDS)),
        warning("interactions.key_unique_in_load",
                "an interaction appears once in a load (the last row wins)",
                UniqueKey(("interaction_id",))),
        warning("interactions.actor_in_people", "actors exist in people",
                KnownIn("actor_id", "people", "person_id", "person_ids")),
        warning("interactions.target_in_people", "targets exist in people",
                KnownIn("target_id", "people", "person_id", "person_ids")),
        warning("interactions.in_reply_to_in_data", "what a message answers is in the data",
                KnownIn("in_reply_to", "interactions", "interaction_id", "interaction_ids")),
    ]


def audience_daily_suite() -> list[Check]:
    """What every day of platform analytics must satisfy."""
    return [
        error("audience_daily.platform_present", "platform is present", NotNull("platform")),
        error("audience_daily.platform_well_formed",
              "platform is a lower-case name like twitter or slack",
              Matches("platform", PLATFORM_PATTERN)),
        error("audience_daily.account_id_present", "account_id is present", NotNull("account_id")),
        error("audience_daily.account_id_well_formed",
              "account_id looks like <platform>:<native id>", CanonicalId("account_id")),
        error("audience_daily.day_present", "day is present", NotNull("day")),
        error("audience_daily.day_not_in_future", "day is not after tomorrow",
              NotInFuture("day", is_day=True)),
        error("audience_daily.day_after_platform_launch",
              "day is not before 2000 nor before its platform existed",
              AfterPlatformLaunch("day", is_day=True)),
        error("audience_daily.followers_not_negative", "followers are never negative",
              NeverNegative("followers")),
        error("audience_daily.following_not_negative", "following is never negative",
              NeverNegative("following")),
        error("audience_daily.impressions_not_negative", "impressions are never negative",
              NeverNegative("impressions")),
        error("audience_daily.reach_not_negative", "reach is never negative",
              NeverNegative("reach")),
        error("audience_daily.engagements_not_negative", "engagements are never negative",
              NeverNegative("engagements")),
        error("audience_daily.likes_not_negative", "likes are never negative",
              NeverNegative("likes")),
        error("audience_daily.page_views_not_negative", "page views are never negative",
              NeverNegative("page_views")),
        error("audience_daily.members_not_negative", "members are never negative",
              NeverNegative("members")),
        warning("audience_daily.key_unique_in_load",
                "an account's day appears once in a load (the last row wins)",
                UniqueKey(("platform", "account_id", "day"))),
        warning("audience_daily.account_in_people", "accounts exist in people",
                KnownIn("account_id", "people", "person_id", "person_ids")),
    ]


def referrals_suite() -> list[Check]:
    """What every referral must (errors) or should (warnings) satisfy."""
    return [
        error("referrals.referral_id_present", "referral_id is present", NotNull("referral_id")),
        error("referrals.platform_present", "platform is present", NotNull("platform")),
        error("referrals.platform_well_formed", "platform is a lower-case name like twitter or slack",
              Matches("platform", PLATFORM_PATTERN)),
        error("referrals.occurred_at_present",
              "occurred_at is present: a record without a usable time cannot be placed in a week",
              NotNull("occurred_at")),
        error("referrals.occurred_at_not_in_future",
              "occurred_at is not in the future (a day of tolerance)",
              NotInFuture("occurred_at")),
        error("referrals.occurred_at_after_platform_launch",
              "occurred_at is not before 2000 nor before its platform existed",
              AfterPlatformLaunch("occurred_at")),
        error("referrals.referrer_id_well_formed",
              "referrer_id is empty or looks like <platform>:<native id>", CanonicalId("referrer_id")),
        error("referrals.value_not_negative", "a referral value is never negative",
              NeverNegative("value")),
        warning("referrals.currency_is_iso_code", "currency is a three-letter code like EUR",
                Matches("currency", CURRENCY_PATTERN)),
        warning("referrals.key_unique_in_load", "a referral appears once in a load (the last row wins)",
                UniqueKey(("referral_id",))),
        warning("referrals.referrer_in_people", "referrers exist in people",
                KnownIn("referrer_id", "people", "person_id", "person_ids")),
    ]


def costs_suite() -> list[Check]:
    """What every week of costs must satisfy."""
    return [
        error("costs.week_present", "week is present", NotNull("week")),
        error("costs.week_is_iso_week", "week is an ISO week label like 2026-W46",
              Matches("week", WEEK_PATTERN)),
        error("costs.platform_present", "platform is present", NotNull("platform")),
        error("costs.platform_well_formed", "platform is a lower-case name like twitter or slack",
              Matches("platform", PLATFORM_PATTERN)),
        error("costs.hours_not_negative", "hours are never negative", NeverNegative("hours")),
        error("costs.hourly_rate_not_negative", "the hourly rate is never negative",
              NeverNegative("hourly_rate")),
        error("costs.spend_not_negative", "spend is never negative", NeverNegative("spend")),
        warning("costs.key_unique_in_load", "a platform's week appears once in a load (the last row wins)",
                UniqueKey(("week", "platform"))),
    ]


SUITES: dict[str, Callable[[], list[Check]]] = {
    "people": people_suite,
    "interactions": interactions_suite,
    "audience_daily": audience_daily_suite,
    "referrals": referrals_suite,
    "costs": costs_suite,
}


def suite(table: str) -> list[Check]:
    """The checks of one table's suite."""
    return SUITES[table]()


def all_checks() -> list[Check]:
    """Every check of every suite, table by table."""
    return [check for table in SUITES for check in suite(table)]
