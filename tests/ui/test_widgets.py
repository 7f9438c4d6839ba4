"""ui.widgets: URL-bound widgets restore good values and explain bad ones."""

from streamlit.testing.v1 import AppTest

from ui.text import shown


def _script():
    import streamlit as st

    from probnn.params import ParamSpec
    from ui import widgets

    spec = ParamSpec("sigma", r"\sigma", 0.1, 5.0, 1.0, 0.1)
    k_spec = ParamSpec("k", "K", 2, 10, 4, 1, integer=True)
    sigma = widgets.slider(spec, "sigma")
    k = widgets.slider(k_spec, "k")
    family = widgets.select("Family", ["normal", "laplace"], "family")
    unit = widgets.select(
        "Unit", [2.0, 2.718281828], "unit", format_func=lambda b: "bits" if b == 2 else "nats"
    )
    st.write(f"unit {unit}")
    seed = widgets.seed("seed")
    st.write(f"values {sigma} {k} {family} {seed}")


def _run(query: dict) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    at.query_params.update(query)
    return at.run()


def _values(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("values"))


def test_defaults_without_url():
    at = _run({})
    assert not at.exception
    assert _values(at) == "values 1.0 4 normal 0"
    assert not [c for c in at.caption if "Link value ignored" in c.value]


def test_good_url_values_restore_the_view():
    at = _run({"sigma": "2.5", "k": "7", "family": "laplace", "seed": "42"})
    assert not at.exception
    assert _values(at) == "values 2.5 7 laplace 42"


def test_bad_url_values_fall_back_with_a_message():
    at = _run({"sigma": "abc", "k": "-5", "family": "nope", "seed": "-1"})
    assert not at.exception
    assert _values(at) == "values 1.0 4 normal 0"
    notes = shown(" ".join(c.value for c in at.caption))
    assert "sigma='abc' is not a number" in notes
    assert "k='-5' is outside [2, 10]" in notes
    assert "family='nope' is not one of: normal, laplace" in notes
    assert "seed='-1' is outside" in notes


def test_message_clears_once_the_user_moves_the_widget():
    at = _run({"sigma": "abc"})
    assert any("sigma='abc'" in c.value for c in at.caption)
    at.slider(key="sigma").set_value(3.0).run()
    assert _values(at).startswith("values 3.0")
    assert not any("sigma='abc'" in c.value for c in at.caption)


def test_non_integer_and_infinite_values():
    at = _run({"k": "3.5", "sigma": "inf"})
    notes = " ".join(c.value for c in at.caption)
    assert "k='3.5' must be a whole number; using 3." in notes
    assert "not finite" in notes
    assert _values(at) == "values 1.0 3 normal 0"


def test_select_with_labels_restores_from_its_label():
    at = _run({"unit": "nats"})
    assert any(m.value == "unit 2.718281828" for m in at.markdown)
    at = _run({"unit": "hartleys"})
    assert any(m.value == "unit 2.0" for m in at.markdown)
    assert any(
        "unit='hartleys' is not one of: bits, nats; using bits." in c.value for c in at.caption
    )


def test_messages_name_the_link_key_not_the_symbol():
    def script():
        from probnn.params import ParamSpec
        from ui import widgets

        widgets.slider(ParamSpec("K", "K", 2, 10, 4, 1, integer=True), "k")

    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["k"] = "-5"
    at.run()
    assert any("k='-5' is outside [2, 10]" in shown(c.value) for c in at.caption)
