"""Who is ours: export owners, the team file, --ours; the team applies without a reload."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipelines.cli import app
from pipelines.load import load_paths
from pipelines.team import TeamFileError, load_team
from tests.pipelines.test_load_generic import query, write_folder

PEOPLE = """person_id,platform,handle,display_name,is_ours
x:1,x,acme,Acme,true
x:2,x,Jane_Acme,Jane,false
x:3,x,bob,Bob,false
slack:U9,slack,,Sam,false
"""


def ours(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT person_id FROM people WHERE is_ours ORDER BY 1")]


def test_team_file_changes_apply_without_reloading(duckdb_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    team = tmp_path / "rapport.toml"
    monkeypatch.setenv("RAPPORT_TEAM_FILE", str(team))
    team.write_text('[team]\nx = ["@jane_acme"]\nslack = ["U9"]\n')
    load_paths([write_folder(tmp_path / "e", people=PEOPLE)], duckdb_url)
    # The export's owner, a handle matched case-insensitively, and a native id.
    assert ours(duckdb_url) == ["slack:U9", "x:1", "x:2"]
    team.write_text('[team]\nx = ["bob"]\n')
    result = CliRunner().invoke(app, ["team", "--db", duckdb_url])
    assert result.exit_code == 0, result.output
    assert "3 people are ours" not in result.output and "2 people are ours" in result.output
    # Jane and Sam left the team; the export's owner stays ours.
    assert ours(duckdb_url) == ["x:1", "x:3"]


def test_ours_on_the_command_line_is_kept(duckdb_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_TEAM_FILE", str(tmp_path / "none.toml"))
    folder = write_folder(tmp_path / "e", people=PEOPLE)
    result = CliRunner().invoke(app, ["load", str(folder), "--db", duckdb_url])
    assert result.exit_code == 0, result.output
    assert ours(duckdb_url) == ["x:1"]


def test_a_broken_team_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "rapport.toml"
    bad.write_text("[team\nx = 1")
    with pytest.raises(TeamFileError, match="rapport.toml"):
        load_team(bad)
