"""Write docs/metrics.md from the catalog: `python -m metrics.docs` (`--check` only compares)."""
from __future__ import annotations

import sys
from pathlib import Path

from metrics import catalog as cat

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
FAMILY_TITLES = {
    "vanity": "Vanity (context: audience size and reach)",
    "adoption": "Adoption (context: activity volume)",
    "outcome": "Outcomes (the results of relationships)",
    "harm": "Harm (results that hurt)",
    "efficiency": "Efficiency (an outcome per unit of effort or cost)",
}


def render(catalog: tuple[cat.Metric, ...] = cat.CATALOG) -> str:
    """The Markdown text of the definitions appendix."""
    lines = [
        "# Metric definitions",
        "",
        "<!-- Generated from metrics/catalog.py by `python -m metrics.docs`; do not edit by hand. -->",
        "",
        "Weeks are ISO weeks (Monday 00:00 to the next Monday 00:00) in the reporting time zone "
        "(UTC unless `RAPPORT_TZ` says otherwise). \"Ours\" means `people.is_ours`. A ratio whose "
        "denominator is zero is shown as undefined, never as zero. The exact choices behind each "
        "definition are in [metric-semantics.md](metric-semantics.md). A week's reply rate, "
        "response rate and median response time are provisional until their answer window "
        "(7 days, 48 hours) after the week's end has passed in the data loaded, on every "
        "platform shown whose data reaches the week (one platform's export can lag another's; "
        "one whose data ended before the week does not hold it back): the dashboard and the "
        "report say so, with the date until which answers can still arrive.",
        "",
        "| metric | family | unit | good when |",
        "|---|---|---|---|",
    ]
    lines += [f"| [{m.name}](#{m.name.replace('_', '-')}) | {m.family} | {m.unit} | "
              f"{'higher' if m.direction == 'up' else 'lower'} |" for m in catalog]
    for family in cat.FAMILIES:
        members = [m for m in catalog if m.family == family]
        if not members:
            continue
        lines += ["", f"## {FAMILY_TITLES[family]}"]
        for m in members:
            lines += ["", f"### {m.name.replace('_', '-')}", "", f"**{m.label}** — {m.family}, "
                      f"{m.unit}, {'higher' if m.direction == 'up' else 'lower'} is better.", "",
                      m.description, "", f"*Definition.* {m.definition}", "",
                      f"*Built from:* {', '.join(f'`{i}`' for i in m.inputs)}."]
            if m.mistaken_for:
                lines += ["", f"*Often mistaken for:* [{m.mistaken_for}]"
                              f"(#{m.mistaken_for.replace('_', '-')}) — read them side by side."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is out of date: run python -m metrics.docs", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
