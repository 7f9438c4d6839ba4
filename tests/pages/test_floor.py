"""The floor H(Y|X) on the training pages: a labelled line on the live loss chart, the gap
test loss - floor in the status line and the results, moved by the noise slider, and
none for a user's CSV."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from probnn import data, live, truth
from tests.pages.training_helpers import TrainingPage, live_frame, results, status
from ui.charts import number
from ui.training_page import floor as floor_module

pytestmark = pytest.mark.usefixtures("one_thread")

PAGES = ("binary", "multiclass", "regression")


def _settings(at, key: str):
    return at.session_state[f"tp.{key}.settings"]


@pytest.mark.parametrize("key", PAGES)
def test_floor_line_and_gap_on_every_page_with_synthetic_data(key):
    page = TrainingPage(key)
    at = page.click(page.open({"steps": 20}), "train")
    assert not at.exception
    settings = _settings(at, key)
    assert settings.source == "synthetic"
    expected = truth.floor(settings.dataset, **dict(settings.data_params)).value
    frame = live_frame(at)
    assert frame["floor"]["value"] == pytest.approx(expected)
    assert frame["floor"]["label"] == f"floor H(Y|X) = {number(expected)} nats"
    test_loss = live.curves(page.live(at).run)["test"]  # the last evaluation
    # the KL estimate: the test loss minus the truth's own loss on the same test points
    ds = page.live(at).run.dataset
    own = float(-truth.log_prob(ds, ds.X_test, ds.y_test).mean())
    assert frame["floor"]["own"] == pytest.approx(own)
    assert frame["floor"]["own_label"] == f"truth on this test set = {number(own)} nats"
    bold, words = floor_module.kl_words(test_loss - own)
    assert frame["floor"]["gap"] == f"KL ≈ {words}"
    line = status(at)
    assert f"floor H(Y|X) **{number(expected)}** nats" in line
    assert f"the truth on these test points **{number(own)}** nats" in line
    assert f"KL(truth ‖ model) ≈ test loss − truth's = {bold}" in line
    if test_loss >= own:
        assert f"**{number(test_loss - own)}** nats" in line
    right = results(at)["right"]
    assert f"KL(truth ‖ model) ≈ test loss − truth's = {bold}" in right
    # said once under the formula, with the sampling caveat folded away
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"**Floor H(Y|X) = {number(expected)} nats**") for c in captions)
    assert sum("the gap is an estimate" in c for c in captions) == 1
    assert sum("A finite test set has a floor of its own" in c for c in captions) == 1


@pytest.mark.parametrize("key", PAGES)
def test_the_noise_slider_moves_the_floor(key):
    page = TrainingPage(key)
    at = page.open()
    low = live_frame(at)["floor"]["value"]
    name = _settings(at, key).dataset
    default = dict(_settings(at, key).data_params)["noise"]
    top = data.GENERATORS[name].spec("noise").high
    higher = round(min(default + top / 4, top), 2)  # within the slider's range
    at = page.open({"noise": higher})
    assert not at.exception
    high = live_frame(at)["floor"]["value"]
    params = dict(_settings(at, key).data_params)
    assert params["noise"] == pytest.approx(higher)
    assert high == pytest.approx(truth.floor(name, **params).value)
    assert high > low  # more noise, a higher floor


def test_no_floor_for_a_csv():
    page = TrainingPage("binary")
    rows = "".join(f"{i % 7},{(i * 3) % 5},{i % 2}\n" for i in range(60))
    at = page.open({"data": "csv", "steps": 20})
    page.upload(at, "points.csv", ("x1,x2,label\n" + rows).encode())
    at = page.click(at, "train")
    assert not at.exception
    assert status(at).startswith("**Step 20 / 20** · finished")
    frame = live_frame(at)
    assert frame["floor"] is None
    assert floor_module.FLOOR_UNKNOWN in status(at)
    assert "H(Y|X)" not in status(at)
    assert any(c.value.startswith("Floor unknown for your own data") for c in at.caption)
    assert not any("the gap is an estimate" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("binary", {"lik": "gaussian_probability"}),  # a density over a 0/1 label
        ("regression", {"data": "counts", "lik": "gaussian"}),  # a density over counts
    ],
)
def test_a_loss_of_another_kind_than_the_truth_gets_the_floor_but_no_kl(key, query):
    page = TrainingPage(key)
    at = page.click(page.open({**query, "steps": 10}), "train")
    assert not at.exception
    line = status(at)
    assert "floor H(Y|X)" in line and "not a KL" in line and "KL(truth" not in line
    assert live_frame(at)["floor"]["gap"].startswith("gap ")
    assert "own" not in live_frame(at)["floor"]  # no line for a paired KL either
    assert "KL(truth" not in results(at)["right"]


CASES = [
    ("binary", name) for name in ("moons", "blobs", "circles", "xor", "spiral")
] + [("multiclass", "multi_blobs"), ("multiclass", "multi_spirals")] + [
    ("regression", name) for name in ("heteroscedastic", "sine", "linear", "outliers", "counts")
]  # fmt: skip


@pytest.mark.parametrize(("key", "name"), CASES)
def test_every_synthetic_data_set_has_its_floor_on_the_page(key, name):
    page = TrainingPage(key)
    at = page.open({"data": name})
    assert not at.exception
    settings = _settings(at, key)
    assert settings.dataset == name
    expected = truth.floor(name, **dict(settings.data_params)).value
    assert live_frame(at)["floor"]["value"] == pytest.approx(expected)
    assert f"floor H(Y|X) **{number(expected)}** nats" in status(at)


def _context(floor: float, own: float, kl: bool = True):
    """A page's context as the floor's texts read it: the floor, the truth's own loss on
    the test points (kept as the context keeps it) and whether the gap is a KL."""
    return SimpleNamespace(
        floor=SimpleNamespace(value=floor, method="closed form."),
        gap_is_kl=kl,
        settings=SimpleNamespace(source="synthetic"),
        _truth_on_test=(0.03, own),
    )


@pytest.mark.parametrize("test_loss", [0.1312, 0.139, 0.1391, 0.2079, 0.5])
def test_the_kl_estimate_is_the_test_loss_minus_the_truths_and_never_a_bare_negative(test_loss):
    ctx = _context(0.2079, 0.139)
    kl = test_loss - 0.139
    assert floor_module.kl_estimate(ctx, test_loss) == pytest.approx(kl)
    line = floor_module.floor_line(ctx, test_loss)
    gap = floor_module.floor_of_frame(ctx, test_loss)["gap"]
    assert not re.search(r"≈ \**[−-]", line) and not re.search(r"≈ [−-]", gap)
    if kl < 0:  # a KL is never below 0: the estimate's sign is the test set's chance
        sampling = f"(within sampling error: {number(kl).replace('-', '−')})"
        assert f"≈ test loss − truth's = **0** nats {sampling}" in line
        assert gap == f"KL ≈ 0 {sampling}"
    else:
        assert f"≈ test loss − truth's = **{number(kl)}** nats" in line
        assert gap == f"KL ≈ {number(kl)} nats"


def test_a_gap_that_is_not_a_kl_keeps_its_sign_and_its_name():
    ctx = _context(0.2079, 0.139, kl=False)
    assert floor_module.kl_estimate(ctx, 0.15) is None
    line = floor_module.floor_line(ctx, 0.15)
    assert "gap test loss − floor **−0.0579** nats (not a KL" in line
    assert "KL(" not in line
    assert floor_module.floor_of_frame(ctx, 0.15)["gap"] == "gap −0.0579 nats"


@pytest.mark.parametrize("key", ["binary", "multiclass"])
def test_the_map_names_classes_as_the_page_s_formula_counts_them(key):
    at = TrainingPage(key).open()
    assert not at.exception
    names = live_frame(at)["right"]["names"]
    n = len(names)
    # a Bernoulli's y is 0 or 1; the categorical formula counts classes c = 1..C
    first = 0 if key == "binary" else 1
    assert names == [f"class {k}" for k in range(first, first + n)]
    assert (n == 2) == (key == "binary")


@pytest.mark.parametrize("key", ["binary", "multiclass"])
def test_a_default_run_shows_the_paired_kl_and_no_bare_negative_one(key):
    page = TrainingPage(key)
    at = page.click(page.open({"pace": "fastest"}), "train")
    assert not at.exception
    assert status(at).startswith("**Step 500 / 500** · finished")
    ds = page.live(at).run.dataset
    own = float(-truth.log_prob(ds, ds.X_test, ds.y_test).mean())
    test_loss = live.curves(page.live(at).run)["test"]
    bold, words = floor_module.kl_words(test_loss - own)
    assert f"KL(truth ‖ model) ≈ test loss − truth's = {bold}" in status(at)
    assert live_frame(at)["floor"]["gap"] == f"KL ≈ {words}"
    for text in (status(at), results(at)["right"], live_frame(at)["floor"]["gap"]):
        assert not re.search(r"(≈|=) \**[−-]", text), text  # a KL is never shown below 0
