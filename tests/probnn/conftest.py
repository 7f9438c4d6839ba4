"""Fixtures for the probnn tests."""

import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a whole module, as the app runs: seeded fits are bit-for-bit
    only for a fixed thread count, and with small tensors one thread is also fastest.
    Use it with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
