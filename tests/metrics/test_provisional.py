"""A week's answer-based figures are provisional until their answer window has passed.

2026-W22 runs from Mon 25 May to Sun 31 May 2026 (UTC): its end is Mon 1 Jun 00:00, so replies
(7 days) can arrive until Sun 7 Jun and our answers (48 hours) until Tue 2 Jun.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from metrics import catalog as cat
from metrics.provisional import provisional, reference

REPLY, RESPONSE, MEDIAN = "reply_rate", "response_rate", "median_response_hours"
ALL = {REPLY, RESPONSE, MEDIAN}


@pytest.mark.parametrize("latest, expected", [
    (datetime(2026, 5, 29, 12, 0), ALL),                      # mid-week: nothing is final
    (datetime(2026, 6, 2, 23, 59), ALL),                      # a minute before 48 h have passed
    (datetime(2026, 6, 3, 0, 0), {REPLY}),                    # 48 h passed, 7 days not
    (datetime(2026, 6, 7, 23, 59, 59), {REPLY}),
    (datetime(2026, 6, 8, 0, 0), set()),                      # every window has passed
    (datetime(2026, 9, 1), set()),                            # a week long past
    (datetime(2026, 6, 5, 12, 0, tzinfo=timezone.utc), {REPLY}),  # an aware instant
    (None, set()),                                            # nothing loaded
])
def test_which_metrics_of_a_week_are_provisional(latest, expected):
    assert set(provisional("2026-W22", latest)) == expected


@pytest.mark.parametrize("metric, until, last_day, note", [
    (REPLY, datetime(2026, 6, 8), date(2026, 6, 7),
     "provisional: replies can still arrive until Sun 7 Jun"),
    (RESPONSE, datetime(2026, 6, 3), date(2026, 6, 2),
     "provisional: our answers can still arrive until Tue 2 Jun"),
    (MEDIAN, datetime(2026, 6, 3), date(2026, 6, 2),
     "provisional: our answers can still arrive until Tue 2 Jun"),
])
def test_a_provisional_metric_says_until_when_answers_can_arrive(metric, until, last_day, note):
    found = provisional("2026-W22", datetime(2026, 6, 1, 9, 30))[metric]
    assert (found.until, found.last_day, found.note) == (until, last_day, note)


def test_the_last_day_is_counted_in_the_reporting_time_zone():
    # In Paris (UTC+2 in summer) W22 ends Sun 31 May 22:00 UTC; 48 h later is Tue 2 Jun 22:00
    # UTC, midnight in Paris: the last day is still Tuesday there, and 21:00 UTC is before it.
    found = provisional("2026-W22", datetime(2026, 6, 2, 21, 0), tz="Europe/Paris")
    assert found[RESPONSE].until == datetime(2026, 6, 2, 22, 0)
    assert found[RESPONSE].last_day == date(2026, 6, 2)
    assert RESPONSE not in provisional("2026-W22", datetime(2026, 6, 2, 22, 0), tz="Europe/Paris")


def test_the_windows_are_the_catalogs_own():
    windows = {m.name: m.answer_window for m in cat.CATALOG if m.answer_window is not None}
    assert windows == {REPLY: 7 * cat.DAY, RESPONSE: 48 * cat.HOUR, MEDIAN: 48 * cat.HOUR}
    # The harm measure looks back 7 days before an unfollow: it waits for no answer.
    assert cat.metric("automation_unfollows").answer_window is None


def test_a_changed_window_moves_the_date():
    shorter = tuple(m if m.name != REPLY else cat.Metric(**{
        **m.__dict__, "params": (("window", 3 * cat.DAY),)}) for m in cat.CATALOG)
    found = provisional("2026-W22", datetime(2026, 6, 2), catalog=shorter)
    assert found[REPLY].until == datetime(2026, 6, 1) + timedelta(days=3)


# 2026-W22 starts Mon 25 May 2026 00:00 UTC.
X, LI, DC = datetime(2026, 6, 9), datetime(2026, 6, 8, 12), datetime(2026, 6, 1, 10)


@pytest.mark.parametrize("latest, expected", [
    ({"x": X, "linkedin": LI}, LI),                    # every platform reaches the week
    ({"x": X, "linkedin": LI, "discourse": DC}, DC),    # one lags: it decides
    ({"x": X, "discourse": datetime(2026, 5, 20)}, X),  # one ended before the week began
    ({"x": datetime(2026, 5, 1), "discourse": datetime(2026, 5, 20)},
     datetime(2026, 5, 20)),                            # none reaches it: the latest of all
    ({"x": datetime(2026, 6, 1, 12, tzinfo=timezone.utc)}, datetime(2026, 6, 1, 12)),
    ({}, None),                                         # nothing loaded
])
def test_the_reference_is_the_earliest_end_among_the_platforms_in_the_week(latest, expected):
    assert reference(latest, "2026-W22") == expected


def test_a_lagging_platform_keeps_the_week_provisional_for_every_platform():
    both = reference({"x": X, "discourse": DC}, "2026-W22")
    assert set(provisional("2026-W22", both)) == ALL  # 1 Jun 10:00: even 48 h have not passed
    assert provisional("2026-W22", reference({"x": X}, "2026-W22")) == {}
