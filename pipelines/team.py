"""Who is ours: export owners, plus the team file, plus `--ours` on the command line.

The team file (`rapport.toml` in the working folder, or the path in RAPPORT_TEAM_FILE) names
our other accounts and team members per platform, by handle (`@acme`) or native id:

    [team]
    twitter = ["@acme", "@jane_at_acme"]
    slack = ["U024BE7LH"]
    linkedin = ["Jane Doe"]

`people.is_ours` is recomputed as (named ours by an export or by `--ours`) OR (in the team
file) after every load and by `rapport team`, so changing the team needs no reload.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

import sqlalchemy as sa

from pipelines.warehouse import people

DEFAULT_TEAM_FILE = "rapport.toml"


class TeamFileError(Exception):
    """The team file cannot be read."""


def team_file() -> Path:
    return Path(os.environ.get("RAPPORT_TEAM_FILE", DEFAULT_TEAM_FILE))


def load_team(path: Path | None = None) -> dict[str, set[str]]:
    """{platform: {handle or native id}} from the team file ({} when there is none)."""
    path = path or team_file()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TeamFileError(f"{path}: not valid TOML: {exc}") from exc
    section = data.get("team", {})
    if not isinstance(section, dict):
        raise TeamFileError(f"{path}: [team] must be a table of platform = [names]")
    team: dict[str, set[str]] = {}
    for platform, names in section.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise TeamFileError(f"{path}: team.{platform} must be a list of handles or ids")
        team[platform.lower()] = {n.strip() for n in names if n.strip()}
    return team


def team_condition(team: dict[str, set[str]]) -> sa.ColumnElement[bool]:
    """People whom the team file names: by handle (case-insensitive) or native id."""
    clauses = []
    for platform, names in sorted(team.items()):
        handles = sorted({n.lstrip("@").lower() for n in names})
        ids = sorted({f"{platform}:{n.lstrip('@')}" for n in names} | {n for n in names if ":" in n})
        clauses.append(sa.and_(people.c.platform == platform, sa.or_(
            sa.func.lower(people.c.handle).in_(handles),
            sa.func.lower(people.c.display_name).in_(handles),
            people.c.person_id.in_(ids))))
    return sa.or_(*clauses) if clauses else sa.false()


def apply_team(conn: sa.Connection, team: dict[str, set[str]]) -> int:
    """Recompute people.is_ours from owners and the team; returns how many people are ours."""
    ours = sa.or_(people.c.is_owner, sa.func.coalesce(team_condition(team), sa.false()))
    conn.execute(people.update().where(people.c.is_ours != ours).values(is_ours=ours))
    return conn.execute(sa.select(sa.func.count()).select_from(people)
                        .where(people.c.is_ours)).scalar_one()
