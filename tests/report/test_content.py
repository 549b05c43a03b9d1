"""The report's words and numbers from given results (pure functions, no database)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard import theme
from dashboard.report import ReportFormatError, format_of
from dashboard.report import content as ct

START, END = datetime(2026, 11, 9), datetime(2026, 11, 16)
INFO = {
    "conversations": ct.MetricInfo("conversations", "Two-way conversations", "outcome", "threads",
                                   "{:,.0f}", "up", "", ""),
    "reply_rate": ct.MetricInfo("reply_rate", "Reply rate", "outcome", "share", "{:.0%}", "up",
                                "", ""),
    "referral_value": ct.MetricInfo("referral_value", "Referral value", "outcome", "currency",
                                    "{:,.2f}", "up", "", ""),
    "followers": ct.MetricInfo("followers", "Followers", "vanity", "people", "{:,.0f}", "up",
                               "", ""),
}


@pytest.mark.parametrize("name, expected", [
    ("w46.pdf", "pdf"), ("W46.PDF", "pdf"), ("deck.pptx", "pptx"), ("a/b/deck.Pptx", "pptx"),
])
def test_the_format_comes_from_the_extension(name: str, expected: str) -> None:
    assert format_of(Path(name)) == expected


@pytest.mark.parametrize("name", ["report.docx", "report", "report.pdf.txt", "slides.ppt"])
def test_an_unknown_extension_is_refused_with_what_to_do(name: str) -> None:
    with pytest.raises(ReportFormatError, match=r"\.pdf or \.pptx"):
        format_of(Path(name))


@pytest.mark.parametrize("latest, status, words", [
    (datetime(2026, 11, 16, 3), "up to date", "data continues after the week's end"),
    (datetime(2026, 11, 15, 23, 45), "up to date", "latest 15 min before the week's end"),
    (datetime(2026, 11, 15, 2), "up to date", "latest 22 h before the week's end"),
    (datetime(2026, 11, 14, 12), "lagging", "stops 36 h before the week's end"),
    (datetime(2026, 11, 10), "lagging", "stops 6 days before the week's end"),
    (datetime(2026, 11, 1), "stale", "nothing in the week: stops 15 days before its end"),
    (None, "stale", "no interactions loaded"),
])
def test_freshness_compares_each_platforms_latest_interaction_with_the_weeks_end(
        latest, status: str, words: str) -> None:
    rows = ct.freshness({"x": latest}, START, END)
    assert (rows[0].status, rows[0].text) == (status, words)


def test_lines_format_values_and_changes_as_the_dashboard_does() -> None:
    values = {("conversations", "W3"): 12.0, ("conversations", "W2"): 9.0,
              ("conversations", "W0"): 15.0, ("reply_rate", "W3"): 0.425,
              ("reply_rate", "W2"): None, ("referral_value", "W3"): 1200.0,
              ("referral_value", "W0"): 200.0, ("followers", "W3"): 23972.0}
    found = {line.name: line for line in ct.lines(list(INFO) + ["not_in_catalog"], INFO, values,
                                                   "W3", "W2", "W0", "EUR")}
    assert set(found) == set(INFO)
    assert (found["conversations"].text, found["conversations"].week_change,
            found["conversations"].month_change) == ("12", "+3", "-3")
    assert (found["reply_rate"].text, found["reply_rate"].week_change) == ("42%", None)
    assert found["referral_value"].text == theme.format_value(1200.0, "currency", "EUR", "{:,.2f}")
    assert found["referral_value"].month_change == theme.format_change(1200.0, 200.0, "currency",
                                                                       "EUR")
    assert found["followers"].text == "23,972"


def _line(name: str, text: str, change: str | None = None) -> ct.Line:
    return ct.Line(name, name, "outcome", "up", 1.0, text, change, None)


def test_the_summary_puts_relationships_first_then_money() -> None:
    outcomes = [_line("conversations", "23", "+4"), _line("new_reciprocal_relationships", "5"),
                _line("reciprocal_relationships", "38"), _line("reply_rate", "48%", "+3 pts"),
                _line("referrals", "2")]
    roi = [_line("referral_value", "12,000 EUR"), _line("cost", "3,400 EUR"),
           _line("social_roi", "253%")]
    said = ct.summary(outcomes, roi, "2026-W46")
    assert said[0] == ("In 2026-W46 we had 23 two-way conversations (+4 on last week) and 5 new "
                       "reciprocal relationships, for 38 reciprocal relationships over the last "
                       "90 days.")
    assert "48%" in said[1] and "+3 pts" in said[1]
    assert said[2] == ("2 referrals worth 12,000 EUR, against a recorded cost of 3,400 EUR "
                       "(social ROI 253%).")
    assert len(said) == 3  # no harm, no harm sentence
    harmed = ct.summary([*outcomes, ct.Line("automation_unfollows", "Unfollows", "harm", "down",
                                            22.0, "22", "-6", None)], roi, "W")
    assert harmed[-1] == ("Harm: 22 unfollows came within 7 days of an automated message from "
                          "us (-6 on last week).")
    no_cost = [*roi[:2], ct.Line("social_roi", "Social ROI", "efficiency", "up", None, "—", None,
                                 None)]
    assert ct.summary(outcomes, no_cost, "W")[2].endswith("(no social ROI: it needs a recorded "
                                                          "cost).")


FAILED = pd.DataFrame([
    {"check": "interactions.kind_is_canonical", "severity": "error", "status": "failed",
     "platform": "generic", "observed": "1"},
    {"check": "interactions.kind_is_canonical", "severity": "error", "status": "failed",
     "platform": "generic", "observed": "2"},
    {"check": "interactions.in_reply_to_known", "severity": "warning", "status": "failed",
     "platform": None, "observed": "7"},
    {"check": "referrals.one_currency", "severity": "error", "status": "could_not_run",
     "platform": None, "observed": None},
])


def test_failed_checks_are_grouped_errors_first() -> None:
    found = ct.checks(FAILED)
    assert [(c.check, c.severity, c.status, c.platform, c.results) for c in found] == [
        ("interactions.kind_is_canonical", "error", "failed", "generic", 2),
        ("referrals.one_currency", "error", "could_not_run", "all", 1),
        ("interactions.in_reply_to_known", "warning", "failed", "all", 1),
    ]


@pytest.mark.parametrize("rows, expected", [
    (FAILED, "Data health: 1 error-level check(s) failed for the data behind W "
             "(interactions.kind_is_canonical)."),
    (FAILED.iloc[2:], "Data health: no error-level check failed for W; 2 warning(s) or check(s) "
                      "that could not run deserve a look"),
    (FAILED.iloc[0:0], "Data health: every check on the data behind W passed."),
])
def test_the_health_line_names_the_failed_error_checks(rows: pd.DataFrame, expected: str) -> None:
    assert ct.health(ct.checks(rows), "W").startswith(expected)


def test_the_quality_statement_names_checks_and_platforms_that_lag() -> None:
    fresh = ct.freshness({"slack": datetime(2026, 11, 20), "x": datetime(2026, 11, 2)}, START, END)
    text = ct.quality_statement(ct.checks(FAILED), fresh, "W")
    assert "1 error-level check(s) failed for the data behind W: " \
           "interactions.kind_is_canonical (generic, observed 1)." in text
    assert "1 warning(s): interactions.in_reply_to_known." in text
    assert "1 check(s) could not run: referrals.one_currency." in text
    assert "Data does not reach the week's end for: x (stale)." in text


def test_harm_counts_unfollows_and_the_automated_messages_before_them() -> None:
    detail = pd.DataFrame([  # two people unfollowed; p1 had two automated messages before
        {"person_id": "x:p1", "unfollowed_at": datetime(2026, 11, 10), "unfollowed_id": "x:us",
         "automated_message": "x:m1", "kind": "dm", "sender_id": "x:us", "hours_before": 30.0},
        {"person_id": "x:p1", "unfollowed_at": datetime(2026, 11, 10), "unfollowed_id": "x:us",
         "automated_message": "x:m2", "kind": "mention", "sender_id": "x:bot", "hours_before": 2.0},
        {"person_id": "x:p2", "unfollowed_at": datetime(2026, 11, 11), "unfollowed_id": "x:us",
         "automated_message": "x:m3", "kind": "dm", "sender_id": "x:us", "hours_before": 10.0},
    ])
    harm = ct.harm(detail, 2.0, 9.0, "W", 12)
    assert (harm.unfollows, harm.people, harm.messages, harm.senders) == (2, 2, 3, 2)
    assert harm.by_kind == (("dm", 2), ("mention", 1))
    assert harm.median_hours == 6.0  # the nearest messages: 2 h and 10 h
    assert harm.period_unfollows == 9
    assert "x:p1" not in harm.text and "x:us" not in harm.text


def test_no_harm_is_said_plainly() -> None:
    harm = ct.harm(pd.DataFrame(), 0.0, 0.0, "W", 12)
    assert harm.unfollows == 0
    assert harm.text.startswith("No unfollow in W came within 7 days")


def test_indexed_values_are_shares_of_each_metrics_highest_week() -> None:
    results = pd.DataFrame({"week": ["W1", "W2", "W1", "W2", "W1", "W2"],
                            "metric": ["followers"] * 2 + ["conversations"] * 2
                            + ["reply_rate"] * 2,
                            "value": [20000.0, 25000.0, 0.0, 10.0, None, None]})
    shares = ct.indexed(results, ["followers", "conversations", "reply_rate"], INFO)
    got = {(r.label, r.week): r.value for r in shares.itertuples()}
    assert got[("Followers", "W1")] == 0.8 and got[("Followers", "W2")] == 1.0
    assert got[("Two-way conversations", "W1")] == 0.0
    assert pd.isna(got[("Reply rate", "W1")])  # undefined stays undefined


def test_divergence_keeps_the_flagged_messages_newest_first() -> None:
    signals = pd.DataFrame({"week": ["W1", "W2", "W2", "W3"],
                            "flagged": [True, True, False, True],
                            "message": ["old", "new", "not flagged", "new"]})
    assert ct.divergence(signals) == ["W3: new", "W2: new", "W1: old"]
    assert ct.divergence(signals, "W2") == ["new"]
    assert ct.divergence(None) == []


@pytest.mark.parametrize("errors, warnings, expected", [
    ([0, 0, 0], [0, 0, 0], "Over the 3 weeks, no week's data failed an error-level check."),
    ([0, 2, 0], [0, 0, 1], "Over the 3 weeks, 1 week(s) had error-level check failures behind "
                           "their data: W2 (2); 1 week(s) had warnings."),
])
def test_the_period_statement_lists_the_weeks_with_failures(errors, warnings, expected) -> None:
    by_week = pd.DataFrame({"week": ["W1", "W2", "W3"], "errors": errors, "warnings": warnings})
    assert ct.period_quality(by_week, 3) == expected
