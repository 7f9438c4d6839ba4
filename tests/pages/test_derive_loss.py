"""AppTest for the "Derive a loss" page: every likelihood renders, the proof holds, links restore."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from probnn import likelihoods, scoring
from ui.text import num, shown

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "lessons/derive_loss.py")
NAMES = likelihoods.names()


def _open(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def _proof(at: AppTest) -> dict[str, float]:
    """The displayed proof table as {quantity: value}."""
    frame = at.table[0].value
    return dict(zip(frame["quantity"], frame["value"], strict=True))


def _expected(name: str, n: int = 16, seed: int = 0, classes: int = 3, **params):
    lik = likelihoods.get(name, **params)
    return scoring.prove(lik, *scoring.random_batch(lik, n, seed=seed, n_classes=classes))


def _captions(at: AppTest) -> str:
    """The captions as shown (a link's value in a message is escaped Markdown)."""
    return shown(" ".join(c.value for c in at.caption))


@pytest.mark.parametrize("name", NAMES)
def test_every_likelihood_renders_and_its_proof_holds_for_several_seeds(name):
    at = _open({"likelihood": name})
    assert at.selectbox(key="likelihood").value == name
    assert at.title[0].value == "Derive a loss"
    lik = likelihoods.get(name)
    # The derivation: each step's sentence, and its formula with st.latex, in order.
    sentences = [m.value for m in at.markdown if m.value.startswith("**Step ")]
    formulas = [x.value for x in at.latex]
    at_formula = -1
    for i, step in enumerate(lik.derivation):
        assert sentences[i].startswith(f"**Step {i + 1}: ") and step.text in sentences[i]
        where = formulas.index(f"$$\n{step.latex}\n$$", at_formula + 1)
        assert where > at_formula
        at_formula = where
    assert len(sentences) == len(lik.derivation)
    assert f"$$\n{lik.relation.latex}\n$$" in [x.value for x in at.latex]
    for seed in (0, 3, 99):
        at.number_input(key="seed").set_value(seed).run()
        assert not at.exception
        shown = _proof(at)
        assert abs(shown["difference (nats)"]) < 1e-8
        expected = _expected(name, seed=seed)
        assert shown["probnn NLL (mean, nats)"] == pytest.approx(expected.nll, abs=1e-12)
        assert shown["factor × reference + constant"] == pytest.approx(expected.recovered)


def test_student_t_says_there_is_no_builtin():
    at = _open({"likelihood": "student_t"})
    assert "no built-in Student-t loss" in " ".join(i.value for i in at.info)
    assert "no PyTorch built-in" in " ".join(_proof(at))


def test_sigma_slider_changes_the_relation_and_the_numbers():
    at = _open({"likelihood": "gaussian"})
    at.slider(key="sigma").set_value(2.0).run()
    shown = _proof(at)
    expected = _expected("gaussian", sigma=2.0)
    assert shown["factor"] == pytest.approx(1 / 8)
    assert shown["probnn NLL (mean, nats)"] == pytest.approx(expected.nll, abs=1e-12)
    assert shown["constant (nats)"] == pytest.approx(expected.constant)
    assert abs(shown["difference (nats)"]) < 1e-8


def test_batch_size_and_classes_sliders_change_the_batch():
    at = _open({"likelihood": "categorical"})
    at.slider(key="n").set_value(40).run()
    at.slider(key="classes").set_value(6).run()
    shown = _proof(at)
    expected = _expected("categorical", n=40, classes=6)
    assert shown["probnn NLL (mean, nats)"] == pytest.approx(expected.nll, abs=1e-12)
    assert abs(shown["difference (nats)"]) < 1e-8


def test_smoothing_slider_changes_the_loss():
    at = _open({"likelihood": "categorical"})
    before = _proof(at)["probnn NLL (mean, nats)"]
    at.slider(key="smoothing").set_value(0.2).run()
    shown = _proof(at)
    assert shown["probnn NLL (mean, nats)"] != before
    assert shown["probnn NLL (mean, nats)"] == pytest.approx(
        _expected("categorical", smoothing=0.2).nll, abs=1e-12
    )


def test_link_restores_the_view():
    at = _open({"likelihood": "laplace", "b": "2.5", "n": "7", "seed": "11", "outlier": "12"})
    assert at.selectbox(key="likelihood").value == "laplace"
    assert at.slider(key="b").value == 2.5
    assert at.slider(key="n").value == 7
    assert at.number_input(key="seed").value == 11
    assert at.slider(key="outlier").value == 12.0
    shown = _proof(at)
    assert shown["probnn NLL (mean, nats)"] == pytest.approx(
        _expected("laplace", n=7, seed=11, b=2.5).nll, abs=1e-12
    )
    assert shown["factor"] == pytest.approx(1 / 2.5)


def test_regression_shows_the_other_curves_sliders():
    at = _open({"likelihood": "laplace"})
    keys = {s.key for s in at.slider}
    assert {"b", "sigma", "df"} <= keys
    at = _open({"likelihood": "student_t"})
    assert {"df", "scale", "sigma"} <= {s.key for s in at.slider}
    at = _open({"likelihood": "bernoulli"})
    assert not {"sigma", "df"} & {s.key for s in at.slider}


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ({"likelihood": "gaussian", "sigma": "-1", "n": "0", "seed": "-1"}, ["sigma", "n", "seed"]),
        ({"likelihood": "gaussian", "sigma": "0", "fit": "cubic"}, ["sigma", "fit"]),
        ({"likelihood": "student_t", "df": "0", "scale": "-2"}, ["df", "scale"]),
        ({"likelihood": "student_t", "df": "-3", "outlier": "nan"}, ["df", "outlier"]),
        ({"likelihood": "laplace", "b": "abc", "fit_df": "0"}, ["b", "fit_df"]),
        ({"likelihood": "nope"}, ["likelihood"]),
    ],
)
def test_bad_link_values_get_a_message_and_the_default(query, keys):
    at = _open(query)
    captions = _captions(at)
    assert captions.count("Link value ignored") == len(keys)
    for key in keys:
        assert f"{key}=" in captions
    assert abs(_proof(at)["difference (nats)"]) < 1e-8


