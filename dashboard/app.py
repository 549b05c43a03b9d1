"""rapport's dashboard: `streamlit run dashboard/app.py` (or `rapport dashboard`).

The warehouse is $RAPPORT_DB_URL, else duckdb:///rapport.duckdb. This file is the shell: it
declares the pages, draws the shared sidebar controls and runs the chosen page.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard import controls, data
from dashboard.auth import require_login
from metrics import api
from pipelines.warehouse import resolve_url

# A local favicon (an emoji if the file is missing): Material icons are fetched from Google.
FAVICON = Path(__file__).with_name("favicon.png")
st.set_page_config(page_title="rapport", page_icon=str(FAVICON) if FAVICON.exists() else "🤝",
                   layout="wide", initial_sidebar_state="auto")  # collapsed on a phone
require_login()  # off unless .streamlit/secrets.toml has an [auth] section (docs/security.md)

PAGES = {
    # The default page is served at the root; its url_path only names it inside Streamlit.
    "weekly": st.Page("views/weekly.py", title="Weekly check", icon=":material/fact_check:",
                      url_path="weekly_check", default=True),
    "relationships": st.Page("views/relationships.py", title="Relationships",
                             icon=":material/group:", url_path="relationships"),
    "roi": st.Page("views/roi.py", title="Social ROI", icon=":material/payments:", url_path="roi"),
    "quality": st.Page("views/quality.py", title="Data quality", icon=":material/rule:",
                       url_path="quality"),
    "sources": st.Page("views/sources.py", title="Sources", icon=":material/upload_file:",
                       url_path="sources"),
}
# The weekly check at /weekly as well (links and bookmarks use it), hidden from the menu.
WEEKLY_ALIAS = st.Page("views/weekly.py", title="Weekly check", icon=":material/fact_check:",
                       url_path="weekly", visibility="hidden")


def main() -> None:
    url = resolve_url(None)
    tz = os.environ.get("RAPPORT_TZ") or None
    try:
        data.prepared(url)
        version = data.version(url)
        default_week = data.cached(api.default_week, url, version, tz=tz)
    except Exception as exc:
        data.report_error(exc, url, "opening the warehouse")
        st.stop()

    if default_week is None:
        welcome = st.Page("views/welcome.py", title="Welcome", icon=":material/waving_hand:",
                          url_path="welcome", default=True)
        page = st.navigation([welcome, PAGES["sources"]])
        st.session_state[controls.VIEW_KEY] = None
        choices = None
    else:
        page = st.navigation([*PAGES.values(), WEEKLY_ALIAS])
        try:
            choices = controls.choose(url, version, tz, default_week)
        except Exception as exc:
            data.report_error(exc, url, "reading the weeks, platforms and accounts")
            st.stop()
    try:
        page.run()
    except Exception as exc:
        data.report_error(exc, url, f"drawing the {page.title} page")
    # After the page, so its figures reach the browser before the pickers' code is fetched. A
    # page therefore never calls st.stop(): nothing could be drawn after it.
    if choices is not None:
        controls.draw(choices)
        st.sidebar.caption(f"Warehouse: {data.safe_url(url)}")



main()
