"""Fixtures for the page tests; the AppTest helpers are in tests/pages/training_helpers.py."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.training_helpers import ROOT, open_page  # noqa: F401
from tests.probnn.conftest import one_thread  # noqa: F401  (same fixture as for probnn)


@pytest.fixture
def app():
    """The whole app through its router."""
    return AppTest.from_file(str(ROOT / "main.py"), default_timeout=30)
