"""Hostile CSV files against the reader: each is refused with a message that says what
to change, before the stage that it would make expensive, or read correctly; and the
memory it takes stays within a bound (tracemalloc's peak, with wide margins).

How long they take is measured by ``benchmarks/hostile_inputs.py``, not here.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from probnn import data
from probnn.data import MAX_CELL, MAX_COLUMNS, DataError, load_csv, read_csv
from tests.hostile import files
from tests.hostile.files import FILES, HTML, IMAGE, LINK

MB = 1_000_000


def _peak(fn) -> tuple[object, float]:
    """(what ``fn()`` returned or raised, peak traced memory in MB)."""
    tracemalloc.start()
    try:
        try:
            out = fn()
        except DataError as err:
            out = err
        return out, tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def _never(*_args, **_kwargs):
    raise AssertionError("reached a stage that this file should never reach")


# (file, message, the first function that must not run, peak MB)
REFUSED = [
    (
        "long_cell_2mb",
        r"Line 2 of the file is 2,000,002 bytes long, so it holds a value longer than "
        rf"{MAX_CELL} characters, the limit for one value .* Shorten or delete it\.",
        "_scan",
        20,
    ),
    (
        "long_cell_152kb",
        rf"The value in row 2 is longer than {MAX_CELL} characters, the limit for one value",
        "_read_column",
        20,
    ),
    (
        "long_cell_100kb",
        rf"The value in row 2, column 1 \('x'\) is longer than {MAX_CELL} characters "
        r"\(100,000 characters\)",
        "_read_column",
        20,
    ),
    (
        "wide_5000",
        rf"The file has 5,000 columns, more than the limit of {MAX_COLUMNS}\. Keep the "
        rf"columns you need \(at most {MAX_COLUMNS}\)",
        "_read_column",
        20,
    ),
    (
        "wide_50000",
        rf"Line 1 of the file holds 50,000 values, more than the limit of {MAX_COLUMNS} columns",
        "_scan",
        20,
    ),
    ("rows_10000x500", r"larger than the 5 MB limit", "_decode", 1),
    ("rows_4000x500", r"The file has 500 columns, more than the limit of 200", "_read_column", 60),
    (
        "one_line_of_commas",
        r"Line 2 of the file holds 4,900,001 values, more than the limit of 200 columns",
        "_scan",
        60,
    ),
    (
        "many_short_values",
        r"Line 2 of the file holds 1,600,001 values, more than the limit of 200 columns",
        "_scan",
        60,
    ),
    (
        "quoted_newlines",
        r"The value in row 2 is longer than 200 characters.*A double quote that opens a value "
        r"and is never closed",
        "_read_column",
        60,
    ),
    (
        "quoted_newline_values",
        r"row 2 has 800,001 fields but the header has 2",
        "_read_column",
        150,
    ),
    ("open_quote", r"The value in row 2 is longer than 200 characters", "_read_column", 60),
    (
        "many_rows",
        r"The file has 2,400,000 data rows, more than the limit of 10,000; upload a sample",
        "_read_column",
        None,  # millions of small allocations: tracemalloc would take seconds
    ),
    ("too_big", r"larger than the 5 MB limit", "_decode", 1),
    (
        "nines",
        r"row 4, column 1 \('a'\) is longer than 200 characters \(400 characters\)",
        "_read_column",
        1,
    ),
]


@pytest.mark.parametrize(
    ("name", "match", "stage", "peak_mb"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_a_hostile_file_is_refused_early_with_a_clear_message(
    monkeypatch, name, match, stage, peak_mb
):
    raw = FILES[name]()
    with monkeypatch.context() as m:
        m.setattr(data, stage, _never)
        with pytest.raises(DataError, match=match):
            read_csv(raw)
    if peak_mb is not None:
        err, peak = _peak(lambda: read_csv(raw))
        assert isinstance(err, DataError)
        assert peak < peak_mb, f"{name}: {peak:.1f} MB traced"


def test_the_caps_are_what_the_messages_say():
    assert (MAX_COLUMNS, MAX_CELL) == (200, 200)
    assert read_csv(files.wide(MAX_COLUMNS, 12)).shape == (12, MAX_COLUMNS)
    with pytest.raises(DataError, match=r"201 columns, more than the limit of 200"):
        read_csv(files.wide(MAX_COLUMNS + 1, 12))
    ok = ("x,y\n" + "a" * MAX_CELL + ",1\n" + "b,2\n" * 11).encode()
    assert read_csv(ok)["x"].iloc[0] == "a" * MAX_CELL
    with pytest.raises(DataError, match=r"longer than 200 characters \(201 characters\)"):
        read_csv(ok.replace(b"a" * MAX_CELL, b"a" * (MAX_CELL + 1)))
    with pytest.raises(DataError, match=r"has 3 columns, more than the limit of 2"):
        read_csv(b"a,b,c\n1,2,3\n", max_columns=2)


def test_the_largest_table_within_the_caps_reads_in_bounded_memory():
    raw = FILES["rows_10000x200"]()  # 4 MB: 2 million numbers
    df, peak = _peak(lambda: read_csv(raw))
    assert df.shape == (10_000, 200) and (df.dtypes == np.int64).all()
    assert peak < 150, f"{peak:.1f} MB traced"


def test_a_table_of_labels_is_read_once_and_refused_per_target_without_a_loop_per_value(
    monkeypatch,
):
    df = read_csv(FILES["text_10000x200"]())
    assert df.shape == (10_000, 200)
    assert all(pd.api.types.is_object_dtype(t) for t in df.dtypes)
    calls = []
    parse = data._float_or_nan
    monkeypatch.setattr(data, "_float_or_nan", lambda t: calls.append(t) or parse(t))
    with pytest.raises(DataError, match=r"Non-numeric values: row 2, column 'c0': 'a'; .*"
                       r"\(and 1989995 more\)"):  # fmt: skip
        load_csv(df, features=None, target="c199", task="binary")
    assert len(calls) <= 2 * 200  # one per distinct value of a column, not one per cell

    df = read_csv(FILES["distinct_text"]())
    calls.clear()
    with pytest.raises(DataError, match=r"Non-numeric values: row 2, column 'c0': 'v0000_000'"):
        load_csv(df, features=None, target="c199", task="binary")
    assert calls == []  # no label looks like a number: numpy sorts them all out


def test_separators_alone_make_no_table():
    df = read_csv(FILES["tiny_cells"]())
    assert df.shape == (0, 200)
    with pytest.raises(DataError, match=r"Only 0 complete rows; at least 10 are needed"):
        load_csv(df, features=None, target="c199", task="binary")


def test_blank_lines_are_skipped_and_counted():
    df = read_csv(FILES["blank_lines"]())
    assert df.shape == (20, 2)
    assert df.index[0] == 4_900_002  # the header is row 1, then 4.9 million blank rows


def test_non_finite_numbers_are_named_and_missing_spellings_dropped():
    raw = FILES["non_finite"]()
    df = read_csv(raw)
    assert df["a"].dtype == np.float64 and np.isinf(df["a"]).sum() == 3
    with pytest.raises(
        DataError,
        match=r"Infinite values: row 5, column 'a'; row 7, column 'a'; row 9, column 'a'\.",
    ):
        load_csv(df, features=None, target="y", task="binary")
    finite = df[np.isfinite(df["a"]) | df["a"].isna()]
    ds = load_csv(finite, features=None, target="y", task="binary")
    assert "Dropped 2 rows with missing values (rows 13, 14)." in ds.notes
    assert ds.n_train + ds.n_test == 30 - 3 - 2


def test_markdown_and_html_are_kept_as_the_text_they_are():
    ds = load_csv(FILES["markdown_names"](), features=None, target=HTML, task="binary")
    assert ds.feature_names == [LINK, IMAGE] and ds.target_name == HTML
    assert ds.class_names == ["**bold**", ":red[red]"]
    with pytest.raises(DataError, match=r"row 6, column 'b': '\[click\]\(https://example\.inva"):
        load_csv(FILES["markdown_values"](), features=None, target="y", task="binary")


def test_running_out_of_memory_is_a_message(monkeypatch):
    def no_memory(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(data, "_scan", no_memory)
    with pytest.raises(DataError, match=r"ran out of memory reading this file; upload a smaller"):
        read_csv(b"a,b\n1,2\n")
    monkeypatch.undo()
    monkeypatch.setattr(data, "_numbers", no_memory)
    with pytest.raises(DataError, match=r"ran out of memory loading this table; use fewer rows"):
        load_csv(FILES["non_finite"](), features=None, target="y", task="binary")


def test_an_unexpected_failure_is_a_message_not_a_traceback(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "_read_column", broken)
    with pytest.raises(DataError, match=r"Could not read the file \(RuntimeError\)\. Check that"):
        read_csv(b"a,b\n1,2\n")
