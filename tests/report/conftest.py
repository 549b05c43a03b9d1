"""Fixtures for the report tests: a demo warehouse loaded the way a user loads one, and readers
that pull every piece of text out of a PDF (pypdf) and a PPTX (python-pptx)."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipelines.cli import app
from tests.conftest import CHROMIUM, need


def load_folder(folder: Path, url: str) -> None:
    """Load a folder of canonical CSVs with the real loader."""
    from pipelines.load import load_paths

    summaries = load_paths([folder], url)
    assert [s.status for s in summaries] == ["loaded"] * len(summaries), summaries


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo year written as CSVs and loaded into a DuckDB file, shared by a module."""
    from pipelines.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    csvs = folder / "csv"
    csvs.mkdir()
    write_demo(csvs)
    url = f"duckdb:///{folder / 'demo.duckdb'}"
    load_folder(csvs, url)
    return url


@pytest.fixture(scope="session")
def chromium() -> Path:
    need(CHROMIUM.exists(), f"the report draws its charts with Chromium ({CHROMIUM})")
    return CHROMIUM


def run_report(url: str, out: Path, *args: str) -> str:
    """`rapport report --out OUT ARGS --db URL` in process; its output, after checking it worked."""
    result = CliRunner().invoke(app, ["report", "--out", str(out), *args, "--db", url])
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.is_file() and out.stat().st_size > 0
    return result.output


def pdf_pages(path: Path) -> list[str]:
    """The text of every page of a PDF."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def pdf_everything(path: Path) -> str:
    """All text a PDF carries: every page, its metadata and its outline."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    return "\n".join([*pdf_pages(path), meta])


def _shape_texts(shape) -> list[str]:
    out = []
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        out.append(shape.text_frame.text)
    if getattr(shape, "has_table", False) and shape.has_table:
        out += [cell.text for row in shape.table.rows for cell in row.cells]
    for child in getattr(shape, "shapes", []):  # groups
        out += _shape_texts(child)
    return out


def pptx_slides(path: Path) -> list[list[str]]:
    """Every text of every slide (text boxes, tables, groups and speaker notes), per slide."""
    from pptx import Presentation

    slides = []
    for slide in Presentation(str(path)).slides:
        texts = [t for shape in slide.shapes for t in _shape_texts(shape)]
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
        slides.append(texts)
    return slides


def pptx_tables(path: Path) -> list[list[list[str]]]:
    """Every table of the deck as rows of cell texts."""
    from pptx import Presentation

    return [[[cell.text for cell in row.cells] for row in shape.table.rows]
            for slide in Presentation(str(path)).slides for shape in slide.shapes
            if shape.has_table]
