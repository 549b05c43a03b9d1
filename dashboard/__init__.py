"""The rapport dashboard: thin Streamlit pages over the metrics API."""
