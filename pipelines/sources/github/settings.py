"""Constants of the GitHub source: markers, timeline events that map, bot accounts."""
from __future__ import annotations

import re

PLATFORM = "github"
PERCEVAL_BACKENDS = ("GitHub", "GitHubQL")  # REST items and GraphQL timeline items

HEAD_BYTES = 4096
API_MARKER = '"url": "https://api.github.com/repos/'

# https://github.com/<owner>/<repo>/(issues|pull)/<number>[#anchor]
ISSUE_URL = re.compile(r"^https?://github\.com/([^/]+/[^/]+)/(?:issues|pull)/(\d+)")
# The anchor GitHub gives each review, review comment and issue comment, used as native id.
ANCHOR = re.compile(r"#((?:pullrequestreview|issuecomment|discussion_r)-?\d+)$")

# Native ids: `<owner>/<repo>#<number>` for an issue or pull request (both share numbers);
# comments, review comments and reviews by GitHub's own anchors, unique across GitHub.
ISSUE_ID = "{repo}#{number}"
COMMENT_ID = "issuecomment-{}"
REVIEW_COMMENT_ID = "discussion_r{}"
REVIEW_ID = "pullrequestreview-{}"

# GraphQL timeline events (perceval category "event") that are messages: reviews and comments.
MESSAGE_EVENTS = {"PullRequestReview": REVIEW_ID, "IssueComment": COMMENT_ID}

# Accounts that are automation: GitHub Apps end in [bot]; the API marks them type "Bot".
BOT_SUFFIX = "[bot]"
BOT_TYPE = "Bot"
