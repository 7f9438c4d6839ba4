"""Fixtures for the hostile-input tests."""

from tests.probnn.conftest import one_thread  # noqa: F401  (torch on one thread, as the app)
