"""Tests for probnn.data: seeded generators and CSV validation."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probnn import data
from probnn.data import GENERATORS, TASKS, DataError, Dataset, load_csv, make, read_csv

CSV = Path(__file__).parent / "csv"
CLASSIFICATION = [k for k, g in GENERATORS.items() if g.task in ("binary", "multiclass")]


def _all(ds: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cat([ds.X_train, ds.X_test]), torch.cat([ds.y_train, ds.y_test])


def _extreme_settings():
    """(name, params) for every generator at defaults and each knob at its low and high."""
    out = []
    for key, g in GENERATORS.items():
        out.append((key, {}))
        for p in g.params:
            out.append((key, {p.name: p.cast(p.low)}))
            out.append((key, {p.name: p.cast(p.high)}))
    return out


def _ids(cases):
    return [f"{k}-{'-'.join(f'{a}={b}' for a, b in kw.items()) or 'defaults'}" for k, kw in cases]


EXTREMES = _extreme_settings()


# --------------------------------------------------------------------------- registry


def test_registry_covers_every_task_and_required_sets():
    by_task = {t: data.generators_for(t) for t in TASKS}
    assert sorted(sum(by_task.values(), [])) == sorted(GENERATORS)
    assert {"blobs", "moons", "circles", "xor", "spiral"} <= set(by_task["binary"])
    assert {"multi_blobs", "multi_spirals"} <= set(by_task["multiclass"])
    assert {"linear", "sine", "heteroscedastic", "outliers"} <= set(by_task["regression"])
    assert by_task["count"] == ["counts"]
    for key, g in GENERATORS.items():
        assert g.key == key and g.title and g.description
        names = [p.name for p in g.params]
        assert names[:2] == ["n", "noise"]
        assert all(p.help for p in g.params)
        n = g.spec("n")
        assert (n.low, n.high, n.default, n.integer) == (20, 2000, 400, True)
        assert 0.0 <= g.spec("noise").low < g.spec("noise").high <= 1.2
        if g.raw is not None:  # a 2-D set: the number is a standard deviation, in stated units
            assert g.spec("noise").help.startswith(
                "Standard deviation of the Gaussian noise added to each coordinate of a point ("
            )
        if g.task == "multiclass":
            c = g.spec("n_classes")
            assert (c.low, c.high, c.integer) == (3, 8, True)
    assert GENERATORS["outliers"].spec("outlier_fraction").high <= 0.5


def test_generators_for_unknown_task_lists_tasks():
    with pytest.raises(ValueError, match="valid tasks: binary, multiclass, regression, count"):
        data.generators_for("ranking")


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_gives_identical_tensors(name):
    a, b = make(name, seed=7), make(name, seed=7)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        assert torch.equal(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("name", list(GENERATORS))
def test_different_seed_gives_different_data(name):
    a, b = make(name, seed=1), make(name, seed=2)
    assert not torch.equal(a.X_train, b.X_train)


def test_global_rng_state_is_untouched():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    for name in GENERATORS:
        make(name, seed=3, n=50)
    load_csv(CSV / "good.csv", features=None, target="label", task="binary", seed=3)
    assert torch.equal(before, torch.get_rng_state())
    # and the global stream continues exactly where it was
    expected = torch.rand(3, generator=torch.Generator().manual_seed(123))
    assert torch.equal(torch.rand(3), expected)


def test_changing_test_fraction_keeps_the_points():
    a = make("moons", seed=4, test_fraction=0.25)
    b = make("moons", seed=4, test_fraction=0.5)
    xa, _ = _all(a)
    xb, _ = _all(b)
    key = lambda X: sorted(map(tuple, X.tolist()))  # noqa: E731
    assert key(xa) == key(xb)


# --------------------------------------------------------------------------- shapes and tasks


@pytest.mark.parametrize(("name", "params"), EXTREMES, ids=_ids(EXTREMES))
def test_shapes_dtypes_and_labels(name, params):
    g = GENERATORS[name]
    ds = make(name, seed=0, **params)
    values = g.defaults() | params
    n = values["n"]
    d = 2 if g.task in ("binary", "multiclass") else 1
    assert ds.task == g.task and ds.name == name and ds.source == "synthetic"
    assert ds.X_train.dtype == ds.X_test.dtype == torch.float32
    assert ds.X_train.shape[1] == ds.X_test.shape[1] == d
    assert ds.n_train + ds.n_test == n
    assert ds.y_train.shape == (ds.n_train,) and ds.y_test.shape == (ds.n_test,)
    assert abs(ds.n_test - 0.25 * n) <= (ds.n_classes or 1)
    assert len(ds.feature_names) == d and ds.target_name == "y"
    assert ds.params == values
    X, y = _all(ds)
    assert torch.isfinite(X).all() and torch.isfinite(y.double()).all()
    if g.task in ("binary", "multiclass"):
        c = values.get("n_classes", 2)
        assert ds.n_classes == c and len(ds.class_names) == c
        assert ds.y_train.dtype == ds.y_test.dtype == torch.int64
        assert int(y.min()) == 0 and int(y.max()) == c - 1
        assert ds.truth is None
    else:
        assert ds.n_classes is None
        assert ds.y_train.dtype == ds.y_test.dtype == torch.float32
        assert list(ds.truth.columns) == ["x", "mean", "sd"]
        assert (ds.truth["sd"] >= 0).all()
    if g.task == "count":
        assert (y >= 0).all() and torch.equal(y, y.round())


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classes_are_balanced_and_split_stratified(name):
    ds = make(name, seed=5, n=403)
    _, y = _all(ds)
    counts = torch.bincount(y, minlength=ds.n_classes)
    assert int(counts.max() - counts.min()) <= 1  # n split as evenly as possible
    test_counts = torch.bincount(ds.y_test, minlength=ds.n_classes)
    assert torch.all((test_counts.double() - 0.25 * counts).abs() <= 1)


def test_stratified_split_keeps_a_training_row_per_class_when_tiny():
    ds = make("multi_blobs", seed=0, n=20, n_classes=8, test_fraction=0.9)
    assert set(ds.y_train.tolist()) == set(range(8))


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_two_d_inputs_have_unit_scale(name):
    X, _ = _all(make(name, seed=0))
    assert X.abs().max() < 3.5
    assert torch.allclose(X.mean(0), torch.zeros(2), atol=1e-4)
    assert (X.var(0).mean() - 1).abs() < 1e-3  # one common scale for both axes


TWO_D = [k for k, g in GENERATORS.items() if g.raw is not None]


def _raw_draw(name: str, noise: float, m: int = 4000, seed: int = 8):
    """m points of a 2-D generator before the common rescale, other knobs at default."""
    g = GENERATORS[name]
    other = {k: v for k, v in g.defaults().items() if k not in ("n", "noise")}
    X, y = g.raw(m, torch.Generator().manual_seed(seed), noise=noise, **other)
    return X.numpy(), y.numpy()


@pytest.mark.parametrize("fraction", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("name", TWO_D)
def test_noise_is_the_standard_deviation_added_to_each_coordinate(name, fraction):
    # the same seed draws the same pattern at every noise level, then adds noise * N(0, I):
    # the difference from the noiseless draw is that Gaussian, coordinate by coordinate
    noise = fraction * GENERATORS[name].spec("noise").high
    clean, y0 = _raw_draw(name, 0.0)
    noisy, y = _raw_draw(name, noise)
    np.testing.assert_array_equal(y, y0)
    dev = noisy - clean  # (4000, 2)
    se = noise / math.sqrt(2 * len(dev))  # standard error of a sample standard deviation
    for j in range(2):
        assert abs(dev[:, j].std() - noise) < 4 * se
        assert abs(dev[:, j].mean()) < 4 * noise / math.sqrt(len(dev))
    assert abs(np.corrcoef(dev.T)[0, 1]) < 4 / math.sqrt(len(dev))


@pytest.mark.parametrize("name", ["blobs", "multi_blobs"])
def test_a_blobs_spread_around_its_centre_is_the_noise(name):
    clean, _ = _raw_draw(name, 0.0)
    noise = 0.4
    X, y = _raw_draw(name, noise)
    for k in np.unique(y):
        centre = np.unique(clean[y == k], axis=0)
        assert len(centre) == 1  # at noise 0 every point of a class is on its centre
        dev = X[y == k] - centre  # (m, 2)
        se = noise / math.sqrt(2 * len(dev))
        assert np.abs(dev.std(axis=0) - noise).max() < 4 * se


def test_a_circles_radial_scatter_is_the_noise():
    # for noise small against the radius, |x| - r is close to one coordinate of the noise
    noise = 0.02
    X, y = _raw_draw("circles", noise, m=20_000)
    radius = np.where(y == 0, 1.0, 0.5)
    scatter = np.hypot(X[:, 0], X[:, 1]) - radius
    assert scatter.std() == pytest.approx(noise, rel=0.03)


@pytest.mark.parametrize("name", ["linear", "sine", "heteroscedastic", "outliers", "counts"])
def test_one_d_inputs_are_uniform_with_unit_spread(name):
    X, _ = _all(make(name, seed=0, n=2000))
    assert X.abs().max() <= math.sqrt(3) + 1e-6
    assert abs(float(X.std()) - 1) < 0.05


@pytest.mark.parametrize("name", ["linear", "sine", "heteroscedastic"])
def test_regression_noise_matches_the_stated_truth(name):
    ds = make(name, seed=1, n=2000, noise=0.5)
    X, y = _all(ds)
    t = ds.truth
    mean = np.interp(X[:, 0].numpy(), t["x"], t["mean"])
    sd = np.interp(X[:, 0].numpy(), t["x"], t["sd"])
    z = (y.numpy() - mean) / sd  # standardised residuals ~ N(0, 1)
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1


def test_noise_zero_puts_points_on_the_curve():
    ds = make("sine", seed=0, noise=0.0)
    X, y = _all(ds)
    assert torch.allclose(y, torch.sin(2 * X[:, 0]), atol=1e-5)


def test_heteroscedastic_spread_grows_with_x():
    ds = make("heteroscedastic", seed=0, n=2000)
    X, y = _all(ds)
    resid = y - 0.5 * X[:, 0] - 0.5 * torch.sin(2 * X[:, 0])
    left, right = resid[X[:, 0] < -0.8], resid[X[:, 0] > 0.8]
    assert right.std() > 3 * left.std()


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.3])
def test_outliers_count_matches_fraction(fraction):
    ds = make("outliers", seed=2, n=400, outlier_fraction=fraction)
    X, y = _all(ds)
    resid = y - (0.8 * X[:, 0] + 0.3)
    assert int((resid < -1.5).sum()) == round(fraction * 400)
    assert resid.min() >= -6.0 - 1.5


@pytest.mark.parametrize("noise", [0.0, 0.8])
def test_counts_follow_the_stated_mean_and_spread(noise):
    ds = make("counts", seed=3, n=2000, noise=noise)
    X, y = _all(ds)
    t = ds.truth
    mean = np.interp(X[:, 0].numpy(), t["x"], t["mean"])
    sd = np.interp(X[:, 0].numpy(), t["x"], t["sd"])
    z = (y.numpy() - mean) / sd
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.15


def test_test_fraction_zero_gives_empty_test_set():
    ds = make("xor", test_fraction=0.0)
    assert ds.X_test.shape == (0, 2) and ds.y_test.shape == (0,)
    assert ds.n_train == 400


# --------------------------------------------------------------------------- make errors


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown data set 'mooons'; valid names: blobs, moons"):
        make("mooons")


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n": 5}, r"n=5 is outside \[20, 2000\]; use a value from 20 to 2000"),
        ({"n": 100.5}, r"n=100.5 must be a whole number"),
        ({"noise": "lots"}, r"noise='lots' is not a number; use a value from 0 to 1.1"),
        ({"noise": float("nan")}, r"noise=nan is not finite"),
        ({"n_classes": 2}, r"blobs has no parameter n_classes; its parameters are n, noise"),
        ({"n": True}, r"n='True' is not a number"),
        ({"seed": -1}, r"seed=-1 is outside \[0, 2147483647\]; use a value from 0 to 2147483647"),
        ({"seed": "abc"}, r"seed='abc' is not a number"),
        ({"seed": 1.5}, r"seed=1.5 must be a whole number"),
        ({"test_fraction": 0.95}, r"test_fraction=0.95 is outside \[0, 0.9\]; use a value from 0"),
    ],
)
def test_invalid_parameters_raise_data_error(params, match):
    with pytest.raises(DataError, match=match):
        make("blobs", **params)


def test_n_classes_out_of_range():
    with pytest.raises(DataError, match=r"n_classes=9 is outside \[3, 8\]"):
        make("multi_spirals", n_classes=9)


def test_parameters_accept_strings_from_urls():
    ds = make("multi_blobs", n="100", n_classes="5", noise="0.4")
    assert ds.params == {"n": 100, "noise": 0.4, "n_classes": 5} and ds.n_classes == 5


# --------------------------------------------------------------------------- Dataset helpers


def test_frame_has_features_target_and_split():
    ds = make("moons", seed=0, n=100)
    train, test, both = ds.frame(), ds.frame("test"), ds.frame("all")
    assert list(train.columns) == ["x1", "x2", "y", "split"]
    assert len(train) == ds.n_train and len(test) == ds.n_test and len(both) == 100
    assert set(train["split"]) == {"train"} and set(test["split"]) == {"test"}
    assert train["y"].tolist() == ds.y_train.tolist()
    np.testing.assert_allclose(test[["x1", "x2"]].to_numpy(), ds.X_test.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="use 'train', 'test' or 'all'"):
        ds.frame("validation")


def test_bounds_cover_the_data_with_margin():
    ds = make("moons", seed=0)
    X, _ = _all(ds)
    (x_lo, x_hi), (y_lo, y_hi) = ds.bounds(margin=0.1)
    width = float(X[:, 0].max() - X[:, 0].min())
    assert x_lo == pytest.approx(float(X[:, 0].min()) - 0.1 * width, rel=1e-6)
    assert x_hi == pytest.approx(float(X[:, 0].max()) + 0.1 * width, rel=1e-6)
    assert y_lo < float(X[:, 1].min()) and y_hi > float(X[:, 1].max())
    reg = make("sine", seed=0)
    (_, _), (t_lo, t_hi) = reg.bounds(margin=0.0)  # 1-D: the x axis, then the target
    _, y = _all(reg)
    assert (t_lo, t_hi) == (pytest.approx(float(y.min())), pytest.approx(float(y.max())))


def test_dataset_defaults_fill_names():
    X = torch.zeros(4, 3)
    ds = Dataset("t", "regression", X, torch.zeros(4), X[:0], torch.zeros(0))
    assert ds.feature_names == ["x1", "x2", "x3"] and ds.notes == [] and ds.target_name == "y"
    assert ds.bounds()[0] == (-0.5, 0.5)  # zero-width range widened


# --------------------------------------------------------------------------- CSV: good files


def test_good_csv_loads_with_shapes_notes_and_scaling():
    ds = load_csv(CSV / "good.csv", features=["x1", "x2"], target="label", task="binary")
    assert ds.source == "csv" and ds.name == "good.csv" and ds.task == "binary"
    assert ds.n_train + ds.n_test == 22 and ds.n_test == 6
    assert ds.X_train.shape == (16, 2) and ds.X_train.dtype == torch.float32
    assert ds.y_train.dtype == torch.int64 and set(ds.y_train.tolist()) == {0, 1}
    assert ds.n_classes == 2 and ds.class_names == ["no", "yes"]
    assert ds.feature_names == ["x1", "x2"] and ds.target_name == "label"
    assert "Dropped 2 rows with missing values (rows 7, 13)." in ds.notes
    assert any("'no' -> 0, 'yes' -> 1" in n for n in ds.notes)
    assert any(n.startswith("Standardised the features") for n in ds.notes)
    # standardised with the training rows' statistics, stored for the way back
    assert torch.allclose(ds.X_train.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(ds.X_train.std(0, correction=0), torch.ones(2), atol=1e-5)
    raw = pd.read_csv(CSV / "good.csv").dropna()
    X_raw = ds.feature_scaling.inverse(torch.cat([ds.X_train, ds.X_test]))
    assert sorted(map(tuple, X_raw.double().numpy().round(4).tolist())) == sorted(
        map(tuple, raw[["x1", "x2"]].to_numpy().round(4).tolist())
    )
    back = ds.feature_scaling.transform(X_raw)
    assert torch.allclose(back, torch.cat([ds.X_train, ds.X_test]), atol=1e-5)


def test_labels_follow_the_rows():
    ds = load_csv(CSV / "good.csv", features=None, target="label", task="binary", test_fraction=0)
    raw = pd.read_csv(CSV / "good.csv").dropna()
    X_raw = ds.feature_scaling.inverse(ds.X_train).numpy()
    lookup = {(round(a, 4), round(b, 4)): lab for a, b, lab in raw.itertuples(index=False)}
    for (a, b), label in zip(X_raw.tolist(), ds.y_train.tolist(), strict=True):
        assert ds.class_names[label] == lookup[(round(a, 4), round(b, 4))]


def _as_text_io(p):
    return io.StringIO(p.read_text())


def _read_to_end(p):
    fh = io.BytesIO(p.read_bytes())
    fh.read()  # an upload that was already read once: load_csv rewinds it
    return fh


@pytest.mark.parametrize(
    "to_source",
    [
        str,
        lambda p: p,
        lambda p: p.read_bytes(),
        lambda p: io.BytesIO(p.read_bytes()),
        _as_text_io,
        _read_to_end,
        lambda p: read_csv(p),
    ],
    ids=["str", "path", "bytes", "bytesio", "stringio", "rewound", "dataframe"],
)
def test_every_source_kind_gives_the_same_dataset(to_source):
    ref = load_csv(CSV / "good.csv", features=None, target="label", task="binary")
    ds = load_csv(to_source(CSV / "good.csv"), features=None, target="label", task="binary")
    assert torch.equal(ds.X_train, ref.X_train) and torch.equal(ds.y_test, ref.y_test)
    assert ds.notes == ref.notes


def test_an_upload_object_gives_its_name():
    class Upload(io.BytesIO):  # the shape of Streamlit's UploadedFile
        name = "marks.csv"

    ds = load_csv(
        Upload((CSV / "good.csv").read_bytes()), features=None, target="label", task="binary"
    )
    assert ds.name == "marks.csv"


def test_read_csv_numbers_rows_like_a_spreadsheet():
    df = read_csv(CSV / "good.csv")
    assert list(df.columns) == ["x1", "x2", "label"]
    assert df.index.name == "row" and df.index[0] == 2 and df.index[-1] == 25
    assert pd.api.types.is_float_dtype(df["x1"]) and df["label"].dtype == object
    assert math.isnan(df.loc[7, "x1"]) and math.isnan(df.loc[13, "x2"])


def test_binary_zero_one_labels_are_used_directly():
    text = "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12))
    ds = load_csv(text.encode(), features=["a"], target="y", task="binary")
    assert not any("Mapped" in n for n in ds.notes) and ds.class_names == ["0", "1"]
    assert ds.feature_names == ["a"] and ds.X_train.shape[1] == 1


def test_binary_other_numbers_are_mapped_with_a_note():
    text = "a,y\n" + "".join(f"{i},{1 + i % 2}\n" for i in range(12))
    ds = load_csv(text.encode(), features=None, target="y", task="binary")
    assert "Mapped the labels of 'y' to classes: '1' -> 0, '2' -> 1." in ds.notes


def test_multiclass_names_are_mapped_in_sorted_order():
    ds = load_csv(CSV / "good_multiclass.csv", features=None, target="species", task="multiclass")
    assert ds.n_classes == 3 and ds.class_names == ["setosa", "versicolor", "virginica"]
    assert any("'setosa' -> 0, 'versicolor' -> 1, 'virginica' -> 2" in n for n in ds.notes)
    assert ds.y_train.dtype == torch.int64 and int(ds.y_train.max()) == 2


def test_regression_and_count_targets_keep_their_values():
    reg = load_csv(CSV / "good_regression.csv", features=None, target="sales", task="regression")
    assert reg.y_train.dtype == torch.float32 and reg.n_classes is None
    assert sorted(torch.cat([reg.y_train, reg.y_test]).tolist()) == [
        3 * i + 0.25 for i in range(15)
    ]
    cnt = load_csv(CSV / "good_counts.csv", features=["x"], target="visits", task="count")
    y = torch.cat([cnt.y_train, cnt.y_test])
    assert cnt.y_train.dtype == torch.float32 and (y >= 0).all() and torch.equal(y, y.round())


def test_semicolon_separator_is_detected_with_a_note():
    ds = load_csv(CSV / "semicolon.csv", features=None, target="y", task="binary")
    assert ds.feature_names == ["x1", "x2"]
    assert "Columns are separated by semicolons; read them that way." in ds.notes


def test_decimal_commas_in_a_semicolon_file_are_read_as_points():
    text = "a;b;y\n" + "".join(f"{i},5;{i};{i % 2}\n" for i in range(12))
    df = read_csv(text.encode())
    assert df["a"].tolist() == [i + 0.5 for i in range(12)]
    assert "Read decimal commas as points in a." in df.attrs["notes"]


def test_trailing_commas_leave_no_empty_column():
    text = "a,b,y,\n" + "".join(f"{i},{i * i},{i % 2},\n" for i in range(12))
    df = read_csv(text.encode())
    assert list(df.columns) == ["a", "b", "y"]
    assert "Ignored 1 empty column without a name." in df.attrs["notes"]


def test_tab_separator_is_detected():
    text = "a\tb\ty\n" + "".join(f"{i}\t{i * i}\t{i % 2}\n" for i in range(12))
    ds = load_csv(text.encode(), features=None, target="y", task="binary")
    assert ds.feature_names == ["a", "b"] and "tabs" in ds.notes[0]


def test_missing_markers_and_blank_lines():
    text = (
        "a,b,y\n\n"
        + "".join(
            f"{i},{['NA', '', ' nan ', 'null'][i] if i < 4 else i},{i % 2}\n" for i in range(14)
        )
        + "\n\n"
    )
    df = read_csv(text.encode())
    assert df.index[0] == 3  # the blank line 2 is skipped but still counted
    assert int(df["b"].isna().sum()) == 4
    ds = load_csv(df, features=None, target="y", task="binary")
    assert "Dropped 4 rows with missing values (rows 3, 4, 5, 6)." in ds.notes
    assert ds.n_train + ds.n_test == 10


def test_a_plain_dataframe_is_accepted():
    df = pd.DataFrame({"a": np.arange(12.0), "b": ["1.5"] * 11 + ["NA"], "y": ["u", "v"] * 6})
    ds = load_csv(df, features=None, target="y", task="binary", name="mine")
    assert ds.name == "mine" and ds.n_train + ds.n_test == 11
    assert "Dropped 1 row with missing values (row 13)." in ds.notes
    assert any("same value in every training row" in n for n in ds.notes)  # b is constant


def test_split_specs_match_make_validation():
    assert (data.SEED.low, data.SEED.default, data.SEED.integer) == (0, 0, True)
    assert (data.TEST_FRACTION.low, data.TEST_FRACTION.high) == (0.0, 0.9)
    assert data.TEST_FRACTION.default == 0.25
    make("blobs", seed=data.SEED.high, test_fraction=data.TEST_FRACTION.high)


def test_latin1_file_is_read_with_a_note():
    text = "température,y\n" + "".join(f"{i},{i % 2}\n" for i in range(12))
    ds = load_csv(text.encode("cp1252"), features=None, target="y", task="binary")
    assert ds.feature_names == ["température"]
    assert any("not UTF-8" in n for n in ds.notes)


def test_csv_seed_controls_the_split():
    a = load_csv(CSV / "good.csv", features=None, target="label", task="binary", seed=1)
    b = load_csv(CSV / "good.csv", features=None, target="label", task="binary", seed=1)
    c = load_csv(CSV / "good.csv", features=None, target="label", task="binary", seed=2)
    assert torch.equal(a.X_test, b.X_test) and not torch.equal(a.X_test, c.X_test)


# --------------------------------------------------------------------------- CSV: bad files

MALFORMED = [
    ("empty.csv", {}, r"The file is empty: upload a CSV with a header row"),
    ("whitespace_only.csv", {}, r"The file is empty"),
    ("no_header.csv", {}, r"The first row \(0, 0, 0\) holds numbers, not column names"),
    ("duplicate_columns.csv", {}, r"Duplicate column names: 'x'\. Rename the columns"),
    ("unnamed_column.csv", {}, r"Column 2 has no name in the header row"),
    ("ragged_row.csv", {}, r"row 4 has 4 fields but the header has 3"),
    ("non_numeric.csv", {}, r"Non-numeric values: row 5, column 'x2': 'abc'\."),
    (
        "text_target.csv",
        {"target": "price", "task": "regression"},
        r"Non-numeric values: row 11, column 'price': 'n/k'\. Features and the target must be",
    ),
    ("too_few_rows.csv", {}, r"Only 6 complete rows; at least 10 are needed\. Add rows\."),
    (
        "mostly_missing.csv",
        {},
        r"Only 8 complete rows after dropping 4 with missing values; at least 10 are needed",
    ),
    (
        "three_labels.csv",
        {"target": "colour"},
        r"'colour' has 3 distinct values \(blue, green, red\); binary classification needs "
        r"exactly two\. Choose the multiclass task",
    ),
    ("one_class.csv", {}, r"The target 'y' has only one value \(1\)"),
    ("singleton_class.csv", {}, r"Class 'b' has fewer than 2 rows; every class needs at least 2"),
    (
        "many_classes.csv",
        {"target": "grade", "task": "multiclass"},
        r"'grade' has 15 distinct values .*multiclass supports 2 to 10 classes\. For a numeric "
        r"quantity choose regression",
    ),
    (
        "negative_counts.csv",
        {"target": "count", "task": "count"},
        r"Counts must be 0 or more, but 'count' is negative in row 6\.",
    ),
    (
        "fractional_counts.csv",
        {"target": "count", "task": "count"},
        r"Counts must be whole numbers, but 'count' has fractions in row 8\. For a continuous "
        r"target choose regression",
    ),
    (
        "infinite.csv",
        {"target": "y", "task": "regression"},
        r"Infinite values: row 4, column 'x2'\. Replace them with finite numbers",
    ),
    ("workbook.csv", {}, r"looks like an Excel workbook, not a CSV"),
    ("binary.csv", {}, r"Could not parse the file as CSV: it contains binary data"),
]


@pytest.mark.parametrize(("filename", "kwargs", "match"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_csv_gives_a_specific_message(filename, kwargs, match):
    args = {"features": None, "target": "y", "task": "binary"} | kwargs
    with pytest.raises(DataError, match=match):
        load_csv(CSV / filename, **args)


def test_byte_cap_is_stated():
    with pytest.raises(DataError, match=r"larger than the 100 bytes limit"):
        read_csv(CSV / "good.csv", max_bytes=100)
    with pytest.raises(DataError, match=r"larger than the 5 MB limit"):
        read_csv(b"a,b\n" + b"1,2\n" * 1_300_000)


def test_row_cap_states_the_cap_and_the_row_count():
    with pytest.raises(DataError, match=r"The file has 24 data rows, more than the limit of 5"):
        load_csv(CSV / "good.csv", features=None, target="label", task="binary", max_rows=5)
    with pytest.raises(DataError, match=r"has 12,000 data rows, more than the limit of 10,000"):
        read_csv(b"a,b\n" + b"1,2\n" * 12_000)


def test_missing_target_lists_the_columns():
    with pytest.raises(
        DataError,
        match=r"Target column 'Label' not found\. Did you mean 'label'\? "
        r"Columns in the file: x1, x2, label\.",
    ):
        load_csv(CSV / "good.csv", features=None, target="Label", task="binary")


def test_missing_feature_lists_the_columns():
    with pytest.raises(
        DataError,
        match=r"Feature column 'x3' not found\. Columns in the file: "
        r"x1, x2, label",
    ):
        load_csv(CSV / "good.csv", features=["x1", "x3"], target="label", task="binary")


def test_target_used_as_feature_is_refused():
    with pytest.raises(DataError, match=r"'label' is also listed as a feature; remove it"):
        load_csv(CSV / "good.csv", features=["x1", "label"], target="label", task="binary")


def test_no_features_is_refused():
    with pytest.raises(DataError, match=r"No feature columns"):
        load_csv(CSV / "good.csv", features=[], target="label", task="binary")


def test_unknown_task_is_refused():
    with pytest.raises(DataError, match=r"Unknown task 'ranking'; choose one of binary"):
        load_csv(CSV / "good.csv", features=None, target="label", task="ranking")


def test_non_numeric_report_shows_the_first_few_and_counts_the_rest():
    text = "a,b,y\n" + "".join(f"x{i},?,{i % 2}\n" for i in range(12))
    with pytest.raises(
        DataError,
        match=r"row 2, column 'a': 'x0'; row 2, column 'b': '\?'; "
        r"row 3, column 'a': 'x1'.* \(and 19 more\)",
    ):
        load_csv(text.encode(), features=None, target="y", task="binary")


def test_unsupported_source_type():
    with pytest.raises(DataError, match=r"Cannot read a CSV from a int"):
        read_csv(42)
    with pytest.raises(DataError, match=r"No file found at"):
        read_csv("/no/such/file.csv")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(alphabet=',;\n\t 0123456789.-abyNA"e', max_size=300))
def test_any_input_gives_a_dataset_or_a_data_error(blob):
    raw = blob if isinstance(blob, bytes) else blob.encode()
    try:
        ds = load_csv(raw, features=None, target="y", task="binary")
    except DataError as err:
        assert str(err)
    else:
        assert ds.n_train + ds.n_test >= data.MIN_ROWS


def test_blank_lines_before_the_header_and_rows_of_separators_are_skipped():
    text = "\n\n,,\na,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)) + ",,,,\n"
    df = read_csv(text.encode())
    assert list(df.columns) == ["a", "b", "y"]
    assert df.index[0] == 5 and len(df) == 12  # rows 1-3 are blank, the header is row 4


def test_a_value_may_span_lines_inside_quotes():
    text = "a,note,y\n" + "".join(f'{i},"line {i}\nand more",{i % 2}\n' for i in range(12))
    df = read_csv(text.encode())
    assert df["note"].iloc[0] == "line 0\nand more"
    assert list(df.index[:2]) == [2, 3]  # rows are records, not lines


@pytest.mark.parametrize("name", [n for n, g in GENERATORS.items() if "noise" in g.defaults()])
def test_noise_is_zero_or_at_least_a_thousandth(name):
    for fine in (0.0, data.NOISE_LEAST):
        ds = make(name, noise=fine, n=40)
        assert len(ds.X_train) + len(ds.X_test) == 40
    for tiny in (1e-7, 1e-300):
        with pytest.raises(DataError, match="too small: use 0 or at least 0.001"):
            make(name, noise=tiny, n=40)
