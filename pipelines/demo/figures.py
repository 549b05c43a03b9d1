"""What the platforms' analytics report for the demo accounts, and what the year cost.

Every count follows a continuous trend through the year (no one-day cliffs). Followers climb
steeply while the auto-DM tool and paid promotion run, then grow slowly; impressions fall when
the promotion stops; the forum grows.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.demo.cast import Cast
from pipelines.warehouse import AUDIENCE_COUNTS


@dataclass(frozen=True)
class Trend:
    """A count going from a to b over months 1-6 (accelerating), then towards c in months 7-12:
    in a straight line, or (with `settle`) quickly at first, as when paid promotion stops."""

    a: float
    b: float
    c: float
    settle: float = 0.0

    def at(self, share_of_year: float) -> float:
        if share_of_year < 0.5:
            return self.a + (self.b - self.a) * (share_of_year / 0.5) ** 1.3
        x = (share_of_year - 0.5) / 0.5
        if self.settle:
            return self.c + (self.b - self.c) * math.exp(-self.settle * x)
        return self.b + (self.c - self.b) * x


DROP = 7.0  # promotion and the auto-DM tool stop: most of the drop within a month

# (platform, role) -> count -> trend; a count not listed stays empty for that account.
AUDIENCE: dict[tuple[str, str], dict[str, Trend]] = {
    ("twitter", "brand"): {
        "followers": Trend(6_200, 23_972, 24_310), "following": Trend(850, 6_800, 6_640),
        "impressions": Trend(14_000, 52_000, 11_000, DROP),
        "page_views": Trend(500, 1_600, 450, DROP),
    },
    ("twitter", "community"): {
        "followers": Trend(420, 780, 1_150), "following": Trend(300, 520, 640),
        "impressions": Trend(900, 1_400, 3_400), "page_views": Trend(20, 35, 110),
    },
    ("twitter", "advocate"): {
        "followers": Trend(1_300, 1_650, 2_100), "following": Trend(410, 480, 560),
        "impressions": Trend(1_800, 2_300, 5_800), "page_views": Trend(30, 45, 160),
    },
    ("linkedin", "brand"): {
        "followers": Trend(3_100, 11_480, 11_910),
        "impressions": Trend(6_000, 21_000, 5_600, DROP),
        "page_views": Trend(180, 700, 290, DROP),
    },
    ("linkedin", "community"): {
        "followers": Trend(900, 1_700, 1_980), "following": Trend(880, 2_900, 3_050),
        "impressions": Trend(700, 1_300, 3_100), "page_views": Trend(15, 40, 95),
    },
    ("linkedin", "advocate"): {
        "followers": Trend(1_500, 1_800, 2_250), "following": Trend(600, 640, 720),
        "impressions": Trend(1_200, 1_500, 4_400), "page_views": Trend(25, 30, 120),
    },
    ("discourse", "brand"): {
        "members": Trend(640, 910, 1_520), "page_views": Trend(700, 1_000, 2_600),
        "likes": Trend(40, 60, 190),
    },
    ("discourse", "community"): {"likes": Trend(1, 2, 12), "page_views": Trend(6, 8, 40)},
    ("discourse", "advocate"): {"likes": Trend(2, 3, 16), "page_views": Trend(9, 12, 55)},
}
# Platform-reported engagements per impression: low for promoted posts, higher for personal ones.
ENGAGEMENT_RATE = Trend(0.013, 0.013, 0.038, DROP)
CUMULATIVE = ("followers", "following", "members")
WEEKEND = 0.6


def audience_rows(cast: Cast, first_day: date, days: int, rng: random.Random) -> list[dict]:
    """One row per account of ours and day, as the platforms' analytics would report it."""
    rows: list[dict] = []
    for (platform, role), trends in AUDIENCE.items():
        account = cast.ours[platform][role].person_id
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            share = offset / days
            weekday = WEEKEND if day.isoweekday() >= 6 else 1.0
            row: dict = {"platform": platform, "account_id": account, "day": day.isoformat()}
            row.update({name: None for name in AUDIENCE_COUNTS})
            for name, trend in trends.items():
                value = trend.at(share)
                if name in CUMULATIVE:
                    value *= 1 + rng.uniform(-0.0015, 0.0015)
                else:
                    value *= weekday * rng.uniform(0.75, 1.25)
                row[name] = max(0, round(value))
            if row["impressions"] is not None:
                rate = ENGAGEMENT_RATE.at(share) * rng.uniform(0.8, 1.2)
                row["reach"] = round(row["impressions"] * rng.uniform(0.52, 0.64))
                row["engagements"] = round(row["impressions"] * rate)
                row["likes"] = round(row["engagements"] * rng.uniform(0.45, 0.65))
            rows.append(row)
    return rows


# platform -> (hours a week, spend a week) in months 1-6 and in months 7-12: the auto-DM tool,
# automation seats and promoted posts cost money; personal outreach costs time.
COSTS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "twitter": ((5, 720), (12, 35)),
    "linkedin": ((6, 680), (12, 95)),
    "discourse": ((3, 60), (10, 60)),
}
HOURLY_RATE = 55.0  # EUR, the same currency as the referrals


def cost_rows(first_day: date, weeks: int, rng: random.Random) -> list[dict]:
    """One row per ISO week and platform: hours, hourly rate and spend."""
    rows: list[dict] = []
    for week in range(weeks):
        year, number, _ = (first_day + timedelta(weeks=week)).isocalendar()
        for platform, stretches in COSTS.items():
            hours, spend = stretches[week >= weeks // 2]
            rows.append({
                "week": f"{year}-W{number:02d}", "platform": platform,
                "hours": f"{max(0.5, hours + rng.choice((-1, -0.5, 0, 0, 0.5, 1))):.1f}",
                "hourly_rate": f"{HOURLY_RATE:.2f}",
                "spend": f"{spend * rng.uniform(0.95, 1.05):.2f}",
            })
    return rows
