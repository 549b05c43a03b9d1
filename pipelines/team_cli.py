"""`rapport team`: show the team file and apply it to the warehouse."""
from __future__ import annotations

import click

from pipelines.publish import LoaderBusy, writable
from pipelines.team import TeamFileError, apply_team, load_team, team_file
from pipelines.warehouse import make_engine, resolve_url


def run_team(db: str | None) -> int:
    try:
        team = load_team()
    except TeamFileError as exc:
        click.echo(f"rapport team: {exc}", err=True)
        return 2
    if not team:
        click.echo(f"no team file at {team_file()}; only export owners and --ours count as ours")
    for platform, names in sorted(team.items()):
        click.echo(f"{platform}: {', '.join(sorted(names))}")
    try:
        with writable(resolve_url(db)) as url:
            engine = make_engine(url)
            with engine.begin() as conn:
                count = apply_team(conn, team)
            engine.dispose()
    except LoaderBusy as exc:
        click.echo(f"rapport team: {exc}", err=True)
        return 3
    click.echo(f"{count} people are ours")
    return 0
