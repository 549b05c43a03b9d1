"""Relationships: who is reciprocal, who is waiting on us, where members talk, and harm."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import data, figures, queries, theme, tiles
from dashboard.controls import current

WINDOW = timedelta(days=90)
RECIPROCAL = ("reciprocal_relationships", "new_reciprocal_relationships", "member_reciprocal_pairs")

view = current()
bounds = view.bounds
results = data.metric_results(view)

st.title("Relationships")
st.caption(f"{view.week} · {view.platform or 'all platforms'}. A relationship is a person who "
           "answers when we write, and whom we answer when they write.")

trend_column, new_column = st.columns([3, 2], gap="large")
with trend_column:
    shown = results[results["metric"].isin(RECIPROCAL)]
    colours = dict(zip(shown["label"].drop_duplicates(),
                       [theme.OUTCOME, theme.OKABE_ITO["sky_blue"], theme.OKABE_ITO["orange"]]))
    tiles.chart(figures.trend(shown, series="label", title="Reciprocal relationships by week",
                              colours=colours), key="reciprocal_trend",
                alt="Reciprocal relationships by week")
    st.caption("Reciprocal: we wrote to them and they wrote to us, both within 90 days. "
               "Member pairs: two members (neither ours) who wrote to each other.")
with new_column:
    st.subheader("Became reciprocal this week")
    new = data.cached(queries.new_reciprocal_people, view.url, view.version, bounds.start_utc,
                      bounds.end_utc, view.platform, view.account)
    if new.empty:
        st.info("Nobody became reciprocal this week.", icon=":material/info:")
    else:
        tiles.people_table(new, {"name": "Person", "platform": "Platform", "ours_name": "With",
                                 "reciprocal_since": "Reciprocal since"}, key="new_reciprocal")

st.subheader("People waiting on us")
waiting = data.cached(queries.waiting_on_us, view.url, view.version, bounds.end_utc - WINDOW,
                      bounds.end_utc, view.platform, view.account)
if waiting.empty:
    st.success("Nobody is waiting: every message to us in the 90 days to the end of "
               f"{view.week} has an answer.", icon=":material/done_all:")
else:
    more = " (the oldest shown)" if len(waiting) >= queries.WAITING_LIMIT else ""
    st.caption(f"{len(waiting)} people{more} wrote to us (reply, comment, mention or DM) in the "
               f"90 days to the end of {view.week} and have had no answer from any of us since. "
               "Oldest first: answer these before writing to anyone new.")
    tiles.people_table(waiting, {"name": "Person", "handle": "Handle", "platform": "Platform",
                                 "to_name": "Wrote to", "waiting_since": "Waiting since",
                                 "waiting_days": "Days waiting", "messages": "Messages"},
                       key="waiting", height=320)

talks, members = st.columns(2, gap="large")
with talks:
    st.subheader("Top conversations this week")
    top = data.cached(queries.top_conversations, view.url, view.version, bounds.start_utc,
                      bounds.end_utc, view.platform)
    if top.empty:
        st.info("No conversational messages this week.", icon=":material/info:")
    else:
        tiles.people_table(top, {"participants": "People", "platform": "Platform",
                                 "messages": "Messages", "two_way": "Two-way",
                                 "we_took_part": "We took part", "last_message": "Last message"},
                           key="top_conversations")
with members:
    st.subheader("Members talking to each other")
    pairs = data.cached(queries.member_pairs, view.url, view.version, bounds.end_utc - WINDOW,
                        bounds.end_utc, view.platform)
    if pairs.empty:
        st.info("No two members wrote to each other in the last 90 days.", icon=":material/info:")
    else:
        st.caption("Member-to-member reciprocity is a community that no longer needs us in the "
                   "middle of every conversation.")
        tiles.people_table(pairs, {"a_name": "Member", "b_name": "With", "messages": "Messages",
                                   "last_message": "Last message"}, key="member_pairs")

st.subheader("Harm: unfollows after automated messages")
harm = results[results["metric"] == "automation_unfollows"]
harm_column, detail_column = st.columns([2, 3], gap="large")
with harm_column:
    tiles.chart(figures.trend(harm, series="label", title="Unfollows within 7 days of an "
                              "automated message", colours={l: theme.HARM for l in harm["label"]}),
                key="harm_trend", alt="Unfollows after automated messages by week")
with detail_column:
    unfollows = data.cached(queries.harm_unfollows, view.url, view.version, bounds.start_utc,
                            bounds.end_utc, view.platform, view.account)
    if unfollows.empty:
        st.info(f"No unfollows in {view.week} followed an automated message of ours.",
                icon=":material/info:")
    else:
        st.caption(f"{unfollows['person_id'].nunique()} people unfollowed us in {view.week} "
                   "within 7 days of an automated message from us. The messages that preceded "
                   "each unfollow:")
        tiles.people_table(unfollows, {"name": "Person", "platform": "Platform",
                                       "unfollowed_at": "Unfollowed at", "kind": "Automated",
                                       "sender_name": "Sent by", "sent_at": "Sent at",
                                       "hours_before": "Hours before"}, key="harm_detail")
