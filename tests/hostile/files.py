"""Hostile CSV files: each no larger than an upload may be (5 MB, or just over it to hit
the cap), each built to cost a careless reader far more than its size.

``FILES`` maps a name to a function that returns the file's bytes. The reader's tests,
the page tests and ``benchmarks/hostile_inputs.py`` share them.
"""

from __future__ import annotations

from collections.abc import Callable

LINK = "[click](https://example.invalid)"  # Markdown that would be a link
IMAGE = "![x](https://example.invalid/a.png)"  # Markdown that would fetch an image
HTML = "<b>y</b>"


def _numbers(rows: int, columns: int = 2) -> str:
    return "".join(",".join(str((i + j) % 7) for j in range(columns)) + "\n" for i in range(rows))


def _header(columns: int) -> str:
    return ",".join(f"c{j}" for j in range(columns)) + "\n"


def long_cell(size: int = 2_000_000, rows: int = 1_000) -> bytes:
    """One value of ``size`` characters, then ``rows`` short rows."""
    return ("x,y\n" + "a" * size + ",1\n" + _numbers(rows)).encode()


def long_cell_152kb() -> bytes:
    """The same shape in 152 kB (more than the csv module's own limit for one value)."""
    return long_cell(size=152_000 - len(long_cell(size=0)))


def long_cell_100kb() -> bytes:
    """The same shape with a value of 100,000 characters (under the csv module's limit)."""
    return long_cell(size=100_000)


def wide(columns: int, rows: int = 1) -> bytes:
    """``columns`` columns and ``rows`` rows of ones."""
    return (_header(columns) + ("1," * (columns - 1) + "1\n") * rows).encode()


def tiny_cells() -> bytes:
    """A 200-column header, then rows of nothing but separators: 4 million empty values
    from a 4 MB file."""
    return (_header(200) + ("," * 199 + "\n") * 20_000).encode()


def one_line_of_commas() -> bytes:
    """4.9 MB of separators on one line: 4.9 million empty values in one row."""
    return b"a,b\n" + b"," * 4_900_000 + b"\n"


def many_short_values() -> bytes:
    """A header and one row of 1.6 million two-letter values."""
    return b"a,b\n" + b"ab," * 1_600_000 + b"\n"


def quoted_newlines() -> bytes:
    """One quoted value that holds 2 million line breaks."""
    return b'x,y\n"' + b"\n" * 2_000_000 + b'",1\n' + _numbers(20).encode()


def quoted_newline_values() -> bytes:
    """Values of a letter and a line break, quoted: one row of 800,000 values spread over
    800,000 lines (no line is long)."""
    return b"a,b\n" + b'"a\n",' * 800_000 + b"1\n"


def open_quote() -> bytes:
    """A quote that opens and never closes: the rest of the file is one value."""
    return b'x,y\n"1,2\n' + _numbers(200_000).encode()


def blank_lines() -> bytes:
    """A header, 4.9 million blank lines, then 20 rows."""
    return b"x,y\n" + b"\n" * 4_900_000 + _numbers(20).encode()


def many_rows() -> bytes:
    """2.4 million rows of one small number: far over the row cap, under the byte cap."""
    return b"x\n" + b"1\n" * 2_400_000


def too_big() -> bytes:
    """Just over the 5 MB cap."""
    return b"x,y\n" + b"1,2\n" * 1_250_000


def text_table(rows: int = 10_000, columns: int = 200) -> bytes:
    """The most values the caps let through, every one a label."""
    return (
        _header(columns) + (",".join("ab"[j % 2] for j in range(columns)) + "\n") * rows
    ).encode()


def distinct_text(rows: int = 2_400, columns: int = 200) -> bytes:
    """Nearly half a million different labels (each read as a number would be on its own)."""
    body = "".join(
        ",".join(f"v{i:04d}_{j:03d}" for j in range(columns)) + "\n" for i in range(rows)
    )
    return (_header(columns) + body).encode()


def non_finite() -> bytes:
    """Numbers beyond float's range (inf, -inf, 1e309) and missing-value spellings (nan):
    a table that loads only once the infinite rows are gone."""
    rows = [f"{i % 5},{i % 3},{i % 2}" for i in range(30)]
    rows[3] = "inf,1,1"
    rows[5] = "-inf,1,0"
    rows[7] = "1e309,2,1"
    rows[11] = "nan,1,1"
    rows[12] = "NaN,1,1"
    return ("a,b,y\n" + "\n".join(rows) + "\n").encode()


def nines() -> bytes:
    """A number written with 400 nines (1e400 to float)."""
    rows = [f"{i % 5},{i % 2}" for i in range(30)]
    rows[2] = "9" * 400 + ",1"
    return ("a,y\n" + "\n".join(rows) + "\n").encode()


def markdown_names() -> bytes:
    """Column names, labels and values written in Markdown and HTML."""
    rows = [f"{i % 5},{(i * 3) % 7},{'**bold**' if i % 2 else ':red[red]'}" for i in range(30)]
    return (f"{LINK},{IMAGE},{HTML}\n" + "\n".join(rows) + "\n").encode()


def markdown_values() -> bytes:
    """A feature column whose values are Markdown: the message that quotes them."""
    rows = [f"{i % 5},{LINK if i == 4 else i % 3},{i % 2}" for i in range(30)]
    return ("a,b,y\n" + "\n".join(rows) + "\n").encode()


FILES: dict[str, Callable[[], bytes]] = {
    "long_cell_2mb": long_cell,
    "long_cell_152kb": long_cell_152kb,
    "long_cell_100kb": long_cell_100kb,
    "wide_5000": lambda: wide(5_000),
    "wide_50000": lambda: wide(50_000),
    "rows_10000x500": lambda: wide(500, 10_000),
    "rows_4000x500": lambda: wide(500, 4_000),
    "rows_10000x200": lambda: wide(200, 10_000),
    "text_10000x200": text_table,
    "distinct_text": distinct_text,
    "tiny_cells": tiny_cells,
    "one_line_of_commas": one_line_of_commas,
    "many_short_values": many_short_values,
    "quoted_newlines": quoted_newlines,
    "quoted_newline_values": quoted_newline_values,
    "open_quote": open_quote,
    "blank_lines": blank_lines,
    "many_rows": many_rows,
    "too_big": too_big,
    "non_finite": non_finite,
    "nines": nines,
    "markdown_names": markdown_names,
    "markdown_values": markdown_values,
}
