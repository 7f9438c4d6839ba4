"""A class opens a link on a server that has just started: every page works from the
first request the server answers (benchmarks/fresh_start.py, once, as a test)."""

from __future__ import annotations

import random

from benchmarks.fresh_start import storm


def test_thirty_students_on_a_fresh_server_all_see_their_pages():
    _, results, errors = storm(students=30, within=3.0, rng=random.Random(1))
    failed = [why for fine, why in results if not fine]
    assert not failed, f"{failed[:3]} {errors}"
    assert len(results) == 30
