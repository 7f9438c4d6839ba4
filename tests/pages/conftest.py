"""AppTest helpers for the pages."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(path: str, query: dict | None = None, timeout: float = 30) -> AppTest:
    """Run one page file (relative to the project root), optionally with URL parameters."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    if query:
        at.query_params.update(query)
    return at.run()


@pytest.fixture
def app():
    """The whole app through its router."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
