"""Security: the dashboard's sign-in gate, its server settings, and no tracebacks or personal
data in what the loader and the CLI print."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import email_allowed

REPO = Path(__file__).resolve().parents[2]
GATED = """
import streamlit as st
from dashboard.auth import require_login
require_login()
st.write("the dashboard")
"""
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32,
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://accounts.example.org/.well-known/openid-configuration"}
ALLOW = {"allowed_email_domains": ["acme.com", "@Partner.org"]}


def _run(secrets: dict, user: dict) -> AppTest:
    at = AppTest.from_string(GATED, default_timeout=30)
    for name, value in secrets.items():
        at.secrets[name] = value
    at.user = user
    return at.run()


def _shows_dashboard(at: AppTest) -> bool:
    return any(m.value == "the dashboard" for m in at.markdown)


# secrets, user → shown?, and what the page says
GATE = [
    ("sign-in off: no [auth]", {}, {"is_logged_in": False}, True, None),
    ("signed out", {"auth": AUTH, "access": ALLOW}, {"is_logged_in": False}, False, "Sign in"),
    ("allowed domain", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "ann@acme.com"}, True, None),
    ("allowed domain, other case", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "Ann@ACME.com", "email_verified": True}, True, None),
    ("second allowed domain written with @", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "bo@partner.org"}, True, None),
    ("another domain", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "eve@evil.com"}, False, "not allowed"),
    ("a look-alike domain", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "eve@acme.com.evil.com"}, False, "not allowed"),
    ("a subdomain", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "eve@mail.acme.com"}, False, "not allowed"),
    ("an unverified address", {"auth": AUTH, "access": ALLOW},
     {"is_logged_in": True, "email": "ann@acme.com", "email_verified": False}, False, "not allowed"),
    ("no e-mail claim", {"auth": AUTH, "access": ALLOW}, {"is_logged_in": True}, False,
     "not allowed"),
    ("[auth] without an allow-list fails closed", {"auth": AUTH},
     {"is_logged_in": True, "email": "ann@acme.com"}, False, "no e-mail domain is allowed"),
]


@pytest.mark.parametrize("secrets, user, shown, says",
                         [pytest.param(s, u, sh, sa, id=n) for n, s, u, sh, sa in GATE])
def test_the_sign_in_gate(secrets: dict, user: dict, shown: bool, says: str | None) -> None:
    at = _run(secrets, user)
    assert not at.exception
    assert _shows_dashboard(at) is shown
    if says == "Sign in":
        assert [b.label for b in at.button] == ["Sign in"]
    elif says:
        assert says in at.error[0].value
        assert [b.label for b in at.button] == ["Sign out"]
        assert user.get("email", "") not in at.error[0].value or not user.get("email")


@pytest.mark.parametrize("email", ["a@acme.com@evil.com", "@acme.com", "acme.com", None, 42])
def test_malformed_addresses_never_pass(email) -> None:
    assert not email_allowed(email, {"acme.com"})


def _config() -> dict:
    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())


@pytest.mark.parametrize("section, key, value", [
    ("server", "address", "127.0.0.1"),
    ("server", "enableXsrfProtection", True),
    ("server", "enableCORS", True),  # True keeps Streamlit's cross-origin protection on
    ("client", "showErrorDetails", "none"),
    ("browser", "gatherUsageStats", False),
])
def test_streamlit_server_settings(section: str, key: str, value) -> None:
    assert _config()[section][key] == value


def test_the_server_caps_upload_size() -> None:
    assert 0 < _config()["server"]["maxUploadSize"] <= 1024


def test_rapport_dashboard_binds_to_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.serve as serve

    calls = []
    monkeypatch.setattr(serve.subprocess, "call", lambda cmd, **kw: calls.append(cmd) or 0)
    assert serve.serve_dashboard(port=8599, db="duckdb:///x.duckdb") == 0
    cmd = calls[0]
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert "0.0.0.0" not in cmd


def test_the_dashboard_opens_the_warehouse_named_from_the_callers_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """`rapport demo` loads duckdb:///rapport.duckdb in the caller's folder; the app, which runs
    from the project's folder, must be given that file, not one of its own."""
    import pipelines.serve as serve

    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(serve.subprocess, "call", lambda cmd, **kw: calls.append(kw) or 0)
    assert serve.serve_dashboard(port=8599, db="duckdb:///rapport.duckdb") == 0
    assert calls[0]["env"]["RAPPORT_DB_URL"] == f"duckdb:///{tmp_path / 'rapport.duckdb'}"
    assert calls[0]["cwd"] != str(tmp_path)


@pytest.mark.parametrize("url", ["duckdb:///:memory:", "duckdb:///", "duckdb:////srv/w.duckdb",
                                 "postgresql+psycopg://u:secret@db:5432/rapport"])
def test_other_warehouse_urls_are_passed_unchanged(url: str) -> None:
    from pipelines.warehouse import absolute_url

    assert absolute_url(url) == url


def test_the_app_checks_upload_sizes_itself() -> None:
    """The server's limit is per file; the Sources page adds its own, per file and per upload."""
    from dashboard.uploads import too_large

    class Upload:
        def __init__(self, name: str, size: int):
            self.name, self.size = name, size

        def getvalue(self) -> bytes:
            return b""

    assert too_large([Upload("a.zip", 10), Upload("b.zip", 10)], per_file=15, total=30) == []
    reasons = too_large([Upload("a.zip", 20), Upload("b.zip", 20)], per_file=15, total=30)
    assert len(reasons) == 3 and "a.zip" in reasons[0]
    assert "too_large(" in (REPO / "dashboard" / "views" / "sources.py").read_text()


HOSTILE = {
    "people.csv": "person_id,platform,handle,display_name,is_ours\n"
                  "x:1,x,secret_handle_41,Secret Person Name,false\n"
                  "x:2,x,other_handle_42,Other Name,maybe\n",
    "interactions.csv": "interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,"
                        "in_reply_to,automated\n"
                        "x:9,x,nope,x:1,x:2,dm,x:t,,false\n"
                        "x:8,x,2025-01-01T10:00:00Z,x:1,x:2,dm,,,false\nragged,row\n",
    "audience_daily.csv": "platform,account_id,day,followers\nx,x:1,2025-01-01,1.2K\n",
}


def test_rapport_load_prints_no_traceback_and_no_names(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in HOSTILE.items():
        (folder / name).write_text(text)
    (tmp_path / "bomb.zip").write_bytes(b"PK\x03\x04 not a zip")
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "load", str(folder),
                          str(tmp_path / "bomb.zip"), str(tmp_path / "missing.csv"),
                          "--db", f"duckdb:///{tmp_path / 'w.duckdb'}"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "RAPPORT_LOAD_GX": "off"})
    out = cli.stdout + cli.stderr
    assert cli.returncode == 1, out  # some files were refused
    assert "Traceback" not in out
    for secret in ("secret_handle_41", "Secret Person Name", "other_handle_42", "Other Name"):
        assert secret not in out
    assert "bomb.zip: not a readable zip archive" in out and "missing.csv: no such file" in out


def test_rapport_load_does_not_print_person_ids_that_embed_handles(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "people.csv").write_text("person_id,platform,handle,display_name,is_ours\n"
                                       "github:secret_handle_41,GitHub,secret_handle_41,S,false\n")
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "load", str(folder),
                          "--db", f"duckdb:///{tmp_path / 'w.duckdb'}"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "RAPPORT_LOAD_GX": "off"})
    assert "people.platform_well_formed" in cli.stdout  # the check is reported ...
    assert "secret_handle_41" not in cli.stdout + cli.stderr  # ... without naming the person
