"""The catalog's own rules, each shown to catch a broken catalog built here."""
from __future__ import annotations

from dataclasses import replace

import pytest

from metrics import catalog as cat
from metrics.validate import problems

DESIGN_METRICS = [
    "followers", "follower_growth", "impressions", "reactions_received", "posts_published",
    "messages_sent", "active_members", "conversations", "conversations_with_us", "reply_rate",
    "response_rate", "median_response_hours", "reciprocal_relationships",
    "new_reciprocal_relationships", "member_reciprocal_pairs", "referrals", "referral_value",
    "advocates", "automation_unfollows", "cost", "relationship_yield", "cost_per_relationship",
    "cost_per_referral", "social_roi",
]


def test_the_catalog_is_every_metric_of_the_design_in_order():
    assert [m.name for m in cat.CATALOG] == DESIGN_METRICS


def test_the_shipped_catalog_breaks_no_rule():
    assert problems() == []


@pytest.mark.parametrize("pair", [("followers", "reciprocal_relationships"),
                                  ("messages_sent", "reply_rate"),
                                  ("impressions", "conversations")])
def test_vanity_metrics_name_the_outcome_they_are_mistaken_for(pair):
    assert cat.metric(pair[0]).mistaken_for == pair[1]


def _broken(name: str, **changes) -> tuple[cat.Metric, ...]:
    return tuple(replace(m, **changes) if m.name == name else m for m in cat.CATALOG)


@pytest.mark.parametrize("catalog, message", [
    (cat.CATALOG + (cat.metric("cost"),), "cost: the name is used twice"),
    (_broken("reply_rate", description=""), "reply_rate: the description is missing"),
    (_broken("reply_rate", definition=" "), "reply_rate: the definition is missing"),
    (_broken("advocates", family="buzz"), "advocates: unknown family 'buzz'"),
    (_broken("advocates", direction="sideways"), "advocates: direction 'sideways'"),
    (_broken("followers", mistaken_for=None), "followers: a vanity metric must say"),
    (_broken("followers", mistaken_for="impressions"), "followers: mistaken_for must name"),
    (_broken("conversations", inputs=("audience_daily.impressions", "followers")),
     "conversations: an outcome computed only from vanity inputs"),
    (_broken("social_roi", denominator="nothing"), "social_roi: depends on unknown metric"),
])
def test_each_rule_catches_a_broken_catalog(catalog, message):
    assert any(p.startswith(message) for p in problems(catalog)), problems(catalog)


def test_every_metric_is_described_in_plain_words():
    for m in cat.CATALOG:
        assert m.description.endswith(".") and len(m.description) > 40, m.name
