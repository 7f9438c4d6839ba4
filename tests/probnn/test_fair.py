"""probnn.fair: the compute slot goes to the owner that has had least, and nobody
overtakes a waiting chunk.

Each test queues chunks in a known order (one thread each, started one at a time) and
then releases the slot with a stated compute time, so the order of turns is decided by
the share alone, not by which thread the interpreter happens to wake.
"""

from __future__ import annotations

import threading
import time

import pytest

from probnn.fair import LEAD, FairShare


class Queue:
    """Chunks waiting at a FairShare; ``order`` lists the owners as they get the slot."""

    def __init__(self, share: FairShare):
        self.share = share
        self.order: list[str] = []
        self.threads: list[threading.Thread] = []

    def ask(self, owner: str) -> None:
        """A chunk of ``owner`` asks for the slot (and waits in the queue)."""
        before = self.share.waiting()

        def chunk():
            self.share.acquire(owner)
            self.order.append(owner)

        thread = threading.Thread(target=chunk, daemon=True)
        thread.start()
        self.threads.append(thread)
        deadline = time.monotonic() + 10
        while self.share.waiting() == before and thread.is_alive():
            assert time.monotonic() < deadline, "the chunk never queued"
            time.sleep(0.001)

    def next_after(self, owner: str, seconds: float) -> str:
        """``owner`` hands the slot on after ``seconds`` of compute; who gets it."""
        n = len(self.order)
        self.share.release(owner, seconds)
        deadline = time.monotonic() + 10
        while len(self.order) == n:
            assert time.monotonic() < deadline, "nobody got the slot"
            time.sleep(0.001)
        return self.order[-1]


@pytest.fixture
def share():
    return FairShare(1)


def test_a_free_slot_is_taken_at_once_and_given_back(share):
    share.acquire("a")
    share.release("a", 0.01)
    share.acquire("b")  # would block forever if the slot had not come back
    share.release("b", 0.01)
    assert share.waiting() == 0


def test_the_owner_that_has_had_least_goes_next_though_it_came_later(share):
    q = Queue(share)
    share.acquire("hog")
    q.ask("hog")  # the hog's next chunk is first in line...
    q.ask("student")
    # ...but the hog has just computed for a second: the student goes first
    assert q.next_after("hog", 1.0) == "student"
    assert q.next_after("student", 0.01) == "hog"


def test_equal_owners_take_turns_in_arrival_order(share):
    q = Queue(share)
    share.acquire("x")
    for owner in ("a", "b", "c"):
        q.ask(owner)
    got = [q.next_after("x", 0.0)]
    got.append(q.next_after(got[-1], 0.0))
    got.append(q.next_after(got[-1], 0.0))
    assert got == ["a", "b", "c"]


def test_an_owners_runs_share_one_owners_turns(share):
    """A session with three runs gets no more turns than a session with one."""
    q = Queue(share)
    share.acquire("many")
    for owner in ("many", "many", "many", "one"):
        q.ask(owner)
    turns = []
    current = "many"
    for _ in range(4):
        current = q.next_after(current, 0.1)
        turns.append(current)
        if current == "one":
            q.ask("one")  # the single run asks again after its chunk, as a run does
    assert turns[:2] == ["one", "many"]
    assert turns.count("one") == 2


def test_a_big_chunk_costs_its_owner_several_small_turns(share):
    """Turns are shared by compute time, not by count: after a 0.3 s chunk the other
    owner gets three 0.1 s chunks before the big one comes back."""
    q = Queue(share)
    share.acquire("big")
    q.ask("big")
    q.ask("small")
    assert q.next_after("big", 0.3) == "small"
    for _ in range(2):
        q.ask("small")
        assert q.next_after("small", 0.1) == "small"
    assert q.next_after("small", 0.1) == "big"


def test_a_newcomer_joins_at_the_clock_of_those_computing(share):
    q = Queue(share)
    for _ in range(10):  # "a" computes 1 s alone, in chunks
        share.acquire("a")
        share.release("a", 0.1)
    share.acquire("a")
    q.ask("b")
    assert share.used("b") == pytest.approx(share.used("a"))  # no burst for being away
    assert q.next_after("a", 0.1) == "b"
    share.release("b", 0.0)


def test_an_owner_back_from_a_rest_is_never_far_behind_the_others(share):
    q = Queue(share)
    share.acquire("hog")
    share.release("hog", 10.0)  # computed 10 s, then rested
    share.acquire("other")
    share.release("other", 0.0)
    share.acquire("other")
    q.ask("hog")  # back, with 10 s on its clock and "other" at 0
    assert share.used("hog") == pytest.approx(LEAD)  # forgiven all but LEAD
    share.release("other", 1.0)
    share.release("hog", 0.0)


def test_no_thread_is_left_waiting(share):
    """Many owners hammering the slot from threads: every chunk gets its turn."""
    done = []

    def run(owner):
        for _ in range(20):
            with share.turn(owner):
                done.append(owner)

    threads = [threading.Thread(target=run, args=(f"s{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(done) == 160 and share.waiting() == 0
    assert sorted(set(done)) == [f"s{i}" for i in range(8)]
