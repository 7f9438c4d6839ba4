"""AppTest helpers shared by the page tests: open a page from a link, and drive a training
page (its status line, its buttons, its CSV upload and its live run)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(path: str, query: dict | None = None, timeout: float = 30) -> AppTest:
    """Run one page file (relative to the project root), optionally with URL parameters."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    if query:
        at.query_params.update(query)
    return at.run()


def status(at: AppTest) -> str:
    """The training page's status line (``**Step i / n** · state ...``)."""
    return next(m.value for m in at.markdown if m.value.startswith("**Step"))


def components(at: AppTest, kind: str | None = None) -> list[dict]:
    """The data of the page's canvas components (ui/live_panel.js), in page order: live
    panel frames (no ``kind``), status lines (``"status"``), after-training blocks
    (``"results"``), each followed by its chart (``"scatter"``; an empty block that
    waits for the stream's results has none), comparisons of likelihoods
    (``"compare"``); only those of ``kind`` when given ("panel" for the frames)."""
    out = []
    for c in at.get("bidi_component"):
        data = json.loads(c.proto.json)
        out.append(data)
        if data.get("kind") == "results" and "chart" in data:
            out.append(data["chart"])
    if kind is None:
        return out
    return [d for d in out if d.get("kind", "panel") == kind]


def results(at: AppTest) -> dict:
    """The data of the page's after-training block (texts, chart, table, download)."""
    return components(at, "results")[-1]


def live_frame(at: AppTest) -> dict:
    """The data of the live panel's latest frame."""
    return components(at, "panel")[-1]


@dataclass(frozen=True)
class TrainingPage:
    """One training page, ``lessons/<key>.py``, whose widgets live under ``tp.<key>.``."""

    key: str

    def open(self, query: dict | None = None) -> AppTest:
        return open_page(f"lessons/{self.key}.py", query, timeout=60)

    def click(self, at: AppTest, name: str) -> AppTest:
        """Press one of the run buttons (``train``, ``step``, ``pause``, ``resume``, ``reset``)."""
        return at.button(key=f"tp.{self.key}.b_{name}").click().run()

    def upload(self, at: AppTest, name: str, content: bytes) -> AppTest:
        """Upload ``content`` as the CSV file ``name`` (the page's data set must be "csv")."""
        return at.file_uploader(key=f"tp.{self.key}.upload").upload(name, content, "text/csv").run()

    def live(self, at: AppTest):
        """The page's LiveRun."""
        return at.session_state[f"tp.{self.key}.live"]
