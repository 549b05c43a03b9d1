"""The executive report on the demo year: the files open, hold the expected pages, carry the
week's figures exactly as `rapport metrics --format json` returns them, and name nobody unless
asked to."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.report import content as ct
from dashboard.report import sections
from pipelines import warehouse as wh
from tests.report.conftest import (pdf_everything, pdf_pages, pptx_slides, pptx_tables,
                                   run_report)

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def week(demo_url: str) -> str:
    from metrics import api

    return api.default_week(demo_url)


@pytest.fixture(scope="module")
def reports(demo_url: str, tmp_path_factory: pytest.TempPathFactory, chromium) -> dict[str, Path]:
    """The report in both formats, by default and with names (default week, so no --week)."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for name, args in {"pdf": [], "pptx": [], "names.pdf": ["--include-names"],
                       "names.pptx": ["--include-names"]}.items():
        out[name] = folder / f"report.{name}"
        run_report(demo_url, out[name], *args)
    return out


@pytest.fixture(scope="module")
def metrics_json(demo_url: str, week: str) -> list[dict]:
    """`rapport metrics --week W --format json`, run as a user runs it."""
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "metrics", "--week", week,
                           "--format", "json", "--db", demo_url],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["week"] for r in rows} == {week}
    return rows


@pytest.fixture(scope="module")
def catalog() -> dict[str, ct.MetricInfo]:
    from metrics import api

    return {m.name: m for m in map(ct.metric_info, api.catalog())}


@pytest.fixture(scope="module")
def expected(metrics_json: list[dict], catalog: dict[str, ct.MetricInfo], demo_url: str
             ) -> list[tuple[str, str, str]]:
    """(family, label, text) of every metric of the week, formatted from the JSON value."""
    from dashboard.queries import currencies

    found = currencies(demo_url)
    currency = found[0] if len(found) == 1 else ""
    return [(row["family"], catalog[row["metric"]].label,
             ct.value_text(row["value"], catalog[row["metric"]], currency))
            for row in metrics_json]


def flat(text: str) -> str:
    return " ".join(text.split())


def people_names(url: str) -> set[str]:
    """Every handle and display name in the warehouse."""
    engine = wh.make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(wh.people.c.handle, wh.people.c.display_name)).all()
    finally:
        engine.dispose()
    return {str(v).strip() for row in rows for v in row if v and str(v).strip()}


def named(text: str, names: set[str]) -> set[str]:
    """The names that occur in text as whole words."""
    candidates = [n for n in names if n in text]  # a fast substring pass first
    return {n for n in candidates if re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", text)}


# (page index, text that must be on it): the order of the PDF
PDF_PAGES = [(0, "Executive report · {week}"), (1, sections.PAGES[1]), (2, sections.PAGES[2]),
             (3, sections.PAGES[3]), (4, sections.PAGES[4]), (5, sections.PAGES[5])]


@pytest.mark.parametrize("index, title", PDF_PAGES)
def test_the_pdf_has_its_pages_in_order(reports, week: str, index: int, title: str) -> None:
    pages = pdf_pages(reports["pdf"])
    assert title.format(week=week) in pages[index]
    assert f"page {index + 1}" in pages[index]


def test_the_pdf_has_no_empty_page_and_the_definitions_cover_the_catalog(reports, catalog) -> None:
    pages = pdf_pages(reports["pdf"])
    assert all(len(flat(p)) > 200 for p in pages), [len(flat(p)) for p in pages]
    appendix = flat(" ".join(pages[5:]))
    for info in catalog.values():
        assert info.label in appendix
        assert flat(info.definition)[:40] in appendix, info.name


@pytest.mark.parametrize("family, page", [("outcome", 0), ("harm", 0), ("vanity", 0),
                                          ("adoption", 0), ("efficiency", 1)])
def test_the_pdf_shows_the_weeks_figures_as_the_cli_returns_them(reports, expected, family: str,
                                                                 page: int) -> None:
    text = flat(pdf_pages(reports["pdf"])[page])
    rows = [(label, value) for f, label, value in expected if f == family]
    assert rows
    missing = [(label, value) for label, value in rows if f"{label} {value}" not in text]
    assert missing == []


def test_the_slides_have_their_titles_in_order(reports, week: str, catalog) -> None:
    from pptx import Presentation

    titles = [s.shapes.title.text for s in Presentation(str(reports["pptx"])).slides]
    assert titles[0] == f"{sections.TITLE} · {week}"
    assert titles[1:5] == list(sections.PAGES[1:5])
    appendix = titles[5:]
    assert appendix and all(t.startswith(sections.PAGES[5]) for t in appendix)
    from dashboard.report.pptx import DEFINITIONS_PER_SLIDE

    assert len(appendix) == -(-len(catalog) // DEFINITIONS_PER_SLIDE)


def test_the_slides_are_editable_text_tables_and_pictures(reports) -> None:
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    slides = list(Presentation(str(reports["pptx"])).slides)
    kinds = [{shape.shape_type for shape in slide.shapes} for slide in slides]
    assert MSO_SHAPE_TYPE.TABLE in kinds[0]  # the week's figures are a table, not a picture
    assert MSO_SHAPE_TYPE.PICTURE not in kinds[0]
    assert MSO_SHAPE_TYPE.PICTURE in kinds[1] and MSO_SHAPE_TYPE.PICTURE in kinds[2]


def test_the_slides_show_the_weeks_figures_as_the_cli_returns_them(reports, expected) -> None:
    cells = {row[0]: row[1] for table in pptx_tables(reports["pptx"])[:3] for row in table[1:]}
    wrong = {label: (cells.get(label), value) for _, label, value in expected
             if cells.get(label) != value}
    assert wrong == {}


@pytest.mark.parametrize("fmt", ["pdf", "pptx"])
def test_the_default_report_names_nobody(reports, demo_url: str, fmt: str) -> None:
    names = people_names(demo_url)
    assert len(names) > 100
    text = (pdf_everything(reports[fmt]) if fmt == "pdf"
            else "\n".join(t for slide in pptx_slides(reports[fmt]) for t in slide))
    assert named(text, names) == set()
    assert sections.PRIVACY in text


@pytest.mark.parametrize("fmt", ["names.pdf", "names.pptx"])
def test_names_appear_only_when_asked_for(reports, demo_url: str, fmt: str) -> None:
    text = (pdf_everything(reports[fmt]) if fmt.endswith("pdf")
            else "\n".join(t for slide in pptx_slides(reports[fmt]) for t in slide))
    assert named(text, people_names(demo_url))
    assert sections.NAMES_PAGE in text and sections.NAMES_WARNING in text


def test_the_demo_week_failed_no_check_and_says_so(reports, week: str) -> None:
    first = flat(pdf_pages(reports["pdf"])[0])
    assert "Data health:" in first
    assert "error-level check(s) failed" not in first


def test_the_dashboard_download_makes_both_files_on_a_worker_thread(demo_url: str, week: str,
                                                                    chromium) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from dashboard.report.widget import report_files

    with ThreadPoolExecutor(1) as pool:  # Streamlit runs a download's callable off the main thread
        files = pool.submit(report_files, demo_url, week, "linkedin", None).result(timeout=300)
    assert files["pdf"].startswith(b"%PDF-") and files["pptx"].startswith(b"PK")
    from io import BytesIO

    from pypdf import PdfReader

    first = flat(PdfReader(BytesIO(files["pdf"])).pages[0].extract_text())
    assert f"Executive report · {week}" in first and "linkedin" in first
