"""Constants and field maps of the X/Twitter source."""
from __future__ import annotations

import re

PLATFORM = "twitter"

# "Sat Feb 18 19:45:15 +0000 2023": the archive's and API v1.1's created_at.
CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"

# Archive files rapport reads: file stem (before an optional "-partN") -> accepted
# `window.YTD.<name>.partN` names. Older archives say `tweet`, newer ones `tweets`.
ARCHIVE_FILES: dict[str, tuple[str, ...]] = {
    "account": ("account",),
    "tweets": ("tweets", "tweet"),
    "tweet": ("tweet", "tweets"),
    "direct-messages": ("direct_messages",),
    "direct-messages-group": ("direct_messages_group",),
    "follower": ("follower",),
    "following": ("following",),
    "like": ("like",),
}
ARCHIVE_FILE_NAME = re.compile(r"^(?P<stem>[a-z][a-z0-9-]*?)(?:-part(?P<part>\d+))?\.js$")
YTD_PREFIX = re.compile(r"^\s*window\.YTD\.(?P<name>[A-Za-z0-9_]+)\.part(?P<part>\d+)\s*=\s*")

# Events of a DM conversation: messages, and system notices (counted as skipped). Any other
# event is skipped too, and named in the load's notes.
DM_MESSAGE_EVENT = "messageCreate"
DM_NOTICE_EVENTS = (
    "joinConversation", "participantsJoin", "participantsLeave", "conversationNameUpdate",
)

# Clients (the tweet's `source`) that publish on a schedule or automatically: their
# messages are `automated`. Matched case-insensitively against the client's name.
AUTOMATION_CLIENTS = (
    "Buffer", "Hootsuite", "IFTTT", "dlvr.it", "Zapier", "SocialOomph", "CoSchedule",
    "Sprout Social", "twitterfeed", "Crowdfire", "Hypefury", "Typefully", "SocialPilot",
    "Later", "Sendible", "Agorapulse", "TweetDeck Scheduler", "Twuffer", "Publer",
)

# Tweet activity export (analytics.twitter.com), one file per period.
ACTIVITY_FILE_NAME = re.compile(
    r"^tweet_activity_metrics_(?P<handle>\w+?)_(?P<start>\d{8})_(?P<end>\d{8})_(?P<lang>[A-Za-z-]+)\.csv$"
)
ACTIVITY_HEADER_START = '"Tweet id","Tweet permalink"'
ACTIVITY_TIME_FORMAT = "%Y-%m-%d %H:%M %z"
ACTIVITY_PERMALINK = re.compile(r"^https?://(?:www\.)?(?:twitter|x)\.com/(?P<handle>\w+)/status/")
# audience_daily column <- activity column, summed over the tweets of a day.
ACTIVITY_COUNTS = {"impressions": "impressions", "engagements": "engagements", "likes": "likes"}
ACTIVITY_REQUIRED = ("Tweet id", "time", *ACTIVITY_COUNTS.values())
_ACTIVITY_METRICS = (
    "impressions", "engagements", "engagement rate", "retweets", "replies", "likes",
    "user profile clicks", "url clicks", "hashtag clicks", "detail expands", "permalink clicks",
    "app opens", "app installs", "follows", "email tweet", "dial phone", "media views",
    "media engagements",
)
ACTIVITY_KNOWN = (
    "Tweet id", "Tweet permalink", "Tweet text", "time", *_ACTIVITY_METRICS,
    *(f"promoted {m}" for m in _ACTIVITY_METRICS),
)
