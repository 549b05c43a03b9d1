"""The report's fixed words and page order, shared by the PDF and the slides."""
from __future__ import annotations

from dashboard.report import content as ct

TITLE = "Executive report"
QUESTION = "Are we building relationships, or only collecting an audience?"
PAGES = ("Executive report", "Social ROI", "Trends: outcomes against vanity",
         "Harm: unfollows after automated messages", "Data quality", "Definitions")
NAMES_PAGE = "Internal: this week's top reciprocal relationships"
CONTEXT_NOTE = ("Easy to grow and easy to game: these show effort and reach, never the result. "
                "Changes are against the previous week and against four weeks before.")
PRIVACY = "aggregates only: people appear as counts"
NAMES_WARNING = "INTERNAL: contains people's handles; do not share outside the team"


def harm_counts(harm: ct.Harm, weeks: int) -> list[list[str]]:
    """The harm page's table: what preceded the week's unfollows, as counts."""
    rows = [["Unfollows within 7 days of an automated message", f"{harm.unfollows:,}"],
            ["People who unfollowed", f"{harm.people:,}"],
            ["Automated messages they had received", f"{harm.messages:,}"]]
    rows += [[f"  of which {kind}", f"{count:,}"] for kind, count in harm.by_kind]
    rows.append(["Our accounts that sent them", f"{harm.senders:,}"])
    rows.append(["Median hours from the last automated message to the unfollow",
                 "—" if harm.median_hours is None else f"{harm.median_hours:.1f}"])
    rows.append([f"Such unfollows over the {weeks} weeks", f"{harm.period_unfollows:,}"])
    return rows
