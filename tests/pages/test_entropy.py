"""The Entropy page: numbers agree with probnn.info, links restore the view, bad links don't crash."""

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from probnn import families, info
from ui.text import shown

ROOT = Path(__file__).resolve().parents[2]


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "lessons/entropy.py"), default_timeout=30)
    if query:
        at.query_params.update(query)
    return at.run()


def metric(at: AppTest, label_start: str) -> float:
    value = next(m.value for m in at.metric if m.label.startswith(label_start))
    return float(value)


def entropy(key: str, base: float, **values) -> float:
    return float(info.entropy(families.get(key).build(**values), base=base))


def notes(at: AppTest) -> str:
    """The captions as shown (a link's value in a message is escaped Markdown)."""
    return shown(" ".join(c.value for c in at.caption))


def test_default_view_shows_the_normal_entropy_in_both_units():
    at = open_page()
    assert not at.exception
    assert at.title[0].value.startswith("Entropy")
    assert metric(at, "h(p) in bits") == pytest.approx(entropy("normal", 2), abs=1e-3)
    assert metric(at, "h(p) in nats") == pytest.approx(entropy("normal", math.e), abs=1e-3)
    assert any(r"\int" in x.value for x in at.latex)  # the differential entropy formula
    assert "nan" not in " ".join(m.value for m in at.metric).lower()


def test_moving_sigma_changes_the_entropy_as_probnn_says():
    at = open_page()
    at.slider(key="sigma").set_value(3.0).run()
    assert metric(at, "h(p) in bits") == pytest.approx(
        entropy("normal", 2, mu=0.0, sigma=3.0), abs=1e-3
    )
    at.slider(key="sigma").set_value(0.1).run()  # narrower than 1/sqrt(2 pi e): negative
    h = metric(at, "h(p) in nats")
    assert h < 0
    assert h == pytest.approx(entropy("normal", math.e, mu=0.0, sigma=0.1), abs=1e-3)


def test_narrow_against_wide_one_slider_orders_the_entropies():
    at = open_page()
    a, b = metric(at, "A: "), metric(at, "B: ")
    assert b > a  # B's default sigma is wider
    at.slider(key="b_sigma").set_value(0.5).run()
    a, b = metric(at, "A: "), metric(at, "B: ")
    assert b < a
    assert b == pytest.approx(entropy("normal", 2, mu=0.0, sigma=0.5), abs=1e-3)


def test_categorical_link_restores_logits_and_temperature():
    query = {"family": "categorical", "k": "3", "t": "2.0", "l1": "2.0", "l2": "0.0", "l3": "-1"}
    at = open_page(query)
    assert not at.exception
    assert at.slider(key="k").value == 3
    assert {s.key for s in at.slider} >= {"l1", "l2", "l3"}
    assert "l4" not in {s.key for s in at.slider}
    values = {"K": 3, "T": 2.0, "l1": 2.0, "l2": 0.0, "l3": -1.0}
    assert metric(at, "H(p) in bits") == pytest.approx(
        entropy("categorical", 2, **values), abs=1e-3
    )
    assert metric(at, "ceiling log K (bits)") == pytest.approx(math.log2(3), abs=1e-3)
    assert at.get("progress")  # how far below log K


def test_temperature_spreads_the_categorical_towards_log_k():
    at = open_page({"family": "categorical"})
    low = metric(at, "H(p) in bits")
    at.slider(key="t").set_value(5.0).run()
    high = metric(at, "H(p) in bits")
    assert high > low
    assert high < math.log2(4) + 1e-9
    at.slider(key="t").set_value(0.1).run()
    assert metric(at, "H(p) in bits") < 0.2 < low


def test_bernoulli_bound_is_one_bit_and_reached_at_one_half():
    at = open_page({"family": "bernoulli", "pi": "0.5"})
    assert metric(at, "H(p) in bits") == pytest.approx(1.0, abs=1e-3)
    assert metric(at, "ceiling log K (bits)") == pytest.approx(1.0)


def test_numerical_entropy_states_its_method_and_error():
    at = open_page({"family": "poisson", "rate": "4"})
    assert metric(at, "H(p) in nats") == pytest.approx(
        entropy("poisson", math.e, rate=4.0), abs=1e-3
    )
    assert "truncated sum; error at most" in notes(at)


def test_units_switch_the_chart_unit_and_formula():
    at = open_page({"unit": "nats"})
    assert any(r"\ln" in x.value and "nats" in x.value for x in at.latex)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"family": "nope"}, "family='nope' is not one of"),
        ({"sigma": "abc"}, "sigma='abc' is not a number"),
        ({"family": "categorical", "k": "-5"}, "k='-5' is outside [2, 10]"),
    ],
)
def test_bad_links_show_a_message_and_fall_back_to_defaults(query, message):
    at = open_page(query)
    assert not at.exception
    assert message in notes(at)
    key = query.get("family", "normal")
    key = key if key in families.FAMILIES else "normal"
    assert metric(at, "h(p) in bits" if key == "normal" else "H(p) in bits") == pytest.approx(
        entropy(key, 2), abs=1e-3
    )
