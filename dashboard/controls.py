"""The shared sidebar controls (week, platform, our account), mirrored in the URL's query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import streamlit as st

from dashboard import data, queries
from metrics import weeks as wk

ALL = ""  # the "no filter" choice of the platform and account pickers
PARAMS = ("week", "platform", "account")
VIEW_KEY = "rapport_view"
MAX_WEEKS = 520


@dataclass(frozen=True)
class View:
    """What every page shows: the warehouse, its data version and the shared selection."""

    url: str
    version: tuple
    tz: str | None
    week: str
    platform: str | None
    account: str | None
    default_week: str

    @property
    def bounds(self) -> wk.Week:
        return wk.week(self.week, self.tz)

    def query_params(self) -> dict[str, str]:
        """The query parameters that reproduce this view."""
        params = {"week": self.week}
        if self.platform:
            params["platform"] = self.platform
        if self.account:
            params["account"] = self.account
        return params


def week_options(first: datetime, last: datetime, default: str, tz: str | None) -> list[str]:
    """Weeks with data, newest first: from the first interaction to the later of the default
    week and the week of the last interaction (at most ten years)."""
    newest = max(default, wk.week_of_instant(last, tz))
    oldest = wk.week_of_instant(first, tz)
    labels, label = [], newest
    while label >= oldest and len(labels) < MAX_WEEKS:
        labels.append(label)
        label = wk.previous_week(label)
    return labels


def _seed(key: str, options: list[str], default: str) -> None:
    """Start a widget from the URL (a shared link), else keep the session's choice."""
    if key not in st.session_state:
        wanted = st.query_params.get(key, default)
        if wanted not in options:
            if key in st.query_params:
                st.session_state["rapport_notice"] = (
                    f"The link asked for {key} {wanted!r}, which this warehouse does not have; "
                    f"showing {default or 'all'} instead.")
            wanted = default
        st.session_state[key] = wanted
    elif st.session_state[key] not in options:
        st.session_state[key] = default


@dataclass(frozen=True)
class Choices:
    """What the shared controls offer: weeks (newest first), platforms and our accounts."""

    weeks: list[str]
    platforms: list[str]
    accounts: dict[str, str]  # person id → how the picker names the account
    now_week: str
    tz: str | None


def choose(url: str, version: tuple, tz: str | None, default_week: str) -> Choices:
    """Settle the selection (the session's, else the URL's, else the defaults) and publish the
    view it selects, before any widget is drawn; `draw` shows the controls afterwards."""
    first, last = data.cached(queries.activity_span, url, version)
    now_week = wk.week_of_instant(datetime.now(timezone.utc), tz)
    weeks = week_options(first or datetime.now(), last or datetime.now(), default_week, tz)
    platforms = [ALL] + data.cached(queries.platforms, url, version)
    accounts = data.cached(queries.our_accounts, url, version)
    names = {row.person_id: f"{row.display_name or row.handle or row.person_id} ({row.platform})"
             for row in accounts.itertuples()}

    _seed("week", weeks, default_week)
    _seed("platform", platforms, ALL)
    _seed("account", [ALL] + list(names), ALL)
    view = View(url=url, version=version, tz=tz, week=st.session_state["week"],
                platform=st.session_state["platform"] or None,
                account=st.session_state["account"] or None, default_week=default_week)
    _publish(view)
    return Choices(weeks=weeks, platforms=platforms, accounts=names, now_week=now_week, tz=tz)


def draw(choices: Choices) -> None:
    """Draw the shared controls in the sidebar, on the selection `choose` settled.

    A widget's value is in the session before the run starts, so the app draws these after the
    page: the page's figures reach the browser first, the pickers' code follows.
    """
    names = choices.accounts
    with st.sidebar:
        st.selectbox("Week", choices.weeks, key="week",
                     format_func=lambda w: f"{w} (in progress)" if w >= choices.now_week else w,
                     help="ISO week, Monday to Sunday, in the reporting time zone "
                          f"({wk.reporting_zone(choices.tz).key}). The default is the latest "
                          "complete week.")
        st.selectbox("Platform", choices.platforms, key="platform",
                     format_func=lambda p: "All platforms" if p == ALL else p)
        st.selectbox("Our account", [ALL] + list(names), key="account",
                     format_func=lambda a: "All our accounts" if a == ALL else names.get(a, a),
                     help="Measure only what this account of ours sent and received.")
    notice = st.session_state.pop("rapport_notice", None)
    if notice:
        st.sidebar.warning(notice)


def _publish(view: View) -> None:
    """Write the selection into the URL, so that the address reproduces the view."""
    wanted = view.query_params()
    for key in PARAMS:
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]
    st.session_state[VIEW_KEY] = view


def data_platform(view: View) -> str | None:
    """The platform whose data the view shows: the one picked, else the picked account's, else
    None (every platform)."""
    if view.platform or not view.account:
        return view.platform
    accounts = data.cached(queries.our_accounts, view.url, view.version)
    found = accounts.loc[accounts["person_id"] == view.account, "platform"]
    return str(found.iloc[0]) if len(found) else None


def current() -> View:
    """The view chosen in the sidebar on this run (set by the app before the page runs)."""
    return st.session_state[VIEW_KEY]
