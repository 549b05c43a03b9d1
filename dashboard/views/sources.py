"""Sources: upload exports, load them with a progress bar, and see every load so far."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import streamlit as st

from dashboard import bookkeeping, data, theme, uploads
from pipelines.warehouse import resolve_url

MB = 2**20
PER_FILE = int(float(os.environ.get("RAPPORT_MAX_UPLOAD_MB")
                     or st.get_option("server.maxUploadSize")) * MB)
PER_UPLOAD = 4 * PER_FILE

url = resolve_url(None)
st.title("Sources")
st.caption("Bring in the exports your platforms give you. Each file is checked; records that "
           "break a rule are quarantined with the reason, and the rest loads.")

files_tab, folder_tab = st.tabs(["Files", "A whole folder"])
with files_tab:
    files = st.file_uploader("Exports: zip, CSV, JSON or an X/Twitter archive's .js files",
                             type=uploads.UPLOAD_TYPES, accept_multiple_files=True,
                             key="sources_files",
                             help="Files uploaded together that form one export (a Slack "
                                  "export's channels.json, users.json…, a Discord export's "
                                  "parts) are loaded together.")
with folder_tab:
    folder = st.file_uploader("An export folder, as the platform gave it (e.g. an unzipped "
                              "Slack export)", type=uploads.UPLOAD_TYPES,
                              accept_multiple_files="directory", key="sources_folder")
ours = st.text_input("Our accounts (optional)", key="sources_ours",
                     placeholder="twitter:@acme, slack:U024BE7LH",
                     help="PLATFORM:HANDLE pairs, comma-separated, for accounts of ours that "
                          "the export does not name as its owner.")
chosen = list(files or []) + list(folder or [])
st.caption(f"Limits: {PER_FILE // MB} MB per file, {PER_UPLOAD // MB} MB per upload.")

if st.button("Load", key="sources_load", type="primary", disabled=not chosen):
    from pipelines.load import load_paths
    from pipelines.load_cli import parse_ours
    from pipelines.publish import LoaderBusy

    refused = uploads.too_large(chosen, PER_FILE, PER_UPLOAD)
    try:
        owners = parse_ours([v.strip() for v in ours.split(",") if v.strip()])
    except Exception as exc:  # click.BadParameter says what was expected
        refused.append(str(getattr(exc, "message", exc)))
    if refused:
        st.error("Nothing was loaded: " + theme.escape_markdown("; ".join(refused)) + ".",
                 icon=":material/block:")
    else:
        bar = st.progress(0.0, text="Saving the uploaded files…")
        with tempfile.TemporaryDirectory(prefix="rapport-upload-") as tmp:
            workdir = Path(tmp).resolve()

            def progress(what: str, done: int, total: int) -> None:
                bar.progress(done / max(total, 1),
                             text=f"Loading {done}/{total}: {uploads.display_name(what, workdir)}")

            try:
                paths = uploads.save(chosen, workdir)
                summaries = load_paths(paths, url, ours=owners, progress=progress)
            except LoaderBusy:
                st.error("Another load is writing to this warehouse. Wait for it to finish, "
                         "then press Load again.", icon=":material/hourglass:")
            except Exception as exc:
                data.report_error(exc, url, "loading the uploaded files")
            else:
                st.session_state["sources_result"] = (
                    uploads.summary_frame(summaries, workdir),
                    uploads.problems_frame(summaries, workdir))
                st.rerun()  # the warehouse changed: refresh the pages and the controls

result = st.session_state.get("sources_result")
if result is not None:
    table, problems = result
    refused = int((table["status"] == "refused").sum()) if len(table) else 0
    loaded = int(table["loaded"].sum()) if len(table) else 0
    (st.warning if refused else st.success)(
        f"Loaded {loaded} row(s) from {len(table) - refused} file(s)"
        + (f"; {refused} file(s) refused (see the message column)." if refused else "."),
        icon=":material/task_alt:")
    st.dataframe(table, key="sources_summary", hide_index=True, width="stretch",
                 column_config={c: c.capitalize() for c in table.columns})
    if len(problems):
        with st.expander(f"Checks that did not pass and notes ({len(problems)})"):
            st.dataframe(problems, key="sources_problems", hide_index=True, width="stretch",
                         column_config={c: c.capitalize() for c in problems.columns})

st.subheader("Load history")
history = data.cached(bookkeeping.load_history, url, data.version(url))
if history.empty:
    st.info("Nothing has been loaded into this warehouse yet.", icon=":material/info:")
else:
    history["file"] = uploads.strip_workdir(history["file"])
    st.dataframe(history, key="sources_history", hide_index=True, width="stretch",
                 column_order=["started_at", "file", "format", "status", "rows_read",
                               "rows_loaded", "rows_duplicate", "rows_skipped",
                               "rows_quarantined", "message"],
                 column_config={"started_at": "Loaded at", "file": "File", "format": "Format",
                                "status": "Status", "message": "Message", "rows_read": "Read",
                                "rows_loaded": "Loaded", "rows_duplicate": "Duplicate",
                                "rows_skipped": "Skipped", "rows_quarantined": "Quarantined"})
