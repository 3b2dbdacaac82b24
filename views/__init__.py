"""Streamlit views: one module per page, widgets and rendering only; every action is one call into kb/."""
