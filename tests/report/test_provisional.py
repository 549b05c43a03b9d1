"""The executive report marks the figures still waiting for answers as the dashboard does: the
same metrics, the same notes (metrics.provisional), for the week whose windows have not passed."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard.report.build import gather
from dashboard.report import content as ct
from metrics import api
from metrics import provisional
from metrics import weeks as wk
from pipelines import warehouse as wh
from tests.conftest import end_export, expected_provisional
from tests.report.conftest import pdf_pages, pptx_slides, pptx_tables

INFO = {m.name: ct.metric_info(m) for m in api.catalog()}

PENDING = provisional.notes("2026-W22", datetime(2026, 6, 2))  # reply, response, median
VALUES = {("reply_rate", "2026-W22"): 0.25, ("reply_rate", "2026-W21"): 0.66,
          ("conversations", "2026-W22"): 10.0, ("conversations", "2026-W21"): 20.0}


def _lines(pending):
    found = ct.lines(["reply_rate", "response_rate", "conversations"], INFO, VALUES,
                     "2026-W22", "2026-W21", "2026-W18", pending=pending)
    return {line.name: line for line in found}


def test_only_the_provisional_metrics_carry_a_note_and_a_starred_change() -> None:
    lines = _lines(PENDING)
    assert lines["reply_rate"].provisional == PENDING["reply_rate"]
    assert lines["reply_rate"].shown_change(lines["reply_rate"].week_change) == "-41 pts *"
    assert lines["response_rate"].shown_change(None) == "—"  # nothing to compare: no star
    assert lines["conversations"].provisional is None
    assert lines["conversations"].shown_change(lines["conversations"].week_change) == "-10"
    settled = _lines({})
    assert settled["reply_rate"].shown_change(settled["reply_rate"].week_change) == "-41 pts"


def test_the_note_names_each_metric_with_its_date_and_the_summary_carries_it() -> None:
    lines = list(_lines(PENDING).values())
    assert ct.provisional_note(lines, "2026-W22") == (
        "* Provisional, as answers to 2026-W22's last messages may still come: reply rate "
        "(replies can still arrive until Sun 7 Jun); response rate (our answers can still "
        "arrive until Tue 2 Jun).")
    assert ct.provisional_note(list(_lines({}).values()), "2026-W22") == ""
    said = ct.summary(lines, [], "2026-W22")
    assert any(s.startswith("Reply rate: 25%") and s.endswith(
        "(-41 pts on last week), provisional: replies can still arrive until Sun 7 Jun.")
        for s in said)


def test_a_divergence_about_a_provisional_outcome_carries_the_caveat_of_its_week() -> None:
    signals = pd.DataFrame({
        "week": ["2026-W21", "2026-W22", "2026-W22"],
        "outcome_metric": ["reply_rate", "reply_rate", "conversations"],
        "flagged": [True, True, True],
        "message": ["replies fell (old)", "replies fell", "conversations fell"]})
    pending = {"2026-W22": PENDING, "2026-W21": {}}.__getitem__
    assert ct.divergence(signals, "2026-W22", pending=pending) == [
        provisional.caveat("replies fell", PENDING["reply_rate"]), "conversations fell"]
    assert ct.divergence(signals, pending=pending)[-1] == "2026-W21: replies fell (old)"


@pytest.fixture(scope="module")
def two_reports(demo_url: str, tmp_path_factory: pytest.TempPathFactory, chromium
                ) -> dict[str, tuple[str, Path, Path]]:
    """The report of the demo's latest week (its answers still arriving) and of one long past."""
    from dashboard.report import write_report

    folder = tmp_path_factory.mktemp("provisional")
    latest = api.default_week(demo_url)
    out = {}
    for key, week in {"latest": latest, "older": wk.shift(latest, -3)}.items():
        pdf, pptx = folder / f"{key}.pdf", folder / f"{key}.pptx"
        write_report(pdf, demo_url, week)
        write_report(pptx, demo_url, week)
        out[key] = (week, pdf, pptx)
    return out


def test_the_latest_weeks_report_says_which_figures_are_provisional(two_reports,
                                                                    demo_url: str) -> None:
    week, pdf, pptx = two_reports["latest"]
    notes = expected_provisional(demo_url, week)
    assert set(notes) == {"reply_rate", "response_rate", "median_response_hours"}
    first = " ".join(pdf_pages(pdf)[0].split())
    assert f"* Provisional, as answers to {week}'s last messages may still come" in first
    for note in set(notes.values()):
        assert note.removeprefix("provisional: ") in first
    assert len([p for p in pdf_pages(pdf) if "Executive report ·" in p]) == 1  # still one page
    slide = " ".join(" ".join(pptx_slides(pptx)[0]).split())
    assert f"* Provisional, as answers to {week}'s last messages" in slide
    rows = {row[0]: row for row in pptx_tables(pptx)[0][1:]}
    labels = {m.name: m.label for m in INFO.values()}
    for name in notes:
        assert rows[labels[name]][2].endswith(" *"), rows[labels[name]]
    assert not rows[labels["conversations"]][2].endswith("*")


def test_an_older_weeks_report_has_no_caveat(two_reports) -> None:
    _, pdf, pptx = two_reports["older"]
    assert "Provisional" not in pdf_pages(pdf)[0]
    assert "provisional" not in " ".join(pptx_slides(pptx)[0]).lower()
    assert not any(row[2].endswith("*") for row in pptx_tables(pptx)[0][1:])


def test_a_lagging_platform_keeps_the_reports_week_provisional(demo_url: str,
                                                                tmp_path: Path) -> None:
    """Discourse's export ends a day after a week that the other platforms have long passed:
    the whole report and the Discourse one mark that week's answer rates provisional, with the
    same notes as the dashboard's; the LinkedIn one does not."""
    copy = tmp_path / "lagging.duckdb"
    shutil.copyfile(wh.duckdb_path(demo_url), copy)
    url = f"duckdb:///{copy}"
    week = wk.shift(api.default_week(url), -3)
    end_export(url, "discourse", wk.week(week).end_utc + pd.Timedelta(days=1))
    expected = expected_provisional(url, week, "discourse")
    assert set(expected) == {"reply_rate", "response_rate", "median_response_hours"}

    def marked(platform):
        report = gather(url, week, platform=platform)
        return {line.name: line.provisional for line in report.outcomes if line.provisional}

    assert marked(None) == expected
    assert marked("discourse") == expected
    assert marked("linkedin") == {}
