"""The report states the failed checks of a week whose data failed one, on page 1 and on the
data-quality page; and `rapport report` refuses what it cannot do with a clear message."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipelines.cli import app
from tests.report.conftest import load_folder, pdf_pages, run_report

WEEK = "2025-W10"  # Monday 2025-03-03
PEOPLE = [
    {"person_id": "generic:ours", "platform": "generic", "handle": "team_account",
     "display_name": "Team Account", "is_ours": "true"},
    {"person_id": "generic:m1", "platform": "generic", "handle": "member_one",
     "display_name": "Member One", "is_ours": "false"},
]
INTERACTIONS = [  # a two-way exchange, then a record whose kind is not canonical
    ("generic:1", "2025-03-04T09:00:00Z", "generic:ours", "generic:m1", "dm"),
    ("generic:2", "2025-03-04T10:30:00Z", "generic:m1", "generic:ours", "dm"),
    ("generic:3", "2025-03-05T08:00:00Z", "generic:m1", "generic:ours", "wave"),
]


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def failed_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small warehouse whose one load, in WEEK, quarantined a record."""
    folder = tmp_path_factory.mktemp("failed")
    csvs = folder / "csv"
    csvs.mkdir()
    write_csv(csvs / "people.csv", PEOPLE)
    write_csv(csvs / "interactions.csv", [
        {"interaction_id": i, "platform": "generic", "occurred_at": at, "actor_id": actor,
         "target_id": target, "kind": kind, "thread_id": "generic:t1", "in_reply_to": "",
         "automated": "false"} for i, at, actor, target, kind in INTERACTIONS])
    url = f"duckdb:///{folder / 'small.duckdb'}"
    load_folder(csvs, url)
    return url


@pytest.mark.slow
def test_a_week_with_a_failed_check_says_so_on_page_one_and_on_the_quality_page(
        failed_url: str, tmp_path: Path, chromium) -> None:
    out = tmp_path / "failed.pdf"
    run_report(failed_url, out, "--week", WEEK)
    pages = [" ".join(p.split()) for p in pdf_pages(out)]
    assert f"error-level check(s) failed for the data behind {WEEK}" in pages[0]
    assert "interactions.kind_is_canonical" in pages[0]
    quality = pages[4]
    assert "Data quality" in quality
    assert "interactions.kind_is_canonical" in quality and "error" in quality


@pytest.mark.parametrize("out, message", [
    ("report.docx", "should end in .pdf or .pptx"),
    ("report", "should end in .pdf or .pptx"),
    ("missing-folder/report.pdf", "does not exist"),
])
def test_an_output_it_cannot_write_is_refused_before_any_work(tmp_path: Path, out: str,
                                                               message: str) -> None:
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / out),
                                      "--db", f"duckdb:///{tmp_path / 'none.duckdb'}"])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / out).exists()


def test_a_week_that_does_not_exist_is_refused(failed_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--week", "2025-W60", "--out",
                                      str(tmp_path / "r.pdf"), "--db", failed_url])
    assert result.exit_code == 2
    assert "2025-W60" in result.output


@pytest.mark.slow
def test_the_period_statement_names_the_week_that_failed(failed_url: str, tmp_path: Path,
                                                        chromium) -> None:
    out = tmp_path / "later.pdf"
    run_report(failed_url, out, "--week", "2025-W12", "--weeks", "4")
    quality = " ".join(pdf_pages(out)[4].split())
    assert "No error-level check failed for the data behind 2025-W12." in quality
    assert f"Over the 4 weeks, 1 week(s) had error-level check failures behind their data: " \
           f"{WEEK} (1)" in quality
