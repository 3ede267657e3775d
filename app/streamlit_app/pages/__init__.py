"""The web app's pages (run by Streamlit as scripts; Streamlit skips this file).

A package only so that import-linter checks the pages' imports (see pyproject.toml): a page
imports the app's helpers (``app.streamlit_app``) and the public APIs, not their internals.
"""
