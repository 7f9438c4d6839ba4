"""Fair turns at the compute slot: every owner (a browser session) gets its share.

Live runs compute in chunks of a few hundredths of a second, and the chunks of every
run in the process queue for a few slots (one by default; see :mod:`probnn.live`). A
plain semaphore hands a free slot to whichever thread the interpreter wakes first, so a
waiting chunk can be overtaken again and again, and a session with several runs gets a
turn for each. :class:`FairShare` hands out the slot by *owner* instead, as start-time
fair queueing does:

* each owner has a virtual clock: the compute seconds its chunks have used;
* a free slot goes to the waiting chunk whose owner's clock is lowest (the owner that
  has had least), first come first served between equals and within one owner, so an
  owner's runs take turns among themselves and together get one owner's share;
* the share keeps a virtual time of its own, the clock of the chunk it let in last; an
  owner that starts joins at that time, and one that comes back from a rest at most
  ``LEAD`` ahead of it: it neither gets a burst for the time it was away, nor waits
  long behind its own past;
* a slot that frees is handed straight to the chosen chunk, so nobody overtakes it.

With ``n`` owners computing, each therefore gets about ``1/n`` of the slot's time,
whatever its runs' sizes and however many runs it has.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["FairShare"]

LEAD = 0.25  # seconds: at most this far ahead of the owner that has had least, on joining
FORGET = 60.0  # seconds: an owner idle this long is forgotten (it joins afresh)


@dataclass
class _Waiter:
    seq: int  # arrival order: first come first served between equal clocks
    owner: Hashable
    granted: threading.Event = field(default_factory=threading.Event)


class FairShare:
    """``slots`` compute slots shared out fairly between owners.

    Use as ``with share.turn(owner): compute()``; safe from any thread.
    """

    def __init__(self, slots: int = 1):
        self.slots = max(1, int(slots))
        self._lock = threading.Lock()
        self._free = self.slots
        self._waiting: list[_Waiter] = []
        self._running: dict[Hashable, int] = {}  # owner -> chunks computing now
        self._clock: dict[Hashable, float] = {}  # owner -> compute seconds (virtual)
        self._seen: dict[Hashable, float] = {}  # owner -> when it last asked or finished
        self._now = 0.0  # virtual time: the clock of the chunk let in last
        self._seq = itertools.count()

    # ------------------------------------------------------------------ reading
    def used(self, owner: Hashable) -> float:
        """The owner's virtual clock (compute seconds, shifted when it joined)."""
        with self._lock:
            return self._clock.get(owner, 0.0)

    def waiting(self) -> int:
        """Chunks waiting for a slot now."""
        with self._lock:
            return len(self._waiting)

    # ------------------------------------------------------------------ turns
    @contextmanager
    def turn(self, owner: Hashable) -> Iterator[None]:
        """Wait for this owner's turn at a slot, hold it for the block, then hand it on."""
        self.acquire(owner)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.release(owner, time.perf_counter() - t0)

    def acquire(self, owner: Hashable) -> None:
        with self._lock:
            self._join(owner)
            if self._free > 0 and not self._waiting:
                self._free -= 1
                self._let_in(owner)
                return
            waiter = _Waiter(next(self._seq), owner)
            self._waiting.append(waiter)
        waiter.granted.wait()  # the slot is handed over with the event: no race for it

    def release(self, owner: Hashable, seconds: float) -> None:
        with self._lock:
            self._clock[owner] = self._clock.get(owner, 0.0) + max(0.0, seconds)
            self._seen[owner] = time.monotonic()
            left = self._running.get(owner, 1) - 1
            if left > 0:
                self._running[owner] = left
            else:
                self._running.pop(owner, None)
            if not self._waiting:
                self._free += 1
                self._forget()
                return
            # the owner that has had least goes next (its clock now, not at asking:
            # an owner may have computed on another slot meanwhile)
            best = min(self._waiting, key=lambda w: (self._clock[w.owner], w.seq))
            self._waiting.remove(best)
            self._let_in(best.owner)
        best.granted.set()

    # ------------------------------------------------------------------ helpers
    def _join(self, owner: Hashable) -> None:
        """Set the owner's clock as its chunk asks (caller holds the lock): never behind
        the share's virtual time, nor more than ``LEAD`` ahead of it."""
        self._seen[owner] = time.monotonic()
        mine = self._clock.get(owner, self._now)
        self._clock[owner] = min(max(mine, self._now), self._now + LEAD)

    def _let_in(self, owner: Hashable) -> None:
        """The owner's chunk takes a slot (caller holds the lock)."""
        self._running[owner] = self._running.get(owner, 0) + 1
        self._now = max(self._now, self._clock[owner])

    def _active(self) -> set[Hashable]:
        return {w.owner for w in self._waiting} | set(self._running)

    def _forget(self) -> None:
        """Drop the clocks of owners idle for ``FORGET`` seconds (caller holds the lock)."""
        if len(self._clock) < 64:
            return
        now, active = time.monotonic(), self._active()
        for owner in [o for o, t in self._seen.items() if now - t > FORGET and o not in active]:
            self._clock.pop(owner, None)
            self._seen.pop(owner, None)
