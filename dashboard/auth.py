"""Optional sign-in for the dashboard: Streamlit's OIDC login, limited to allowed e-mail domains.

Off unless `.streamlit/secrets.toml` has an `[auth]` section (see docs/security.md):

    [auth]
    redirect_uri = "https://rapport.example.org/oauth2callback"
    cookie_secret = "<a long random string>"
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"

    [access]
    allowed_email_domains = ["example.org"]

When it is on, `require_login()` shows only a sign-in button to visitors who are not signed in,
and refuses signed-in users whose e-mail is not verified or not in an allowed domain. With
`[auth]` but no allowed domain, nobody gets in: the gate fails closed. Call it once at the top of
`dashboard/app.py`, right after `st.set_page_config`, before anything reads the warehouse.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

ACCESS_SECTION = "access"
DOMAINS_KEY = "allowed_email_domains"


def _secrets_section(name: str) -> Any:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets.toml at all, or one that cannot be parsed: sign-in is off
        return None


def auth_configured() -> bool:
    """Whether sign-in is on (`[auth]` in secrets.toml)."""
    return _secrets_section("auth") is not None


def allowed_domains() -> set[str]:
    """The e-mail domains allowed in, lower-case, from `[access] allowed_email_domains`."""
    section = _secrets_section(ACCESS_SECTION) or {}
    domains = section.get(DOMAINS_KEY, []) if hasattr(section, "get") else []
    if isinstance(domains, str):
        domains = [domains]
    return {str(d).strip().lstrip("@").lower() for d in domains if str(d).strip()}


def email_allowed(email: Any, domains: set[str], verified: Any = True) -> bool:
    """True when `email` is one well-formed address, verified, in one of `domains` exactly."""
    if not isinstance(email, str) or email.count("@") != 1 or verified is False:
        return False
    local, _, domain = email.strip().lower().partition("@")
    return bool(local) and domain in domains


def require_login() -> None:
    """Stop the page unless sign-in is off, or the user is signed in from an allowed domain."""
    if not auth_configured():
        return
    if not st.user.is_logged_in:
        st.title("rapport")
        st.write("Sign in with your work account to see the dashboard.")
        st.button("Sign in", key="auth_sign_in", type="primary", on_click=st.login)
        st.stop()
    domains = allowed_domains()
    email = st.user.get("email")
    if not domains:
        st.error("Sign-in is configured but no e-mail domain is allowed in, so nobody can see "
                 f"the dashboard. Add `[{ACCESS_SECTION}] {DOMAINS_KEY} = [\"example.org\"]` to "
                 "`.streamlit/secrets.toml`.", icon=":material/lock:")
    elif not email_allowed(email, domains, st.user.get("email_verified", True)):
        st.error("This account is not allowed to see this dashboard. Sign in with a verified "
                 "address of an allowed domain, or ask the person who runs rapport.",
                 icon=":material/lock:")
    else:
        return
    st.button("Sign out", key="auth_sign_out", on_click=st.logout)
    st.stop()
