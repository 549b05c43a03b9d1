"""Hostile input whose trap is format-specific, through a platform source (the X archive).

The archive's `.js` files are JSON behind a `window.YTD.<name>.partN = ` prefix: truncated
JSON, an unknown prefix, another platform's data behind the right prefix, and text encodings.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.load import load_paths
from pipelines.warehouse import query
from tests.reliability.hostile import Spec, check, load_case

ACCOUNT = "window.YTD.account.part0 = " + json.dumps(
    [{"account": {"username": "acme", "accountId": "100", "accountDisplayName": "Acme"}}])


def _tweet(number: int, text: str, when: str = "Sat Feb 18 19:45:15 +0000 2023") -> dict:
    return {"tweet": {"id_str": str(number), "id": str(number), "created_at": when,
                      "full_text": text, "source": "web", "entities": {"user_mentions": []}}}


TWEETS = [_tweet(1, "hello"), _tweet(2, "no usable time", when="yesterday"), _tweet(3, "bye")]
WHOLE = "window.YTD.tweets.part0 = " + json.dumps(TWEETS, indent=1)


def _archive(tmp_path: Path, tweets_js: bytes) -> Path:
    data = tmp_path / "twitter-archive" / "data"
    data.mkdir(parents=True)
    (data / "account.js").write_text(ACCOUNT)
    (data / "tweets.js").write_bytes(tweets_js)
    return data.parent


CASES = [
    Spec("a whole archive: one tweet without a usable time is quarantined",
         {"tweets.js": WHOLE.encode()}, "loaded", rows={"people": 1, "interactions": 2},
         quarantined=[(2, "created_at 'yesterday' is not like")]),
    Spec("byte-order mark and CRLF line ends",
         {"tweets.js": b"\xef\xbb\xbf" + WHOLE.replace("\n", "\r\n").encode()}, "loaded",
         rows={"people": 1, "interactions": 2}, quarantined=[(2, "created_at 'yesterday'")]),
    Spec("truncated JSON", {"tweets.js": WHOLE.encode()[:-60]}, "refused",
         message="data/tweets.js: not valid JSON after the window.YTD prefix at line"),
    Spec("the prefix of another archive file",
         {"tweets.js": WHOLE.replace("window.YTD.tweets.", "window.YTD.like.").encode()},
         "refused", message="data/tweets.js: holds window.YTD.like.part0, expected window.YTD.tweets"),
    Spec("another platform's data behind the right prefix (a Mastodon outbox)",
         {"tweets.js": ("window.YTD.tweets.part0 = " + json.dumps(
             [{"type": "Create", "object": {"content": "a toot"}},
              {"type": "Announce", "object": "https://example.social/1"}])).encode()},
         "loaded", rows={"people": 1},
         quarantined=[(1, "tweet without id"), (2, "tweet without id")]),
]


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in CASES])
def test_hostile_x_archive(spec: Spec, tmp_path: Path, baseline_db: Path, baseline) -> None:
    path = _archive(tmp_path, spec.files["tweets.js"])
    url, summaries = load_case(spec, tmp_path, baseline_db, paths=[path])
    check(spec, url, summaries, baseline)
    assert all(s.format == "twitter" for s in summaries)


@pytest.mark.parametrize("content, message", [
    (("window.__INITIAL_STATE__ = " + json.dumps(TWEETS)).encode(),
     "data/tweets.js: does not start with 'window.YTD.<name>.partN = '"),
    (json.dumps(TWEETS).encode(), "data/tweets.js: does not start with 'window.YTD.<name>.partN = '"),
    (WHOLE.replace("hello", "héllo").encode("utf-16"), "tweets.js: not UTF-8 text"),
], ids=["unknown JS prefix", "no prefix", "UTF-16"])
def test_a_file_the_source_reads_but_cannot_decode_is_refused_not_skipped(
        content: bytes, message: str, tmp_path: Path, baseline_db: Path, baseline) -> None:
    path = _archive(tmp_path, content)
    spec = Spec("unreadable archive file", {}, "refused", message=message)
    url, summaries = load_case(spec, tmp_path, baseline_db, paths=[path])
    check(spec, url, summaries, baseline)


def test_a_lone_file_with_an_unknown_js_prefix_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_text("window.__INITIAL_STATE__ = " + json.dumps(TWEETS))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    [summary] = load_paths([path], url)
    assert summary.status == "refused"
    assert str(path) in summary.message and "not an export rapport recognises" in summary.message
    assert query(url, "SELECT count(*) FROM interactions")[0][0] == 0
