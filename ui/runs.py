"""One training at a time per session: the runs that the training pages keep in the
session state, paused when their page is left.

Light on purpose (no torch): the router calls it for every page, the home page too.
"""

from __future__ import annotations

from collections.abc import MutableMapping

__all__ = ["LEFT", "PAGE_KEYS", "pause_elsewhere"]

PAGE_KEYS = ("binary", "multiclass", "regression")  # the training pages (ui/training_page/)
LEFT = "Paused when you left this page."


def pause_elsewhere(page: str | None, state: MutableMapping) -> int:
    """Pause every run of a training page other than ``page`` that is still training,
    with a note that says why (its page shows it on return); how many were paused.

    ``state``: the session state. Looks at the page's run (``tp.<page>.live``) and at
    those of its comparison and loss surface (``tp.<page>.cmp``, ``tp.<page>.surf``).
    """
    paused = 0
    for key in PAGE_KEYS:
        if key == page:
            continue
        found = [state.get(f"tp.{key}.live")]
        for name in ("cmp", "surf"):
            group = state.get(f"tp.{key}.{name}") or {}
            item = group.get("live") if isinstance(group, dict) else None
            found += item if isinstance(item, list) else [item]
        for item in found:
            if getattr(item, "status", None) == "running" and hasattr(item, "pause"):
                item.pause(wait=False, note=LEFT)
                paused += 1
    return paused
