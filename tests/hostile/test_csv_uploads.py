"""Hostile CSV files uploaded to a training page: the page reads a file once however many
targets it tries, says what is wrong with a bad file, and shows whatever comes from a
file (its name, columns, labels, the values a message quotes) as the text it is, never
as Markdown (a link, an image, HTML, a coloured span).
"""

from __future__ import annotations

import re

import pytest

from probnn import data
from tests.hostile.files import FILES, HTML, IMAGE, LINK
from tests.pages.training_helpers import TrainingPage
from ui import training_page
from ui.text import plain, shown
from ui.training_page import upload

pytestmark = pytest.mark.usefixtures("one_thread")
PAGE = TrainingPage("binary")
GOOD = b"x1,x2,label\n" + b"".join(
    f"{i % 7 - 3},{(i * 3) % 5 - 2},{'ab'[(i % 7 + i % 5) % 2]}\n".encode() for i in range(40)
)
# Markdown that Streamlit would render: a link, an image, HTML, a directive, emphasis
_ACTIVE = re.compile(r"(?<!\\)(\]\(|!\[|<[a-z/]|:[a-z]+\[|\*\*)")


@pytest.fixture
def counted(monkeypatch):
    """Counts of read_csv and load_csv calls made through the page's module."""
    calls = {"read_csv": 0, "load_csv": 0}
    for name in calls:
        real = getattr(data, name)

        def wrapper(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(data, name, wrapper)
    return calls


def test_an_upload_is_read_once_whatever_the_targets_tried(counted):
    # 200 columns of numbers with many values, and a gap: a target's classes could change
    # once the incomplete rows are dropped, so twelve targets are tried, on one table
    rows = [",".join(str((i * (j + 1)) % 97) for j in range(200)) for i in range(2_000)]
    rows[5] = "," + rows[5].split(",", 1)[1]
    raw = ("\n".join([",".join(f"c{j}" for j in range(200)), *rows]) + "\n").encode()
    store: dict = {}
    ok, message = training_page.accept_upload(store, raw, "wide.csv", task="binary")
    assert not ok and "has 97 distinct values" in message and store == {}
    assert counted == {"read_csv": 1, "load_csv": 12}


def test_targets_that_cannot_work_are_not_tried(counted):
    # every column holds a single value: no target can have two classes
    ok, message = training_page.accept_upload(
        {}, FILES["rows_10000x200"](), "ones.csv", task="binary"
    )
    assert not ok and "'c199' has only one value (1)" in message
    assert counted == {"read_csv": 1, "load_csv": 1}


def test_a_table_of_text_is_tried_once(counted):
    # text in two columns or more: every target fails as the first one does
    ok, message = training_page.accept_upload(
        {}, FILES["text_10000x200"](), "labels.csv", task="binary"
    )
    assert not ok and message.startswith("labels.csv: Non-numeric values: row 2")
    assert counted == {"read_csv": 1, "load_csv": 1}


def test_a_taken_table_is_kept_parsed_and_its_choices_built_once(counted):
    store: dict = {}
    ok, _ = training_page.accept_upload(store, GOOD, "good.csv", task="binary")
    assert ok and store["columns"] == ["x1", "x2", "label"] and "raw" not in store
    assert counted == {"read_csv": 1, "load_csv": 1}
    first = upload.stored_result(store, task="binary", target="label", features=[], seed=0)
    again = upload.stored_result(store, task="binary", target="label", features=[], seed=0)
    assert first is again and first["ok"]  # the result accept_upload built
    one = upload.stored_result(
        store, task="binary", target="label", features=["x1"], seed=0
    )
    assert one["ok"] and one["features"] == ["x1"]
    assert counted == {"read_csv": 1, "load_csv": 2}


def _texts(at) -> list[str]:
    """The Markdown bodies of the page's text elements."""
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "toast"):
        out += [e.value for e in at.get(kind)]
    return out


def _assert_shown_as_text(at, *raw: str) -> None:
    """Each of ``raw`` appears on the page as text, in elements with no active Markdown."""
    texts = _texts(at)
    for r in raw:
        bodies = [b for b in texts if r in shown(b)]
        assert bodies, r
        for b in bodies:
            assert not _ACTIVE.search(b), b


def test_a_long_value_is_refused_on_the_page_and_the_table_kept():
    at = PAGE.open({"data": "csv", "steps": 20})
    PAGE.upload(at, "good.csv", GOOD)
    assert any("Training on good.csv" in c.value for c in at.caption)
    name = f"{IMAGE}.csv"
    PAGE.upload(at, name, FILES["long_cell_2mb"]())
    assert not at.exception
    (error,) = at.error
    assert "Line 2 of the file is 2,000,002 bytes long" in error.value
    assert "Still using good.csv" in error.value
    _assert_shown_as_text(at, name)
    assert any("Training on good.csv" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("wide_5000", "The file has 5,000 columns, more than the limit of 200"),
        ("many_rows", "The file has 2,400,000 data rows, more than the limit of 10,000"),
        ("quoted_newlines", "The value in row 2 is longer than 200 characters"),
    ],
)
def test_a_hostile_upload_gets_its_message(name, match):
    at = PAGE.open({"data": "csv"})
    PAGE.upload(at, f"{name}.csv", FILES[name]())
    assert not at.exception
    assert any(match in e.value for e in at.error), [e.value for e in at.error]
    assert any("Upload a CSV file" in i.value for i in at.info)  # nothing was taken


def test_markdown_in_names_labels_and_file_names_is_shown_as_text():
    at = PAGE.open({"data": "csv", "steps": 20})
    name = f"{LINK}.csv"
    PAGE.upload(at, name, FILES["markdown_names"]())
    assert not at.exception and not at.error
    caption = next(c.value for c in at.caption if "Training on" in c.value)
    assert caption.startswith(f"Training on {plain(name)}:")
    _assert_shown_as_text(at, name, f"Mapped the labels of '{HTML}'", "'**bold**' -> 0")
    target = at.selectbox(key="target")
    assert target.options == [LINK, IMAGE, HTML]  # option labels are plain text
    assert target.value == HTML


def test_a_message_that_quotes_a_markdown_value_shows_it_as_text():
    at = PAGE.open({"data": "csv"})
    name = "<i>notes</i>.csv"
    PAGE.upload(at, name, FILES["markdown_values"]())
    assert not at.exception
    (error,) = at.error
    assert "row 6, column 'b'" in error.value
    _assert_shown_as_text(at, name, "'[click](https://example.inva")
