"""The Cross-entropy and KL page: numbers agree with probnn.info, H(p,q) = H(p) + KL, the
matching candidate wins, infinities come with a reason, links restore the view, and the
forward/reverse KL fit runs."""

import math
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from probnn import families, info
from probnn.kl_fit import Mixture
from ui.text import shown

ROOT = Path(__file__).resolve().parents[2]


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "lessons/cross_entropy.py"), default_timeout=30)
    if query:
        at.query_params.update(query)
    return at.run()


def metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def number(at: AppTest, label_start: str) -> float:
    return float(metric(at, label_start))


def reference(p_key, p_values, q_key, q_values, base=2.0) -> tuple[float, float, float]:
    p = families.get(p_key).build(**p_values)
    q = families.get(q_key).build(**q_values)
    return (
        float(info.entropy(p, base=base)),
        float(info.cross_entropy(p, q, base=base)),
        float(info.kl_divergence(p, q, base=base)),
    )


def texts(at: AppTest) -> str:
    return " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])


def test_default_view_matches_probnn_and_the_identity():
    at = open_page()
    assert not at.exception
    h, ce, kl = reference("normal", {"mu": 0.0, "sigma": 1.0}, "normal", {"mu": 1.0, "sigma": 1.5})
    assert number(at, "H(p) (bits)") == pytest.approx(h, abs=1e-3)
    assert number(at, "H(p, q) (bits)") == pytest.approx(ce, abs=1e-3)
    assert number(at, "KL(p ‖ q) (bits)") == pytest.approx(kl, abs=1e-3)
    assert ce == pytest.approx(h + kl)
    assert "closed form" in texts(at)
    assert not at.warning


def test_moving_q_changes_the_numbers_and_q_equal_p_gives_zero_kl():
    at = open_page()
    at.slider(key="q_sigma").set_value(3.0).run()
    h, ce, kl = reference("normal", {"mu": 0.0, "sigma": 1.0}, "normal", {"mu": 1.0, "sigma": 3.0})
    assert number(at, "H(p, q) (bits)") == pytest.approx(ce, abs=1e-3)
    assert number(at, "KL(p ‖ q) (bits)") == pytest.approx(kl, abs=1e-3)
    at.slider(key="q_mu").set_value(0.0).run()
    at.slider(key="q_sigma").set_value(1.0).run()
    assert number(at, "KL(p ‖ q) (bits)") == pytest.approx(0.0, abs=1e-9)
    assert number(at, "H(p, q) (bits)") == pytest.approx(number(at, "H(p) (bits)"), abs=1e-9)


def test_units_in_nats():
    at = open_page({"unit": "nats"})
    h, ce, kl = reference(
        "normal", {"mu": 0.0, "sigma": 1.0}, "normal", {"mu": 1.0, "sigma": 1.5}, math.e
    )
    assert number(at, "H(p, q) (nats)") == pytest.approx(ce, abs=1e-3)
    assert number(at, "KL(p ‖ q) (nats)") == pytest.approx(kl, abs=1e-3)


def test_the_matching_candidate_has_the_lower_cross_entropy():
    at = open_page()
    a, b = number(at, "H(p, A)"), number(at, "H(p, B)")
    assert a == pytest.approx(number(at, "H(p) (bits)"), abs=1e-9)
    _, ce_b, _ = reference("normal", {"mu": 0.0, "sigma": 1.0}, "normal", {"mu": 1.5, "sigma": 1.0})
    assert b == pytest.approx(ce_b, abs=1e-3)
    assert b > a
    at.slider(key="off_mu").set_value(0.0).run()
    assert number(at, "H(p, B)") == pytest.approx(a, abs=1e-9)


def test_the_sweep_has_one_minimum_for_both_curves_where_q_equals_p():
    at = open_page({"p_mu": "1.0"})
    text = texts(at)
    assert "Both curves are lowest at $\\mu$ = **1**" in text
    assert "KL touches 0" in text
    at.radio(key="sweep").set_value("sigma").run()
    assert "Both curves are lowest at $\\sigma$ = **1**" in texts(at)


