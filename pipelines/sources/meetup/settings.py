"""Constants of the Meetup source: markers, id shapes and what a comment's link says."""
from __future__ import annotations

import re

PLATFORM = "meetup"
PERCEVAL_BACKEND = "Meetup"

HEAD_BYTES = 8192
# Meetup's own hosts appear in links and photos of every event, comment and RSVP.
HOST_MARKERS = ("meetup.com/", "meetupstatic.com")
RECORD_MARKERS = ('"event_hosts"', '"yes_rsvp_count"', '"utc_offset"', '"comment"', '"response"')

# Native ids by kind: events and comments are numbered apart, so both carry their kind.
EVENT_ID = "event/{}"
COMMENT_ID = "comment/{}"
GROUP_ID = "group/{}"

# A standalone comment names its event only in its link.
COMMENT_LINK_EVENT = re.compile(r"/events/([^/]+)/comments/")

# utc_offset is in milliseconds; real offsets lie within ±14 hours.
MAX_OFFSET_MS = 14 * 3600 * 1000
