"""Streamlit-side helpers: chart builders (ui.charts, no streamlit) and widgets (ui.widgets)."""
