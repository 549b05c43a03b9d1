"""The dashboard's report download buttons: two of them, made only when clicked."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.report.widget import file_name

SCRIPT = '''
from dashboard.report.widget import report_downloads
report_downloads("duckdb:///nowhere.duckdb", "2026-W46", {platform!r})
'''


@pytest.mark.parametrize("platform", [None, "linkedin"])
def test_two_buttons_that_make_their_file_only_when_clicked(platform: str | None) -> None:
    at = AppTest.from_string(SCRIPT.format(platform=platform), default_timeout=60).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Executive report (PDF)", "Slides (PowerPoint)"]
    # deferred: nothing was gathered from the (missing) warehouse while the page drew
    assert all(b.proto.deferred_file_id and b.proto.ignore_rerun for b in buttons)


@pytest.mark.parametrize("week, platform, fmt, expected", [
    ("2026-W46", None, "pdf", "rapport-2026-W46.pdf"),
    ("2026-W46", "linkedin", "pptx", "rapport-2026-W46-linkedin.pptx"),
])
def test_file_names_say_the_week_and_platform(week, platform, fmt, expected) -> None:
    assert file_name(week, platform, fmt) == expected
