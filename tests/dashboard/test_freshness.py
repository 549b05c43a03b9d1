"""The dashboard's data version: any write to the warehouse is seen, reading it is not a write."""
from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from dashboard import queries
from metrics import api
from metrics import weeks as wk
from pipelines import warehouse as wh
from pipelines.publish import writable
from tests.dashboard.conftest import open_app, shown_errors
from tests.dashboard.test_app import _check_figures, _shown_metrics


def _without_the_weeks_referrals(url: str) -> sa.Delete:
    bounds = wk.week(api.default_week(url))
    return sa.delete(wh.referrals).where(wh.referrals.c.occurred_at >= bounds.start_utc,
                                         wh.referrals.c.occurred_at < bounds.end_utc)


def _publish_without_referrals(url: str) -> None:
    """A load as `rapport load` publishes one: a new file renamed over the live one."""
    delete = _without_the_weeks_referrals(url)
    with writable(url) as next_url:
        engine = wh.make_engine(next_url)
        with engine.begin() as conn:
            conn.execute(delete)
        engine.dispose()


def _write_in_place(url: str) -> None:
    """A writer that opens the live file itself (not how rapport writes, but seen all the same)."""
    delete = _without_the_weeks_referrals(url)
    engine = wh.make_engine(url)
    with engine.begin() as conn:
        conn.execute(delete)
    engine.dispose()


def _read_everything(url: str) -> None:
    queries.platforms(url)
    queries.recorded_version(url)
    api.compute(url, api.default_week(url), weeks=2)


@pytest.mark.parametrize("action, changes", [
    (_publish_without_referrals, True),   # a load, a cost or a check published by rename
    (_write_in_place, True),              # a write into the live file
    (_read_everything, False),            # the pages' own reads must not look like new data
])
def test_the_data_version_follows_writes_only(demo_copy: str, action: Callable[[str], None],
                                              changes: bool) -> None:
    before = queries.data_version(demo_copy)
    action(demo_copy)
    assert (queries.data_version(demo_copy) != before) is changes


def test_the_data_version_of_a_duckdb_file_does_not_open_it(demo_copy: str) -> None:
    with wh.make_engine(demo_copy).connect() as conn:  # a writer holding the file
        conn.exec_driver_sql("SELECT 1")
        assert queries.data_version(demo_copy) == queries.data_version(demo_copy)


def test_the_weekly_page_shows_a_new_load_on_its_next_run(demo_copy: str, monkeypatch) -> None:
    week = api.default_week(demo_copy)
    at = open_app(demo_copy, monkeypatch)
    shown = _shown_metrics(at)
    old = api.compute(demo_copy, week, weeks=1).set_index("metric")["value"]

    _publish_without_referrals(demo_copy)
    new = api.compute(demo_copy, week, weeks=1).set_index("metric")["value"]
    assert not old.equals(new), "the demo week must have referrals for this test to mean anything"

    at.run()  # the same session: its cached figures are keyed on the data version
    assert shown_errors(at) == []
    assert _shown_metrics(at) != shown
    _check_figures(at, demo_copy, week, None)


def test_the_pickers_keep_the_selection_when_a_page_stops_early(demo_copy: str,
                                                                monkeypatch) -> None:
    engine = wh.make_engine(demo_copy)
    with engine.begin() as conn:  # no loads or checks recorded: the quality page stops early
        for table in (wh.quarantine, wh.quality_results, wh.loads):
            conn.execute(sa.delete(table))
    engine.dispose()
    at = open_app(demo_copy, monkeypatch)
    weeks = at.selectbox(key="week").options
    at.selectbox(key="week").set_value(weeks[2]).run()
    at.switch_page("views/quality.py").run()
    assert any("No loads or checks" in i.value for i in at.info)
    at.run()
    assert shown_errors(at) == []
    assert at.selectbox(key="week").value == weeks[2]
    assert at.query_params.get("week") in (weeks[2], [weeks[2]])
