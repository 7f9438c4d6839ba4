"""The CSV panel: a user's own table, read once (``probnn.data`` checks its caps while it
scans), its target and feature columns, and the data set built from them. Everything
from the file is shown as text (``ui.text.plain``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from probnn import data as pdata
from ui import widgets
from ui.text import plain
from ui.training_page.spec import CSV_BYTES, CSV_CAPS, CSV_ROWS, PageSpec, state_key


def load_upload(
    raw: bytes | pd.DataFrame,
    name: str,
    *,
    task: str,
    target: str | None,
    features: list[str] | None,
    seed: int = 0,
) -> dict:
    """Validate an uploaded CSV for ``task``; never raises. ``raw`` is the file's bytes or
    the table :func:`probnn.data.read_csv` made of them (then nothing is read again).

    Returns ``{"ok": True, "dataset", "columns", "target", "features", "notes"}`` or
    ``{"ok": False, "error": message, "columns": [...]}``. The messages and names are
    the file's own text: show them with :func:`ui.text.plain`.
    """
    if isinstance(raw, pd.DataFrame):
        table = raw
    else:
        try:
            table = pdata.read_csv(raw, max_rows=CSV_ROWS, max_bytes=CSV_BYTES)
        except pdata.DataError as err:
            return {"ok": False, "error": str(err), "columns": []}
    columns = [str(c) for c in table.columns]
    if not columns:
        return {"ok": False, "error": "The file has no columns.", "columns": []}
    target = target if target in columns else columns[-1]
    chosen = [f for f in (features or []) if f in columns and f != target]
    try:
        ds = pdata.load_csv(
            table, features=chosen or None, target=target, task=task, seed=seed, name=name
        )
    except pdata.DataError as err:
        return {"ok": False, "error": str(err), "columns": columns, "target": target}
    return {
        "ok": True,
        "dataset": ds,
        "columns": columns,
        "target": target,
        "features": list(ds.feature_names),
        "notes": list(ds.notes),
    }


_KEPT_RESULTS = 4  # data sets a session keeps built from its table (target, features...)


def stored_result(store: dict, *, task: str, target: str, features: list[str], seed: int) -> dict:
    """:func:`load_upload` on the session's table, kept for the next rerun: the table is
    read once per upload, and each choice of columns is built once."""
    results = store.setdefault("results", {})
    key = (task, target, tuple(features), seed)
    if key not in results:
        while len(results) >= _KEPT_RESULTS:
            results.pop(next(iter(results)))
        results[key] = load_upload(
            store["table"], store["name"], task=task, target=target, features=features, seed=seed
        )
    return results[key]


def csv_panel(spec: PageSpec, *, task: str, seed: int) -> dict:
    """Uploader, target and feature choice. A bad file is reported and the last good
    table stays loaded; a table that does not fit the task says why. Whatever comes from
    the file (its name, columns, values, and the messages that quote them) is shown as
    text (:func:`ui.text.plain`); the column choices are plain option labels."""
    store = st.session_state.setdefault(state_key(spec, "csv"), {})
    box = st.container(border=True)
    box.markdown(
        f"**Your data** · a CSV with a header row: {CSV_CAPS}. "
        f"The target column must suit a {task} task. A file is not part of a link."
    )
    upload = box.file_uploader(
        "CSV file", type=["csv", "txt"], key=state_key(spec, "upload"), label_visibility="collapsed"
    )
    if upload is not None and upload.file_id != store.get("seen"):
        store["seen"] = upload.file_id
        _, message = accept_upload(store, upload.getvalue(), upload.name, task=task, seed=seed)
        store["message"] = message
    if store.get("message"):
        box.error(plain(store["message"]))
    if store.get("table") is None:
        box.info("Upload a CSV file to train on your own data.")
        return {}
    columns = store["columns"]
    c1, c2 = box.columns([1, 2])
    target = widgets.select(
        "Target column (y)", columns, "target", default=store.get("target"), where=c1
    )
    features = c2.multiselect(
        "Feature columns (x)",
        [c for c in columns if c != target],
        key=state_key(spec, "features"),
        placeholder="all other columns",
        help="Two features give a map of p(y | x); one gives a fitted curve.",
    )
    result = stored_result(store, task=task, target=target, features=features, seed=seed)
    if not result["ok"]:
        box.warning(plain(f"{store['name']}: {result['error']}"))
        return {}
    ds = result["dataset"]
    box.caption(
        f"Training on {plain(store['name'])}: {ds.n_train:,} training and {ds.n_test:,} "
        f"test rows, {ds.n_features} feature(s). " + plain(" ".join(result["notes"]))
    )
    return {
        "dataset": ds,
        "name": store["name"],
        "token": store["token"],
        "features": result["features"],
        "target": target,
    }


def accept_upload(
    store: dict, raw: bytes, name: str, *, task: str, seed: int = 0
) -> tuple[bool, str | None]:
    """Take a newly uploaded file into ``store`` if some column of it can be the target
    of a ``task`` data set (the last column is tried first, then the others, at most 12).

    The file is read once; the targets are tried on its table. After the first, a target
    is only tried when it can work: every other column (a feature) must hold numbers, and
    so must the target of a regression or count task, and a class target needs a number
    of distinct values that the task allows (or rows with missing values whose dropping
    may change it). So a table with text in two columns costs one try, and the message
    is the first target's.

    A file that cannot be read, or has no usable target, leaves ``store`` as it was (the
    previous table stays in use) and returns (False, message). Returns (True, None)
    when the file was taken; ``store["target"]`` is then the column that worked. The
    message quotes the file (its name, columns, values): show it as text.
    """
    kept = f" Still using {store['name']}." if store.get("table") is not None else ""
    try:
        table = pdata.read_csv(raw, max_rows=CSV_ROWS, max_bytes=CSV_BYTES)
    except pdata.DataError as err:
        return False, f"{name}: {err}{kept}"
    columns = [str(c) for c in table.columns]
    text = {c for c in columns if not pd.api.types.is_numeric_dtype(table[c])}
    classes = task in ("binary", "multiclass")
    complete = classes and not table.isna().to_numpy().any()  # no row will be dropped
    first_error = None
    for target in [columns[-1], *columns[:-1]][:12]:
        hopeless = bool(text - {target}) or (target in text and not classes)
        if classes and not hopeless:  # a class count that no choice of rows can mend
            k = table[target].nunique()
            hopeless = k < 2 or (
                complete and (k != 2 if task == "binary" else k > pdata.MAX_CLASSES)
            )
        if hopeless and first_error is not None:
            continue  # fails with a message like the first one's
        result = load_upload(table, name, task=task, target=target, features=None, seed=seed)
        if result["ok"]:
            store.update(table=table, name=name, columns=columns, target=target,
                         token=store.get("token", 0) + 1,
                         results={(task, target, (), seed): result})  # fmt: skip
            return True, None
        first_error = first_error or result["error"]
    return False, f"{name}: {first_error}{kept}"
