"""The read API the dashboard and the report use: which checks failed, per week and platform."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipelines.load import load_paths
from pipelines.quality import api
from pipelines.quality.runner import run_checks

NOW = datetime(2026, 11, 20, 12, 0)
PEOPLE = "person_id,platform,handle,display_name,is_ours\nx:acme,x,acme,Acme,true\n"
INTERACTIONS = """interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated
x:1,x,2026-11-10T10:00:00Z,x:acme,x:bea,dm,x:d1,,false
x:2,x,2026-11-10T11:00:00Z,x:bea,x:acme,wave,x:d1,,false
slack:1,slack,2026-11-03T11:00:00Z,slack:U1,,post,slack:1,,false
"""
REFERRALS = """referral_id,occurred_at,platform,referrer_id,stage,value,currency
crm:1,2026-11-10T09:00:00Z,x,x:acme,won,10,EUR
crm:2,2026-11-11T09:00:00Z,x,x:acme,won,20,USD
"""


@pytest.fixture(params=["duckdb_url", "pg_url"])
def url(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = request.getfixturevalue(request.param)
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in (("people", PEOPLE), ("interactions", INTERACTIONS), ("referrals", REFERRALS)):
        (folder / f"{name}.csv").write_text(text)
    monkeypatch.setenv("RAPPORT_LOAD_GX", "off")
    load_paths([folder], url, now=NOW)
    run_checks(url, "2026-W45", now=NOW)
    return url


def test_failed_checks_of_a_week_errors_first(url: str) -> None:
    failed = api.failed_checks(url, "2026-W46")
    assert list(failed.columns) == api.RESULT_COLUMNS
    assert failed.iloc[0][["check", "severity", "status", "platform"]].tolist() == [
        "referrals.currencies_mixed", "error", "failed", None]
    assert failed.iloc[0]["offending"] == ["crm:2"]
    assert failed.iloc[0]["details"]["currencies"] == {"EUR": 1, "USD": 1}
    assert failed.iloc[0]["description"].startswith("the referrals of a week are in one currency")
    target = failed[failed["check"] == "interactions.target_in_people"].iloc[0]
    assert (target["platform"], target["offending"]) == ("x", ["x:1 (target_id x:bea)"])


def test_a_platform_sees_its_own_results_and_those_about_every_platform(url: str) -> None:
    slack = api.failed_checks(url, "2026-W46", platform="slack")
    assert set(slack["platform"].map(lambda p: p or "all")) <= {"slack", "all"}
    assert "referrals.currencies_mixed" in set(slack["check"])
    assert ("warehouse.freshness", "slack") in set(zip(slack["check"], slack["platform"]))
    assert "interactions.target_in_people" not in set(slack["check"])


def test_week_health_marks_every_week(url: str) -> None:
    health = api.week_health(url, ["2026-W44", "2026-W45", "2026-W46"])
    assert list(health.columns) == api.HEALTH_COLUMNS
    assert health["health"].tolist() == ["unknown", "warning", "error"]
    assert "referrals.currencies_mixed" in health.iloc[2]["failed_checks"]


def test_load_results_name_the_file_and_the_failed_checks(url: str) -> None:
    loads = api.load_results(url)
    row = loads[loads["check"] == "interactions.kind_is_canonical"].iloc[0]
    assert (row["status"], row["offending"], Path(row["file"]).name) == (
        "failed", ["x:2"], "interactions.csv")


def test_every_stored_check_is_in_the_catalog(url: str) -> None:
    catalog = set(api.checks_catalog()["check"])
    stored = set(api.latest_results(url)["check"]) | set(api.load_results(url, failed_only=False)["check"])
    assert stored <= catalog


def test_nothing_stored_yet_gives_empty_frames(tmp_path: Path) -> None:
    missing = f"duckdb:///{tmp_path / 'none.duckdb'}"
    assert api.latest_results(missing).empty and list(api.latest_results(missing).columns) == api.RESULT_COLUMNS
    assert api.week_health(missing, ["2026-W46"])["health"].tolist() == ["unknown"]