@pytest.mark.parametrize(
    ("name", "typed", "words"),
    [
        ("categorical", "0, 1, 7", "only 3 classes"),
        ("bernoulli", "0, 1, 2", "not 0 or 1"),
        ("poisson", "2, -1", "negative"),
        ("gaussian", "1, two", "not a number"),
    ],
)
def test_typed_targets_outside_the_support_get_a_message(name, typed, words):
    at = _open({"likelihood": name, "y": typed})
    warning = " ".join(w.value for w in at.warning)
    assert words in warning and "random targets" in warning
    assert abs(_proof(at)["difference (nats)"]) < 1e-8


def test_typed_targets_are_used():
    at = _open({"likelihood": "bernoulli"})
    at.text_input(key="y").input("1, 0, 0, 1, 1").run()
    assert not at.exception and not at.warning
    lik = likelihoods.get("bernoulli")
    out, _ = scoring.random_batch(lik, 5, seed=0)
    expected = scoring.prove(lik, out, [1.0, 0.0, 0.0, 1.0, 1.0])
    assert _proof(at)["probnn NLL (mean, nats)"] == pytest.approx(expected.nll, abs=1e-12)


def test_outlier_and_df_sliders_refit_the_three_lines():
    at = _open({"likelihood": "gaussian"})
    at.slider(key="outlier").set_value(15.0).run()
    at.slider(key="fit_df").set_value(1.5).run()
    table = at.table[1].value
    x, y = scoring.outlier_sample(15.0)
    _, expected = scoring.compare_fits(x, y, df=1.5)
    for col, kind in [("Gaussian", "gaussian"), ("Laplace", "laplace"),
                      ("Student-t", "student_t")]:  # fmt: skip
        assert list(table[col]) == pytest.approx(list(expected[f"nll_{kind}"]), abs=1e-12)


def test_constant_model_names_mean_median_and_robust_centre():
    at = _open({"likelihood": "gaussian"})
    at.radio(key="fit").set_value("constant").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    est = scoring.location_estimates(scoring.outlier_sample(8.0, trend=0.0)[1], df=3.0)
    assert f"**mean** ({num(est['gaussian'])})" in text
    assert f"**median** ({num(est['laplace'])})" in text
