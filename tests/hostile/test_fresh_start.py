"""A class opens a link on a server that has just started: every page works from the
first request the server answers (benchmarks/fresh_start.py, once, as a test)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from benchmarks.fresh_start import storm


def test_thirty_students_on_a_fresh_server_all_see_their_pages():
    # in a thread of its own: the browser tests may leave an event loop on this one
    with ThreadPoolExecutor(1) as pool:
        _, results, errors = pool.submit(storm, 30, 3.0, random.Random(1)).result()
    failed = [why for fine, why in results if not fine]
    assert not failed, f"{failed[:3]} {errors}"
    assert len(results) == 30
