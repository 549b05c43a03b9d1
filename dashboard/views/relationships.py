"""Relationships: who is reciprocal, who is waiting on us, where members talk, and harm."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard import data, figures, queries, theme, tiles
from dashboard.controls import current

WINDOW = timedelta(days=90)
TREND_WEEKS = 26  # half a year: long enough to see a change of habits

view = current()
bounds = view.bounds
results = data.metric_results(view, weeks=TREND_WEEKS)


def metric_trend(names: dict[str, str], key: str) -> None:
    """Weekly values of some metrics, each in its colour."""
    shown = results[results["metric"].isin(names)]
    colours = {row.label: names[row.metric] for row in shown.itertuples()}
    unit = shown["unit"].iloc[0] if len(shown) else None
    tiles.chart(figures.trend(shown, series="label", colours=colours, height=260, unit=unit),
                key=key,
                alt=", ".join(sorted(colours)) + " by week")


st.title("Relationships")
st.caption(f"{view.week} · {view.platform or 'all platforms'}. A relationship is a person who "
           "answers when we write, and whom we answer when they write.")

stock, flow = st.columns(2, gap="large")
with stock:
    st.markdown("**Reciprocal relationships** (both wrote to each other within 90 days)")
    metric_trend({"reciprocal_relationships": theme.OUTCOME}, key="reciprocal_trend")
with flow:
    st.markdown("**New each week**, and member-to-member relationships")
    metric_trend({"new_reciprocal_relationships": theme.OKABE_ITO["sky_blue"],
                  "member_reciprocal_pairs": theme.OKABE_ITO["orange"]}, key="new_trend")

st.subheader("People waiting on us")
waiting = data.cached(queries.waiting_on_us, view.url, view.version, bounds.end_utc - WINDOW,
                      bounds.end_utc, view.platform, view.account)
if waiting.empty:
    st.success("Nobody is waiting: every message to us in the 90 days to the end of "
               f"{view.week} has an answer.", icon=":material/done_all:")
else:
    more = " (the oldest shown)" if len(waiting) >= queries.WAITING_LIMIT else ""
    st.caption(f"{theme.people(len(waiting))}{more} wrote to us (reply, comment, mention or DM) in the "
               f"90 days to the end of {view.week} and have had no answer from any of us since. "
               "Oldest first: answer these before writing to anyone new.")
    tiles.people_table(waiting, {"name": "Person", "handle": "Handle", "platform": "Platform",
                                 "to_name": "Wrote to", "waiting_since": "Waiting since",
                                 "waiting_days": "Days waiting", "messages": "Messages"},
                       key="waiting", height=320)

new_column, members = st.columns(2, gap="large")
with new_column:
    st.subheader("Became reciprocal this week")
    new = data.cached(queries.new_reciprocal_people, view.url, view.version, bounds.start_utc,
                      bounds.end_utc, view.platform, view.account)
    if new.empty:
        st.info("Nobody became reciprocal this week.", icon=":material/info:")
    else:
        st.caption(f"{theme.people(len(new))} became reciprocal with one of us this week: "
                   "for the first time, both had written to each other.")
        tiles.people_table(new, {"name": "Person", "platform": "Platform", "ours_name": "With",
                                 "reciprocal_since": "Since"}, key="new_reciprocal", height=320)
with members:
    st.subheader("Members talking together")
    pairs = data.cached(queries.member_pairs, view.url, view.version, bounds.end_utc - WINDOW,
                        bounds.end_utc, view.platform)
    st.caption("Member-to-member reciprocity is a community that no longer needs us in the "
               "middle of every conversation (last 90 days, busiest first).")
    if pairs.empty:
        st.info("No two members wrote to each other in the last 90 days.", icon=":material/info:")
    else:
        tiles.people_table(pairs, {"a_name": "Member", "b_name": "With", "messages": "Messages",
                                   "last_message": "Last message"}, key="member_pairs",
                           height=320)

st.subheader("Top conversations this week")
top = data.cached(queries.top_conversations, view.url, view.version, bounds.start_utc,
                  bounds.end_utc, view.platform)
if top.empty:
    st.info("No conversational messages this week.", icon=":material/info:")
else:
    tiles.people_table(top, {"messages": "Messages", "two_way": "Two-way",
                             "we_took_part": "We took part", "platform": "Platform",
                             "last_message": "Last message", "participants": "People"},
                       key="top_conversations")

st.subheader("Harm: unfollows after automated messages")
harm_column, detail_column = st.columns([2, 3], gap="large")
with harm_column:
    st.markdown("**Unfollows within 7 days of an automated message from us**")
    metric_trend({"automation_unfollows": theme.HARM}, key="harm_trend")
with detail_column:
    unfollows = data.cached(queries.harm_unfollows, view.url, view.version, bounds.start_utc,
                            bounds.end_utc, view.platform, view.account)
    if unfollows.empty:
        st.info(f"No unfollows in {view.week} followed an automated message of ours.",
                icon=":material/info:")
    else:
        st.caption(f"{theme.people(unfollows['person_id'].nunique())} unfollowed us in {view.week} "
                   "within 7 days of an automated message from us. The messages that preceded "
                   "each unfollow:")
        tiles.people_table(unfollows, {"name": "Person", "platform": "Platform",
                                       "unfollowed_at": "Unfollowed at", "kind": "Automated",
                                       "sender_name": "Sent by", "sent_at": "Sent at",
                                       "hours_before": "Hours before"}, key="harm_detail",
                           height=320)
