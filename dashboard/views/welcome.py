"""Shown while the warehouse is empty: how to bring data in."""
from __future__ import annotations

import streamlit as st

from dashboard import data
from pipelines.warehouse import resolve_url

st.title("Welcome to rapport")
st.markdown("**Are we building relationships, or only collecting an audience?** "
            "This warehouse has no interactions yet, so there is nothing to measure.")
st.info(f"Warehouse: {data.safe_url(resolve_url(None))}", icon=":material/database:")

load, demo = st.columns(2, gap="large")
with load:
    st.subheader("Load your exports")
    st.markdown("Download the exports your platforms give you (Slack, Discord, X/Twitter, "
                "LinkedIn, Mastodon, Discourse, GitHub, …) and load them from a terminal:")
    st.code("rapport load PATH", language="bash")
    st.markdown("or upload them on the **Sources** page.")
    st.page_link("views/sources.py", label="Upload exports", icon=":material/upload_file:")
with demo:
    st.subheader("Or explore the demo")
    st.markdown("A fictional brand with a year of activity on three platforms: the difference "
                "between broadcasting and building relationships, in numbers.")
    st.code("rapport demo", language="bash")