def test_normal_against_uniform_is_infinite_with_a_reason():
    at = open_page({"q_family": "uniform"})
    assert not at.exception
    assert metric(at, "H(p, q) (bits)") == "inf"
    assert metric(at, "KL(p ‖ q) (bits)") == "inf"
    assert metric(at, "H(p) (bits)") != "inf"
    assert "is 0 outside" in at.warning[0].value
    assert "nan" not in " ".join(m.value for m in at.metric).lower()


def test_poisson_against_binomial_is_infinite_and_the_link_restores_the_view():
    at = open_page({"p_family": "poisson", "q_family": "binomial", "p_rate": "4", "q_n": "12"})
    assert not at.exception
    assert at.slider(key="p_rate").value == 4.0 and at.slider(key="q_n").value == 12
    assert metric(at, "H(p, q) (bits)") == "inf"
    assert "q = Binomial is 0 above x = 12" in at.warning[0].value
    h, _, _ = reference("poisson", {"rate": 4.0}, "binomial", {"n": 12, "pi": 0.5})
    assert number(at, "H(p) (bits)") == pytest.approx(h, abs=1e-3)


def test_numerical_results_state_their_method():
    at = open_page({"p_family": "mixture", "q_family": "normal"})
    assert not at.exception
    p_values = families.get("mixture").defaults()
    h, ce, kl = reference("mixture", p_values, "normal", {"mu": 1.0, "sigma": 1.5})
    assert number(at, "H(p, q) (bits)") == pytest.approx(ce, abs=1e-3)
    assert "quadrature (error ≤" in texts(at)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"p_family": "nope"}, "p_family='nope' is not one of"),
        ({"p_sigma": "abc"}, "p_sigma='abc' is not a number"),
        ({"q_family": "poisson"}, "q_family='poisson' is not one of"),
        ({"fit_d": "-5"}, "fit_d='-5' is outside"),
    ],
)
def test_bad_links_show_a_message_and_fall_back_to_defaults(query, message):
    at = open_page(query)
    assert not at.exception
    assert message in shown(texts(at))  # a link's value is escaped Markdown
    h, ce, _ = reference("normal", {"mu": 0.0, "sigma": 1.0}, "normal", {"mu": 1.0, "sigma": 1.5})
    assert number(at, "H(p, q) (bits)") == pytest.approx(ce, abs=1e-3)


def test_fit_runs_forward_to_the_moments_and_reverse_to_a_mode():
    at = open_page({"fit_start": "1.5"})
    assert "Press **Fit**" in texts(at)
    at.button[0].click().run(timeout=60)
    assert not at.exception
    text = texts(at)
    p = Mixture(weight=0.5, mean1=-2.0, mean2=2.0, sigma1=0.6, sigma2=0.6)
    value = r"(-?[0-9.]+(?:e[-+][0-9]+)?)"  # a shown number: 4 significant digits
    forward = re.search(
        rf"\*\*Forward:\*\* \$\\mu\$ = {value}, \$\\sigma\$ = {value} "
        rf"\(p's mean {value} and standard deviation {value}:",
        text,
    )
    assert forward, "the forward fit's summary"
    mu, sigma, mean, std = (float(v) for v in forward.groups())
    assert mean == pytest.approx(p.mean, abs=1e-3) and std == pytest.approx(p.std, rel=1e-3)
    assert mu == pytest.approx(p.mean, abs=1e-3) and sigma == pytest.approx(p.std, rel=1e-3)
    reverse = re.search(rf"\*\*Reverse:\*\* \$\\mu\$ = {value},", text)
    assert reverse and float(reverse.group(1)) == pytest.approx(2.0, abs=0.01)  # one mode
    assert "estimated error of the final values" in text
    # the fitted state survives an unrelated change
    at.slider(key="q_mu").set_value(0.5).run()
    assert "**Forward:**" in texts(at)
